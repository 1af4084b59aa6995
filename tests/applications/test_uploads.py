"""Evidence uploads: type by content, size limits, hostile names, consent and encryption for
sensitive evidence, and who may download (issue 2, SPEC §11)."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from loans.applications.models import Consent, Document
from loans.audit.models import AuditEvent
from loans.db import db
from tests.applications.conftest import PERSON, get_application, resident_id, tiny_jpeg, tiny_pdf, tiny_png
from tests.conftest import login
from tests.helpers import field_error, text, unmarked

MB = 1024 * 1024


@pytest.fixture
def draft(portal):
    app_id = portal.new()
    portal.step(app_id, "person", {**PERSON, "id_number": resident_id()})
    portal.step(app_id, "groups", {"key_groups": ["urban_unemployed", "disabled"]})
    return app_id


def documents(app_id) -> list[Document]:
    db.session.expire_all()
    return list(db.session.scalars(select(Document).where(Document.application_id == app_id).order_by(Document.id)))


def upload_folder(app) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


def stored_files(app) -> list[Path]:
    folder = upload_folder(app)
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.parametrize("content, filename, mime", [
    (tiny_pdf(), "plan.pdf", "application/pdf"),
    (tiny_jpeg(), "photo.JPG", "image/jpeg"),
    (tiny_png(), "scan.png", "image/png"),
    (tiny_pdf(), "no-extension", "application/pdf"),  # decided by content, not name
])
def test_pdf_jpeg_png_are_accepted(app, portal, client, draft, content, filename, mime):
    response = portal.upload(draft, "business_plan", content, filename)
    assert response.status_code == 302
    page = portal.page(draft, "documents")
    assert f"Uploaded: {filename}" in page
    [document] = documents(draft)
    assert (document.content_type, document.size_bytes, document.kind) == (mime, len(content), "business_plan")
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.original_name == filename
    assert not document.encrypted
    # Stored under a generated name in the upload folder, byte for byte.
    [path] = stored_files(app)
    assert path.name == document.stored_name and filename not in path.name
    assert path.read_bytes() == content
    download = client.get(f"/my/applications/{draft}/documents/{document.id}")
    assert download.status_code == 200
    assert download.data == content
    assert download.mimetype == mime
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "upload", AuditEvent.object_id == draft))
    assert audit.detail["sha256"] == document.sha256


@pytest.mark.parametrize("content", [
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 64,  # a ZIP
    b"<!doctype html><html><script>alert(1)</script></html>",
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows program
    b" %PDF-1.4 not at the start",
])
def test_wrong_type_behind_a_right_name_is_refused(app, portal, draft, content):
    response = portal.upload(draft, "business_plan", content, "x.pdf")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Only PDF, JPEG or PNG files can be uploaded" in field_error(page, "file")
    assert documents(draft) == []
    assert stored_files(app) == []


def test_empty_file_is_refused(portal, draft):
    page = portal.upload(draft, "business_plan", b"", "empty.pdf").get_data(as_text=True)
    assert "The file is empty." in field_error(page, "file")


def test_file_and_kind_are_required(portal, client, draft):
    response = client.post(f"/my/applications/{draft}/documents", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert field_error(page, "file") == "This field is required."
    assert field_error(page, "kind") == "This field is required."


def test_kind_must_be_a_claimed_group(portal, draft):
    page = portal.upload(draft, "key_group:veteran", tiny_pdf()).get_data(as_text=True)
    assert field_error(page, "kind")
    assert documents(draft) == []


def test_oversize_file_is_refused_with_a_clear_message(app, portal, draft):
    content = b"%PDF-1.4\n" + b"0" * (10 * MB)  # just over 10 MB, under the request limit
    response = portal.upload(draft, "business_plan", content, "big.pdf")
    assert response.status_code == 400
    assert "The file is larger than 10 MB. Please upload a smaller file." in field_error(
        response.get_data(as_text=True), "file")
    assert documents(draft) == []
    assert stored_files(app) == []


def test_a_file_of_exactly_10_mb_is_accepted(portal, draft):
    content = b"%PDF-1.4\n" + b"0" * (10 * MB - 9)
    assert portal.upload(draft, "business_plan", content, "ten.pdf").status_code == 302
    assert documents(draft)[0].size_bytes == 10 * MB


def test_request_over_the_limit_gets_a_page_not_an_error(app, portal, client, draft):
    content = b"%PDF-1.4\n" + b"0" * (11 * MB)
    documents_page = f"http://localhost/my/applications/{draft}/step/documents"
    response = client.post(f"/my/applications/{draft}/documents", data={"kind": "business_plan",
                                                                         "file": (io.BytesIO(content), "huge.pdf")},
                           content_type="multipart/form-data", headers={"Referer": documents_page})
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == documents_page
    page = client.get(documents_page).get_data(as_text=True)
    assert "The file is larger than 10 MB. Please upload a smaller file." in page
    assert documents(draft) == []

    # Without a referrer (or from elsewhere) the answer is a 413 page with the same message.
    for headers in ({}, {"Referer": "https://evil.example/x"}):
        response = client.post(f"/my/applications/{draft}/documents",
                               data={"kind": "business_plan", "file": (io.BytesIO(content), "huge.pdf")},
                               content_type="multipart/form-data", headers=headers)
        assert response.status_code == 413
        assert "larger than 10 MB" in response.get_data(as_text=True)


@pytest.mark.parametrize("filename, shown", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\win.ini.pdf", None),  # the multipart encoding may drop the backslashes
    ("营业执照（副本）.pdf", "营业执照（副本）.pdf"),
    ("'><img src=x onerror=alert(1)>.pdf", None),
    ("<script>alert('x')</script>.pdf", None),
    ("a" * 300 + ".pdf", None),
    ("\x00\x1fnul.pdf", "nul.pdf"),
    ("..", None),
])
def test_hostile_file_names_are_stored_safely(app, portal, client, draft, filename, shown):
    response = portal.upload(draft, "business_plan", tiny_pdf(), filename)
    assert response.status_code == 302
    [document] = documents(draft)
    # On disk: a generated name inside the upload folder, nothing anywhere else.
    [path] = stored_files(app)
    assert path.parent == upload_folder(app)
    assert path.name == document.stored_name
    assert len(document.stored_name) <= 80 and "/" not in document.stored_name and ".." not in document.stored_name
    # The name kept for display has no directories, no markup, no control characters.
    name = document.original_name
    assert name and "/" not in name and "\\" not in name and "<" not in name and ">" not in name
    assert all(ch.isprintable() for ch in name)
    assert len(name) <= 150
    if shown is not None:
        assert name == shown
    if filename.startswith("a" * 300):
        assert name.endswith(".pdf")  # the extension survives shortening
    page = portal.page(draft, "documents")
    assert "<img src=x" not in page and "<script>alert" not in page
    download = client.get(f"/my/applications/{draft}/documents/{document.id}", query_string={"download": "1"})
    assert download.status_code == 200 and download.data == tiny_pdf()
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "\n" not in disposition and "/" not in disposition.split("filename", 1)[1]


def test_file_names_are_displayed_escaped(portal, draft):
    portal.upload(draft, "business_plan", tiny_pdf(), "R&D 'plan' & budget.pdf")
    assert documents(draft)[0].original_name == "R&D 'plan' & budget.pdf"
    page = portal.page(draft, "documents")
    assert "R&amp;D &#39;plan&#39; &amp; budget.pdf" in page
    assert "R&D 'plan'" not in page


def test_chinese_file_name_is_shown_and_downloaded(portal, client, draft):
    portal.upload(draft, "business_plan", tiny_pdf(), "营业执照.pdf")
    assert "营业执照.pdf" in unmarked(portal.page(draft, "documents"))
    [document] = documents(draft)
    download = client.get(f"/my/applications/{draft}/documents/{document.id}", query_string={"download": "1"})
    assert "filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf" in download.headers["Content-Disposition"]


def test_uploads_are_not_served_as_static_files(app, portal, client, draft):
    portal.upload(draft, "business_plan", tiny_pdf(), "plan.pdf")
    [document] = documents(draft)
    for url in (f"/static/{document.stored_name}", f"/static/../instance/uploads/{document.stored_name}",
                f"/uploads/{document.stored_name}", f"/instance/uploads/{document.stored_name}"):
        assert client.get(url).status_code == 404, url


def test_remove_a_document(app, portal, client, draft):
    portal.upload(draft, "business_plan", tiny_pdf(), "plan.pdf")
    [document] = documents(draft)
    response = client.post(f"/my/applications/{draft}/documents/{document.id}/delete")
    assert response.status_code == 302
    assert "Document removed." in portal.page(draft, "documents")
    assert documents(draft) == []
    assert stored_files(app) == []


# --- sensitive evidence: consent and encryption ---------------------------------------------

@pytest.mark.parametrize("kind", ["key_group:disabled", "id_card"])
def test_sensitive_evidence_needs_consent_first(app, portal, client, draft, kind):
    content = tiny_pdf()
    response = portal.upload(draft, kind, content, "certificate.pdf")
    assert response.status_code == 400
    assert "Give your consent above before uploading it." in field_error(response.get_data(as_text=True), "file")
    assert documents(draft) == [] and stored_files(app) == []

    # Consent must be given explicitly.
    response = client.post(f"/my/applications/{draft}/consent", data={})
    assert response.status_code == 400
    assert "Tick the box to give your consent" in field_error(response.get_data(as_text=True), "agree")
    assert db.session.scalar(select(Consent)) is None

    response = portal.consent(draft)
    assert response.status_code == 302
    page = portal.page(draft, "documents")
    assert "Your consent has been recorded" in page
    assert "You have given this consent." in page
    consent = db.session.scalar(select(Consent))
    assert consent.application_id == draft
    assert consent.text_version == app.config["CONSENT_TEXT_VERSION"]
    assert consent.given_at is not None
    assert consent.kind == "sensitive_personal_information"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consent")) is not None

    response = portal.upload(draft, kind, content, "certificate.pdf")
    assert response.status_code == 302
    [document] = documents(draft)
    assert document.encrypted
    assert document.sha256 == hashlib.sha256(content).hexdigest()  # of the plain file
    [path] = stored_files(app)
    on_disk = path.read_bytes()
    assert on_disk != content
    assert b"%PDF" not in on_disk
    assert content not in on_disk
    # The owner downloads exactly what was uploaded.
    download = client.get(f"/my/applications/{draft}/documents/{document.id}")
    assert download.status_code == 200
    assert download.data == content


def test_consent_is_per_application(portal, draft):
    portal.consent(draft)
    other = portal.new()
    portal.step(other, "person", {**PERSON, "id_number": resident_id(seq="456")}, action="draft")
    portal.step(other, "groups", {"key_groups": ["disabled"]})
    response = portal.upload(other, "key_group:disabled", tiny_pdf())
    assert response.status_code == 400


def test_non_sensitive_evidence_needs_no_consent(portal, draft):
    assert portal.upload(draft, "key_group:urban_unemployed", tiny_pdf()).status_code == 302
    assert not documents(draft)[0].encrypted


def test_uploads_to_a_submitted_application_are_refused(portal, client):
    app_id = portal.new()
    portal.fill(app_id)
    portal.submit(app_id)
    response = portal.upload(app_id, "business_plan", tiny_pdf(), "late.pdf")
    assert response.status_code == 409  # the status page at once, with the reason
    page = response.get_data(as_text=True)
    assert "Documents can no longer be added" in page and "Redirecting" not in page
    assert get_application(app_id).reference in page
    assert len(documents(app_id)) == 1


# --- who may download -----------------------------------------------------------------------

@pytest.fixture
def submitted_with_sensitive_evidence(portal):
    app_id = portal.new()
    portal.fill(app_id, groups=("urban_unemployed", "disabled"), evidence=False)
    portal.upload(app_id, "key_group:urban_unemployed", tiny_pdf(), "card.pdf")
    portal.consent(app_id)
    portal.upload(app_id, "key_group:disabled", tiny_png(), "disability.png")
    docs = documents(app_id)
    assert len(docs) == 2
    return app_id, docs


def _staff_client(app, make_user, role, **kwargs):
    client = app.test_client()
    user = make_user(role, **kwargs)
    assert login(client, user).status_code == 302
    return client


def test_other_applicant_cannot_download(submitted_with_sensitive_evidence, other_portal):
    app_id, docs = submitted_with_sensitive_evidence
    for document in docs:
        assert other_portal.client.get(f"/my/applications/{app_id}/documents/{document.id}").status_code == 404
    # Not even by pairing their own application with someone else's document id.
    own = other_portal.new()
    for document in docs:
        assert other_portal.client.get(f"/my/applications/{own}/documents/{document.id}").status_code == 404


def test_staff_see_documents_of_submitted_cases_in_their_scope(app, make_user, portal,
                                                               submitted_with_sensitive_evidence):
    app_id, docs = submitted_with_sensitive_evidence
    beihu = _staff_client(app, make_user, "officer", district_code="431002")
    suxian = _staff_client(app, make_user, "officer", district_code="431003")
    city = _staff_client(app, make_user, "supervisor")
    bank = _staff_client(app, make_user, "bank")
    urls = [f"/my/applications/{app_id}/documents/{d.id}" for d in docs]

    # Before submission the draft is the applicant's alone.
    for url in urls:
        assert beihu.get(url).status_code == 404
    assert portal.submit(app_id).status_code == 302
    assert get_application(app_id).status == "submitted"

    expected = {docs[0].id: tiny_pdf(), docs[1].id: tiny_png()}
    for url, document in zip(urls, docs):
        response = city.get(url)
        assert response.status_code == 200
        assert response.data == expected[document.id]
        assert suxian.get(url).status_code == 404
        assert bank.get(url).status_code == 403
    # An officer of the district who does not handle the case sees the ordinary evidence,
    # not the sensitive one (SPEC §11: the assigned officer and supervisors only).
    assert beihu.get(urls[0]).data == tiny_pdf()
    assert beihu.get(urls[1]).status_code == 403


def test_documents_list_on_the_status_page(portal, client, submitted_with_sensitive_evidence):
    app_id, docs = submitted_with_sensitive_evidence
    portal.submit(app_id)
    page = text(client.get(f"/my/applications/{app_id}").get_data(as_text=True))
    assert "card.pdf" in page and "disability.png" in page
    assert "encrypted" in page


def test_sensitive_evidence_goes_only_to_the_assigned_officer_and_supervisors(
        app, make_user, portal, submitted_with_sensitive_evidence):
    """One rule for every way a sensitive document leaves the server (issue 8, finding 1):
    the download, the inline view and the case page's link and preview."""
    from loans.applications.models import LoanApplication
    from loans.review import services as review

    app_id, docs = submitted_with_sensitive_evidence
    assert portal.submit(app_id).status_code == 302
    sensitive = next(d for d in docs if d.encrypted)
    url = f"/my/applications/{app_id}/documents/{sensitive.id}"
    from tests.helpers import client_for

    assigned_user = make_user("officer", district_code="431002")
    review.take_case(db.session.get(LoanApplication, app_id), actor=assigned_user)
    db.session.commit()
    assigned = client_for(app, assigned_user)
    colleague = client_for(app, make_user("officer", district_code="431002"))
    district_supervisor = client_for(app, make_user("supervisor", district_code="431002"))
    other_supervisor = client_for(app, make_user("supervisor", district_code="431003"))
    auditor = client_for(app, make_user("auditor"))

    for client in (assigned, district_supervisor):
        assert client.get(url).data == tiny_png()
        assert client.get(url + "?download=1").data == tiny_png()
    for client in (colleague, auditor):
        assert client.get(url).status_code == 403
        assert client.get(url + "?download=1").status_code == 403
    assert other_supervisor.get(url).status_code == 404  # not their district's case at all

    case_page = f"/review/cases/{app_id}"
    assert url in assigned.get(case_page).get_data(as_text=True)
    seen_by_colleague = colleague.get(case_page).get_data(as_text=True)
    assert url not in seen_by_colleague and "disability.png" in seen_by_colleague
    # every view by staff is in the audit trail
    views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view_document")).all()
    assert len(views) == 4 and all(v.detail["document_id"] == sensitive.id for v in views)


