"""The takeover is the only door (SPEC §15): a case a community worker filed is the
person's to read in the portal, not to change, until they take it over; then it is theirs."""
from __future__ import annotations

from sqlalchemy import select

from loans.applications.models import LoanApplication
from loans.db import db
from tests.assisted.test_filing import PERSON_ID, client_in, filed, sent_code, sms, worker  # noqa: F401 (fixtures)


def person_logged_in(app, sms):
    client = client_in(app, None)
    client.post("/login/code", data={"mobile": "13800001111"})
    assert client.post("/login", data={"login": "13800001111", "code": sent_code(sms)}).status_code == 302
    return client


def take_over(client, case, sms):
    assert client.post(f"/assisted/takeover/{case.id}/code").status_code == 302
    done = client.post(f"/assisted/takeover/{case.id}", data={"code": sent_code(sms), "id_number": PERSON_ID})
    assert done.status_code == 302


PERSON_STEP = {"full_name": "李四改", "mobile": "13800001111", "household_district_code": "431002",
               "education": "senior_high", "action": "draft"}


def test_the_person_reads_a_case_filed_for_them_but_cannot_change_it_before_takeover(app, worker, sms):
    _worker_client, case = filed(app, worker)
    client = person_logged_in(app, sms)
    listing = client.get("/my/applications/").get_data(as_text=True)
    assert f"/my/applications/{case.id}/step/" not in listing and "Continue your draft" not in listing
    assert f'href="/my/applications/{case.id}"' in listing and "Take over this application" in listing
    step = client.get(f"/my/applications/{case.id}/step/person")
    assert step.status_code == 302 and step.headers["Location"].endswith(f"/my/applications/{case.id}")
    page = client.get(f"/my/applications/{case.id}").get_data(as_text=True)
    assert f"Filed for you by {worker.name}" in page and "Take it over to edit it" in page
    assert f"/assisted/takeover/{case.id}" in page and "Continue your draft" not in page
    assert "Withdraw this application" not in page
    for path, data in ((f"step/person", PERSON_STEP), ("submit", {}), ("withdraw", {"reason": "x"}),
                       ("consent", {"agree": "y"}), ("partners/1/delete", {})):
        refused = client.post(f"/my/applications/{case.id}/{path}", data=data)
        assert refused.status_code == 409, path
        assert "Take it over to change it." in refused.get_data(as_text=True), path
    db.session.expire_all()
    assert (case.full_name, case.status) == ("李四", "draft")  # nothing changed
    client.post("/language", data={"lang": "zh"})
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    assert client.post(f"/my/applications/{case.id}/step/person", data=PERSON_STEP).status_code == 409
    assert client.get(f"/my/applications/{case.id}").status_code == 200


def test_after_takeover_the_case_is_the_persons_as_any_draft(app, worker, sms):
    worker_client, case = filed(app, worker)
    client = person_logged_in(app, sms)
    take_over(client, case, sms)
    listing = client.get("/my/applications/").get_data(as_text=True)
    assert "Continue your draft" in listing and "Take over this application" not in listing
    assert client.get(f"/my/applications/{case.id}/step/person").status_code == 200
    saved = client.post(f"/my/applications/{case.id}/step/person", data=PERSON_STEP)
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(LoanApplication.full_name).where(LoanApplication.id == case.id)) == "李四改"
    page = client.get(f"/my/applications/{case.id}").get_data(as_text=True)
    assert "Filed for you by" not in page and "Continue your draft" in page
    assert worker_client.get(f"/assisted/{case.id}").status_code == 404
