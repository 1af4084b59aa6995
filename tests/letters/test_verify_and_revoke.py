"""The public verification page and revocation (SPEC §9)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from loans.db import local_today
from tests.helpers import unmarked

pytestmark = pytest.mark.pdf  # the letters come from real decisions, which render them
EN = {"Accept-Language": "en"}


def test_verify_valid_letter(client, decided):
    application, letter = decided("approve", name="王小明")
    page = client.get(f"/verify/{letter.verification_code}", headers=EN)
    html = unmarked(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "Valid" in html and letter.reference in html and "王**" in html and "王小明" not in html
    assert "¥100,000.00" in html and application.decision_on.isoformat() in html


def test_verify_expired_when_validity_ended_without_contract(app, client, decided):
    from loans.db import db
    from loans.review.services import expire_approvals

    application, letter = decided("approve")
    application.valid_until_date = local_today() - timedelta(days=1)
    db.session.commit()
    assert "Expired" in client.get(f"/verify/{letter.verification_code}", headers=EN).get_data(as_text=True)
    expire_approvals(local_today())
    db.session.commit()
    assert application.status == "expired"
    assert "Expired" in client.get(f"/verify/{letter.verification_code}", headers=EN).get_data(as_text=True)


def test_verify_unknown_code_is_404(client):
    response = client.get("/verify/not-a-real-code-0000000000", headers=EN)
    assert response.status_code == 404
    assert "not found" in response.get_data(as_text=True).lower()


def test_supervisor_revokes_letter_applicant_told_and_audited(app, decided, make_user):
    from loans.notifications.models import Notification
    from loans.audit.models import AuditEvent
    from loans.db import db
    from tests.helpers import client_for

    app.extensions["sent_emails"] = []
    application, letter = decided("approve")
    supervisor_user = make_user("supervisor")
    supervisor = client_for(app, supervisor_user)
    case_page = supervisor.get(f"/review/cases/{application.id}").get_data(as_text=True)
    assert f"/letters/{letter.id}/revoke" in case_page

    response = supervisor.post(f"/letters/{letter.id}/revoke", data={"reason": ""}, headers=EN)
    assert response.status_code == 400  # the case page again, with the reason
    page = response.get_data(as_text=True)
    assert "Give the reason for revoking the letter." in page and "Redirecting" not in page
    assert application.reference in page
    response = supervisor.post(f"/letters/{letter.id}/revoke", data={"reason": "申请材料不实"})
    assert response.status_code == 302
    db.session.expire_all()
    assert letter.revoked_at is not None and letter.revoked_by_id == supervisor_user.id
    assert letter.revoke_reason == "申请材料不实"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "letter_revoked"))
    assert event.object_id == application.id and event.actor_id == supervisor_user.id
    assert event.detail["reason"] == "申请材料不实"
    note = db.session.scalar(select(Notification).where(Notification.event == "letter_revoked"))
    assert note.user_id == application.applicant_id and note.params["reason"] == "申请材料不实"
    assert any(m["event"] == "letter_revoked" for m in app.extensions["sent_emails"])

    page = app.test_client().get(f"/verify/{letter.verification_code}", headers=EN)
    assert "Revoked" in page.get_data(as_text=True)
    response = supervisor.post(f"/letters/{letter.id}/revoke", data={"reason": "again"}, headers=EN)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This letter has already been revoked." in page and "Redirecting" not in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "letter_revoked")) == 1

    applicant_page = client_for(app, application.applicant).get(f"/my/applications/{application.id}")
    text = applicant_page.get_data(as_text=True)
    # in the applicant's language (their account may be Chinese)
    assert ("Your approval letter was revoked" in text or "审批通知书已于" in text) and "申请材料不实" in text
    assert "Next step: take the approval letter" not in text and "下一步" not in text


def test_only_supervisors_revoke(app, decided, make_user):
    from tests.helpers import client_for

    application, letter = decided("approve")
    for role in ("officer", "applicant", "auditor"):
        client = client_for(app, make_user(role))
        assert client.post(f"/letters/{letter.id}/revoke", data={"reason": "x"}).status_code == 403
    assert app.test_client().post(f"/letters/{letter.id}/revoke", data={"reason": "x"}).status_code == 302
    out_of_scope = client_for(app, make_user("supervisor", district_code="431003"))
    assert out_of_scope.post(f"/letters/{letter.id}/revoke", data={"reason": "x"}).status_code == 404
    assert letter.revoked_at is None


def test_rejection_letters_cannot_be_revoked(app, decided, make_user):
    from tests.helpers import client_for

    _, letter = decided("reject")
    supervisor = client_for(app, make_user("supervisor"))
    response = supervisor.post(f"/letters/{letter.id}/revoke", data={"reason": "x"}, headers=EN)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Only approval letters can be revoked." in page and "Redirecting" not in page
    assert letter.revoked_at is None


def test_revoke_form_needs_csrf_token(migrated_template, tmp_path, make_user):
    from tests.conftest import make_app

    csrf_app = make_app(migrated_template, tmp_path, WTF_CSRF_ENABLED=True)
    with csrf_app.app_context():
        response = csrf_app.test_client().post("/letters/1/revoke", data={"reason": "x"})
        assert response.status_code in (302, 400)  # anonymous → login, or refused token; never processed
