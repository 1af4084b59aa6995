import pytest
from flask import g

from tests.reference_data import reset_reference_data


@pytest.fixture(autouse=True)
def _seeded_reference_data(request):
    """Tests here read policy versions and key groups: start each from the seed, in English.

    The ``app`` fixture keeps one app context for the whole test, so ``g`` (and what is
    cached in it: the language, the reference data) would outlive a request; drop those
    caches at the start of each request as a real server does."""
    if "app" not in request.fixturenames:
        return
    from loans.db import db

    app = request.getfixturevalue("app")
    reset_reference_data(db)
    if "client" in request.fixturenames:
        # Assertions below read English; a test wanting Chinese asks for it.
        request.getfixturevalue("client").environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    @app.before_request
    def _fresh_request_caches():
        g.pop("_flask_babel", None)
        g.pop("_reference_cache", None)
