"""The test session keeps its instance files (letter font, uploads, databases) in a
temporary folder: running the app under test leaves the repository's ``instance/`` as
it was (the session checks this again at its end)."""
from __future__ import annotations

import io
import re
from pathlib import Path

from tests.conftest import REPO_INSTANCE, instance_listing

TINY_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def test_the_app_under_test_writes_nothing_into_the_repository_instance(app, make_case, make_user, as_user,
                                                                        session_instance):
    from loans.letters.queries import letters_for

    before = instance_listing(REPO_INSTANCE)
    assert Path(app.instance_path) == session_instance != REPO_INSTANCE
    uploads = Path(app.config["UPLOAD_FOLDER"])
    assert not uploads.is_relative_to(REPO_INSTANCE)

    # a decision issues a letter, set in the letter font of the instance folder …
    assert letters_for(make_case("approved"))
    assert list((session_instance / "fonts").glob("*.otf"))
    # … and an applicant uploads evidence
    client = as_user(make_user("applicant"))
    location = client.post("/my/applications/new").headers["Location"]
    draft = re.search(r"/my/applications/(\d+)/", location).group(1)
    response = client.post(f"/my/applications/{draft}/documents", content_type="multipart/form-data",
                           data={"kind": "business_plan", "file": (io.BytesIO(TINY_PDF), "plan.pdf")})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert any(p.is_file() for p in uploads.rglob("*"))

    assert instance_listing(REPO_INSTANCE) == before
