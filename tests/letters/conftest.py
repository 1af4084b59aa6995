"""Letters: decided cases built through the real services; any WeasyPrint warning (or a
character the embedded font lacks) fails the test."""
from __future__ import annotations

import pytest

from tests.factories import recommended_case


@pytest.fixture(autouse=True)
def _render_cleanly(no_render_warnings):
    yield no_render_warnings


@pytest.fixture
def decided(app, staff):
    """decided("approve"|"reject", locale="zh", **case_fields) → (application, letter)."""
    from loans.db import db
    from loans.letters.queries import letters_for
    from loans.review import services as review

    supervisor = staff("supervisor", name="赵审批")

    def make(decision="approve", *, locale="zh", **fields):
        application = recommended_case(decision, **fields)
        application.applicant.locale = locale
        review.decide(application, actor=supervisor, decision=decision)
        db.session.commit()
        (letter,) = letters_for(application)
        return application, letter

    return make