def test_uploads_are_served_so_they_cannot_run_in_the_app(portal, client, submitted_with_sensitive_evidence):
    """A PDF (which may carry script, or be an HTML polyglot) is always a download; an image
    opens inline but sandboxed."""
    app_id, docs = submitted_with_sensitive_evidence
    pdf = next(d for d in docs if d.content_type == "application/pdf")
    png = next(d for d in docs if d.content_type == "image/png")
    response = client.get(f"/my/applications/{app_id}/documents/{pdf.id}")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response = client.get(f"/my/applications/{app_id}/documents/{png.id}")
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert client.get(f"/my/applications/{app_id}/documents/{png.id}?download=1").headers[
        "Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_document_sizes_are_in_the_readers_words(app, portal, client, draft, lang):
    """Jinja's filesizeformat wrote "125 Bytes" on Chinese pages (the walk of issue 11)."""
    from flask_babel import force_locale, ngettext

    portal.upload(draft, "business_plan", tiny_pdf(), "plan.pdf")
    portal.upload(draft, "business_licence", b"%PDF-1.4\n" + b"0" * 1536, "licence.pdf")
    client.post("/language", data={"lang": lang})
    page = portal.page(draft, "documents")
    with app.test_request_context(), force_locale(lang):
        small = ngettext("%(num)d byte", "%(num)d bytes", len(tiny_pdf()))
    assert small in page
    assert "1.5 KB" in page  # 1,545 bytes
    assert "Bytes" not in page
