"""A partnership filed by a community worker (SPEC §15): the worker lists the partners with
the portal's checks; each partner confirms their own declaration by a signed form the worker
scans — never the worker for them — and submission waits for the person and every partner."""
from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select

from loans.applications.models import Partner
from loans.audit.models import AuditEvent
from loans.db import db
from tests.assisted.test_filing import client_in, complete, filed, sent_code, sms, worker  # noqa: F401 (fixtures)
from tests.factories import resident_id
from tests.test_roles_routes import TINY_PDF

WANG = resident_id("431002", date(1988, 5, 6), 7)
ZHAO = resident_id("431002", date(1991, 8, 9), 3)


def partnership(app, worker, **person):
    client, case = filed(app, worker, **person)
    complete(case, worker)
    case.loan_type = "partnership"
    db.session.commit()
    return client, case


def add(client, case, name, number, **extra):
    return client.post(f"/assisted/{case.id}/step/partners",
                       data={"full_name": name, "id_number": number, "key_group_code": "veteran", **extra})


def scan(client, case, partner, data=TINY_PDF, name="signed.pdf"):
    return client.post(f"/assisted/{case.id}/partners/{partner.id}/scan",
                       data={f"p{partner.id}-file": (io.BytesIO(data), name)})


def partners_of(case):
    db.session.expire_all()
    return db.session.scalars(select(Partner).where(Partner.application_id == case.id).order_by(Partner.position)).all()


def test_the_worker_lists_partners_with_the_portals_checks_but_never_declares_for_them(app, worker):
    client, case = partnership(app, worker)
    assert "Partners" in client.get(f"/assisted/{case.id}").get_data(as_text=True)
    page = client.get(f"/assisted/{case.id}/step/partners").get_data(as_text=True)
    assert "No partners yet." in page and "no other outstanding loans" not in page  # no declaration to tick
    assert add(client, case, "王五", WANG, declares_no_other_loans="y").status_code == 302
    (wang,) = partners_of(case)
    assert (wang.full_name, wang.declares_no_other_loans, wang.confirmed_at) == ("王五", False, None)
    same_as_person = add(client, case, "李四", case_id_number(case))
    assert same_as_person.status_code == 400
    assert "already part of the application" in same_as_person.get_data(as_text=True)
    bad = add(client, case, "赵七", "4310021991")
    assert bad.status_code == 400 and "赵七" in bad.get_data(as_text=True)  # shown again, nothing lost
    assert client.post(f"/assisted/{case.id}/partners/{wang.id}/delete").status_code == 302
    assert partners_of(case) == []


def case_id_number(case):
    from tests.assisted.test_filing import PERSON_ID

    return PERSON_ID


def test_submission_waits_for_the_person_and_every_partner_each_by_their_signed_form(app, worker, sms, make_user):
    client, case = partnership(app, worker)
    add(client, case, "王五", WANG)
    add(client, case, "赵七", ZHAO)
    wang, zhao = partners_of(case)
    client.post(f"/assisted/{case.id}/code")
    assert client.post(f"/assisted/{case.id}/confirm", data={"code": sent_code(sms)}).status_code == 302
    refused = client.post(f"/assisted/{case.id}/submit")
    assert refused.status_code == 409
    assert "Not every partner has confirmed" in refused.get_data(as_text=True)
    assert "王五" in refused.get_data(as_text=True) and "赵七" in refused.get_data(as_text=True)
    fake = scan(client, case, wang, data=b"MZ not a scan")
    assert fake.status_code == 400 and "Only PDF, JPEG or PNG" in fake.get_data(as_text=True)
    assert scan(client, case, wang).status_code == 302
    wang, zhao = partners_of(case)
    assert wang.confirmed_at is not None and wang.declares_no_other_loans and wang.confirmation_document_id
    assert zhao.confirmed_at is None  # bound to that partner only
    again = scan(client, case, wang)
    assert again.status_code == 409 and "already confirmed" in again.get_data(as_text=True)
    still = client.post(f"/assisted/{case.id}/submit")
    assert still.status_code == 409 and "赵七" in still.get_data(as_text=True) and "王五" not in still.get_data(
        as_text=True).split("Not every partner")[1][:80]
    assert scan(client, case, zhao).status_code == 302
    assert client.post(f"/assisted/{case.id}/submit").status_code == 302
    db.session.expire_all()
    assert case.status == "submitted"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == case.id,
                                                         AuditEvent.action == "partner_confirmed")
                                .order_by(AuditEvent.id)).all()
    assert [e.detail["partner"] for e in events] == [wang.id_number_masked, zhao.id_number_masked]
    officer = client_in(app, make_user("officer", district_code="431002"))
    page = officer.get(f"/review/cases/{case.id}").get_data(as_text=True)
    assert "Confirmed by the partners" in page and "A signed form, scanned" in page
    assert "王五" in page and "赵七" in page and "Confirmed by a partner" in page  # and in the history


def test_the_worker_cannot_confirm_for_a_partner_or_for_anothers(app, worker, make_user):
    client, case = partnership(app, worker)
    add(client, case, "王五", WANG, declares_no_other_loans="y")
    (wang,) = partners_of(case)
    no_scan = client.post(f"/assisted/{case.id}/partners/{wang.id}/scan", data={})
    assert no_scan.status_code == 400 and "Choose the signed form" in no_scan.get_data(as_text=True)
    assert client.post(f"/assisted/{case.id}/partners/{wang.id}/confirm", data={"code": "123456"}).status_code in (
        404, 405)  # no other way: the partner's own signature only
    other_client, other_case = partnership(app, make_user("community", district_code="431002"),
                                           mobile="13800003333", number=ZHAO)
    assert scan(other_client, other_case, wang).status_code == 409  # not that case's partner
    assert scan(client_in(app, make_user("community", district_code="431002")), case, wang).status_code == 404
    assert partners_of(case)[0].confirmed_at is None
    page = client.get(f"/assisted/{case.id}").get_data(as_text=True)
    assert "Confirmed by the partners" in page and "Not yet" in page


def test_the_partners_page_speaks_chinese(app, worker):
    client, case = partnership(app, worker)
    add(client, case, "王五", WANG)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    client.post("/language", data={"lang": "zh"})
    assert client.get(f"/assisted/{case.id}/step/partners").status_code == 200
