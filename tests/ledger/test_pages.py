"""The admin's ledger import pages: upload, progress, result, list; auditors read only."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from loans.db import db
from loans.ledger.models import LedgerImport
from loans.servicing.models import Loan

from tests.conftest import csrf_token, login, running_app
from tests.helpers import text

from .conftest import example_sources, loan_row, loans_file


def _zip() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        # a fixed date: the bytes name the test, and both xdist workers must collect the same name
        archive.writestr(zipfile.ZipInfo("word/document.xml", date_time=(2026, 1, 1, 0, 0, 0)), "<w/>")
    return out.getvalue()


def _upload(client, *sources, **extra):
    data = {"files": [(io.BytesIO(s.data), s.name) for s in sources], **extra}
    return client.post("/admin/ledger/", data=data, content_type="multipart/form-data")


def _loans() -> int:
    return db.session.scalar(select(func.count()).select_from(Loan))


def test_admin_uploads_the_example_and_sees_the_result(app, client, login_as):
    login_as("admin")
    page = client.get("/admin/ledger/")
    assert page.status_code == 200 and "Ledger import" in text(page.get_data(as_text=True))
    response = _upload(client, *example_sources())
    assert response.status_code == 303
    result = client.get(response.headers["Location"])
    shown = text(result.get_data(as_text=True))
    assert result.status_code == 200 and "Refresh" not in result.headers
    assert "Imported" in shown and "Loans 3 0" in shown and "Events 4 0" in shown
    assert _loans() == 3
    listing = text(client.get("/admin/ledger/").get_data(as_text=True))
    assert "loans.csv" in listing and "events.csv" in listing


def test_refused_rows_are_listed_with_file_row_column_and_reason(app, client, login_as):
    login_as("admin")
    response = _upload(client, loans_file(loan_row(district_code="999999")))
    shown = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Refused: nothing was stored" in shown
    assert "loans.csv 2 district_code Unknown district code 999999." in shown
    assert _loans() == 0


def test_the_result_page_in_chinese(app, client, login_as):
    login_as("admin")
    response = _upload(client, loans_file(loan_row(district_code="999999")))
    page = client.get(response.headers["Location"], headers={"Accept-Language": "zh"})
    assert page.status_code == 200 and "999999" in page.get_data(as_text=True)


@pytest.mark.parametrize("name, data, message", [
    ("loans.csv", b"\x00\x01binary", "neither an XLSX workbook nor a CSV text file"),
    ("loans.csv", b"", "loans.csv is empty."),
    ("fake.xlsx", _zip(), "neither an XLSX workbook nor a CSV text file"),
])
def test_files_are_checked_by_content(app, client, login_as, name, data, message):
    login_as("admin")
    response = client.post("/admin/ledger/", data={"files": [(io.BytesIO(data), name)]},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in text(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(LedgerImport)) == 0


def test_size_limit(migrated_template, tmp_path):
    with running_app(migrated_template, tmp_path, LEDGER_MAX_UPLOAD_BYTES=100) as app:
        from loans.auth.services import create_user

        admin = create_user(role="admin", email="a@example.cn", password="Correct-Horse-42", check_password=False)
        db.session.commit()
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        login(client, admin)
        response = _upload(client, *example_sources())
        assert response.status_code in (400, 413)
        assert db.session.scalar(select(func.count()).select_from(LedgerImport)) == 0


def test_an_upload_is_imported_by_a_background_job_shown_on_the_jobs_page(app, client, login_as):
    from loans.jobs.models import Job

    admin = login_as("admin")
    response = _upload(client, *example_sources())
    assert response.status_code == 303
    batch_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    job = db.session.scalars(select(Job).where(Job.kind == "ledger_import")).one()
    assert job.params["batch_id"] == batch_id and job.state == "done" and job.started_by_id == admin.id
    assert job.result == {"batch_id": batch_id, "status": "done", "loans_added": 3, "events_added": 4}
    jobs_page = text(client.get("/admin/jobs").get_data(as_text=True))
    assert f"#{job.id} Ledger import Done" in jobs_page
    job_page = client.get(f"/jobs/{job.id}")
    assert f'href="/admin/ledger/{batch_id}"' in job_page.get_data(as_text=True)
    stored = Path(app.instance_path) / "job-files" / f"ledger-{batch_id}"
    assert not stored.exists()  # the uploaded files are removed once imported


def test_a_running_import_page_refreshes_itself(app, client, login_as):
    login_as("admin")
    batch = LedgerImport(status="running", files=[{"name": "loans.csv", "sha256": "0" * 64}], total_rows=1000,
                         processed_rows=250)
    db.session.add(batch)
    db.session.commit()
    page = client.get(f"/admin/ledger/{batch.id}")
    assert page.headers["Refresh"] == "3"
    shown = text(page.get_data(as_text=True))
    assert "Checking rows: 250 of 1000." in shown
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.get_data(as_text=True))  # no inline script (CSP)


def test_auditor_reads_but_cannot_upload(app, client, login_as):
    from tests.ledger.conftest import import_example_ledger

    import_example_ledger(app)
    login_as("auditor")
    listing = client.get("/admin/ledger/")
    assert listing.status_code == 200 and 'type="file"' not in listing.get_data(as_text=True)
    batch_id = db.session.scalar(select(LedgerImport.id))
    assert client.get(f"/admin/ledger/{batch_id}").status_code == 200
    assert _upload(client, *example_sources()).status_code == 403


@pytest.mark.parametrize("role", ["applicant", "officer", "supervisor", "bank", "finance"])
def test_other_roles_are_refused(app, client, login_as, role):
    login_as(role)
    assert client.get("/admin/ledger/").status_code == 403
    assert client.get("/admin/ledger/1").status_code == 403
    assert _upload(client, *example_sources()).status_code == 403


def test_anonymous_goes_to_login(client):
    response = client.get("/admin/ledger/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_import_is_404(app, client, login_as):
    login_as("admin")
    assert client.get("/admin/ledger/999").status_code == 404


def test_csrf_is_required(migrated_template, tmp_path):
    with running_app(migrated_template, tmp_path, WTF_CSRF_ENABLED=True) as app:
        from loans.auth.services import create_user

        admin = create_user(role="admin", email="a@example.cn", password="Correct-Horse-42", check_password=False)
        db.session.commit()
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        page = client.get("/login")
        client.post("/login", data={"login": admin.email, "password": "Correct-Horse-42",
                                    "csrf_token": csrf_token(page.get_data(as_text=True))})
        refused = _upload(client, *example_sources())
        assert refused.status_code == 400
        assert _loans() == 0
        token = csrf_token(client.get("/admin/ledger/").get_data(as_text=True))
        accepted = _upload(client, *example_sources(), csrf_token=token)
        assert accepted.status_code == 303 and _loans() == 3


def test_nav_shows_ledger_import_to_admins_only(app, client, login_as):
    login_as("admin")
    assert 'href="/admin/ledger/"' in client.get("/admin/ledger/").get_data(as_text=True)
