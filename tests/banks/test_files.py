"""A bank's event files (SPEC §12 "Files"): preview, confirmation all or nothing, the same
file again, references attached to typed events, the bank's overdue start, reconciliation,
the inbox job, and the clerk's pages scoped to their bank."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale

from loans.banks import files
from loans.banks.models import BankFile, BankFileStatus
from loans.db import db
from loans.errors import Refused
from loans.servicing import services as servicing
from loans.servicing.models import LoanEvent
from tests.helpers import client_for, text

COLUMNS = ("loan_ref", "date", "kind", "amount", "bank_ref", "new_maturity", "balance")


def event_file(*rows, columns=COLUMNS, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue().encode(encoding)


def row(loan_ref="L1", on="2021-07-01", kind="repayment", amount="1000", bank_ref="R1", **more) -> dict:
    return {"loan_ref": loan_ref, "date": on, "kind": kind, "amount": amount, "bank_ref": bank_ref, **more}


@pytest.fixture
def clerk(make_user):
    return make_user("bank")  # ICBC-CZ


@pytest.fixture
def loans(app, add_loan):
    made = {"L1": add_loan("L1"), "L2": add_loan("L2", status="contracted", events=()),
            "ABC": add_loan("L-ABC", bank="ABC-CZ")}
    db.session.commit()
    return made


def events_of(loan) -> list[LoanEvent]:
    return list(db.session.scalars(db.select(LoanEvent).where(LoanEvent.loan_id == loan.id)
                                   .order_by(LoanEvent.event_on, LoanEvent.id)))


def refused_rows(bank_file) -> list[dict]:
    with force_locale("en"):
        return files.refused_rows(bank_file)


def preview(data, clerk, name="events.csv", source="clerk") -> BankFile:
    bank_file = files.preview_file("ICBC-CZ", name, data, source=source, actor=clerk)
    db.session.commit()
    return bank_file


def confirm(bank_file, clerk) -> BankFile:
    try:
        result = files.confirm_file(bank_file, actor=clerk)
    except Refused:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def test_a_preview_records_nothing_and_confirming_records_every_row(clerk, loans):
    data = event_file(row(), row(on="2021-08-01", amount="2000", bank_ref="R2", balance="197000.00"),
                      row("L2", "2021-07-05", "disbursement", "50000", "D1"))
    bank_file = preview(data, clerk)
    assert bank_file.status == BankFileStatus.preview
    assert (bank_file.new_count, bank_file.skipped_count, bank_file.refused_count) == (3, 0, 0)
    assert len(events_of(loans["L1"])) == 1 and events_of(loans["L2"]) == []

    confirm(bank_file, clerk)
    assert bank_file.status == BankFileStatus.confirmed and bank_file.confirmed_by_id == clerk.id
    recorded = events_of(loans["L1"])[1:]
    assert [(e.kind, e.amount, e.bank_ref, e.source, e.bank_code) for e in recorded] == [
        ("repayment", Decimal("1000"), "R1", "file", "ICBC-CZ"), ("repayment", Decimal("2000"), "R2", "file", "ICBC-CZ")]
    assert [e.kind for e in events_of(loans["L2"])] == ["disbursement"]
    assert db.session.get(type(loans["L2"]), loans["L2"].id).status == "active"


def test_a_file_with_a_refused_row_cannot_be_confirmed(clerk, loans):
    data = event_file(row(), row(on="2021-07-02", amount="999999", bank_ref="R2"),
                      row(on="2021-07-03", amount="12,000", bank_ref="R3"), row("L-ABC", bank_ref="R4"),
                      row(on="2021-07-04", bank_ref=""))
    bank_file = preview(data, clerk)
    assert bank_file.status == BankFileStatus.refused
    refused = {(r["row"], r["column"]): r["reason"] for r in refused_rows(bank_file)}
    assert "more than the balance" in refused[(3, "amount")]
    assert refused[(4, "amount")] == "No thousands separators: write 200000, not 200,000."
    assert refused[(5, "loan_ref")] == "No loan L-ABC of this bank."  # another bank's: as if unknown
    assert "required for disbursements and repayments" in refused[(6, "bank_ref")]
    with pytest.raises(Refused) as refusal:
        confirm(bank_file, clerk)
    assert refusal.value.status == 409
    assert len(events_of(loans["L1"])) == 1


def test_confirming_is_all_or_nothing_when_a_loan_changed_after_the_preview(clerk, loans):
    bank_file = preview(event_file(row("L2", "2021-07-05", "disbursement", "50000", "D1"), row()), clerk)
    assert bank_file.status == BankFileStatus.preview
    servicing.record_repayment(loans["L1"], actor=clerk, on=date(2021, 6, 20), amount=Decimal("200000"),
                               expected_version=None)  # settled: the file's repayment no longer fits
    db.session.commit()
    with pytest.raises(Refused):
        confirm(bank_file, clerk)
    assert events_of(loans["L2"]) == []  # its good row was not kept either
    assert db.session.get(BankFile, bank_file.id).status == BankFileStatus.preview


def test_the_same_file_again_changes_nothing(clerk, loans):
    data = event_file(row(), row(on="2021-08-01", amount="2000", bank_ref="R2"))
    first = preview(data, clerk)
    confirm(first, clerk)
    again = preview(data, clerk)
    assert again.id == first.id and again.status == BankFileStatus.confirmed
    assert db.session.scalar(db.select(db.func.count()).select_from(BankFile)) == 1
    # the same rows in another file (a later day's file repeating them): all skipped
    other = preview(data + b"\r\n", clerk, name="events-2.csv")
    assert (other.new_count, other.skipped_count, other.refused_count) == (0, 2, 0)
    confirm(other, clerk)
    assert len(events_of(loans["L1"])) == 3
    with pytest.raises(Refused):
        confirm(other, clerk)


def test_a_reference_recorded_for_another_event_is_refused(clerk, loans):
    confirm(preview(event_file(row()), clerk), clerk)
    bank_file = preview(event_file(row(amount="1500")), clerk)
    [refused] = refused_rows(bank_file)
    assert refused["column"] == "bank_ref"
    assert refused["reason"] == "The reference R1 is already recorded for another event: loan L1, repayment on 2021-07-01."


def test_a_row_equal_to_a_typed_event_gives_it_the_reference(clerk, loans):
    typed = servicing.record_repayment(loans["L1"], actor=clerk, on=date(2021, 7, 1), amount=Decimal("1000"),
                                       expected_version=None)
    db.session.commit()
    assert typed.bank_ref is None and typed.source == "page"
    bank_file = preview(event_file(row()), clerk)
    assert [r["outcome"] for r in bank_file.preview["rows"]] == ["attached"]
    confirm(bank_file, clerk)
    events = events_of(loans["L1"])
    assert len(events) == 2
    assert (events[1].id, events[1].bank_ref, events[1].bank_code, events[1].source) == (typed.id, "R1", "ICBC-CZ",
                                                                                        "page")


def test_the_banks_overdue_start_replaces_the_one_the_app_set(clerk, loans):
    servicing.check_loans(date(2024, 7, 1))  # past maturity 2024-06-15: overdue from 2024-06-16
    db.session.commit()
    [app_start] = [e for e in events_of(loans["L1"]) if e.kind == "overdue_start"]
    assert (app_start.event_on, app_start.source) == (date(2024, 6, 16), "app")
    data = event_file(row(on="2024-06-20", kind="overdue_start", amount="", bank_ref="O1"),
                      row(on="2024-09-01", kind="overdue_end", amount="", bank_ref="O2"))
    bank_file = preview(data, clerk)
    assert [(r["outcome"], r.get("replaced_on")) for r in bank_file.preview["rows"]] == [
        ("replaced", "2024-06-16"), ("new", None)]
    confirm(bank_file, clerk)
    starts = [e for e in events_of(loans["L1"]) if e.kind == "overdue_start"]
    assert [(e.id, e.event_on, e.bank_ref) for e in starts] == [(app_start.id, date(2024, 6, 20), "O1")]
    assert db.session.get(type(loans["L1"]), loans["L1"].id).status == "active"


def test_balance_differences_are_listed_never_adopted_and_exported(app, clerk, loans):
    data = event_file(row(balance="199000.00"), row(on="2021-08-01", amount="2000", bank_ref="R2", balance="190000"))
    bank_file = preview(data, clerk)
    assert bank_file.preview["differences"] == [{
        "row": 3, "loan_ref": "L1", "loan_id": loans["L1"].id, "date": "2021-08-01", "bank_balance": "190000.00",
        "app_balance": "197000.00", "difference": "-7000.00"}]
    confirm(bank_file, clerk)
    assert servicing.balance_on(events_of(loans["L1"]), date(2021, 8, 1)) == Decimal("197000")
    answer = files.bank_file_json(bank_file)
    assert answer["differences"] == [{"row": 3, "loan_ref": "L1", "date": "2021-08-01", "bank_balance": "190000.00",
                                      "app_balance": "197000.00", "difference": "-7000.00"}]
    response = client_for(app, clerk).get(f"/bank/files/{bank_file.id}/reconciliation.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data().decode("utf-8-sig").splitlines()
    assert lines == ["row,loan_ref,date,bank_balance,app_balance,difference", "3,L1,2021-08-01,190000.00,197000.00,-7000.00"]


def test_the_preview_as_json(clerk, loans):
    bank_file = preview(event_file(row(), row(on="2021-07-02", kind="paid", bank_ref="R2")), clerk)
    with force_locale("en"):
        answer = files.bank_file_json(bank_file)
    assert answer["status"] == "refused" and answer["source"] == "clerk" and answer["bank"] == "ICBC-CZ"
    assert answer["counts"] == {"rows": 2, "new": 1, "attached": 0, "replaced": 0, "skipped": 0, "refused": 1,
                                "differences": 0}
    assert answer["new"] == [{"row": 2, "loan_ref": "L1", "date": "2021-07-01", "kind": "repayment",
                              "amount": "1000.00", "bank_ref": "R1", "new_maturity": None, "balance": None,
                              "outcome": "new"}]
    assert answer["refused"] == [{"row": 3, "column": "kind", "reason": "Unknown kind paid (disbursement, repayment, "
                                  "overdue_start, overdue_end or extension)."}]


def test_an_extension_gbk_and_a_file_that_cannot_be_read(clerk, loans):
    data = event_file(row(on="2022-01-10", kind="extension", amount="", bank_ref="展期-1", new_maturity="2025-06-15"),
                      encoding="gb18030")
    bank_file = preview(data, clerk)
    assert [p["reason"] for p in refused_rows(bank_file)] == [
        "Write 1 to 64 visible characters (letters, digits, punctuation; no spaces)."]
    bank_file = preview(event_file(row(on="2022-01-10", kind="extension", amount="", bank_ref="E1",
                                       new_maturity="2025-06-15")), clerk)
    confirm(bank_file, clerk)
    assert db.session.get(type(loans["L1"]), loans["L1"].id).extended_maturity_date == date(2025, 6, 15)
    unreadable = preview(b"loan_ref,date\r\nL1,2021-07-01\r\n", clerk, name="short.csv")
    assert unreadable.status == BankFileStatus.refused
    assert {(p["row"], p["column"]) for p in refused_rows(unreadable)} == {
        (1, "kind"), (1, "amount"), (1, "bank_ref")}


def test_the_inbox_job_previews_a_dropped_file_and_leaves_it_for_the_clerk(app, clerk, loans, tmp_path):
    from loans.jobs.runner import submit
    from loans.unit_of_work import unit_of_work

    app.config["BANK_INBOX"] = str(tmp_path / "inbox")
    folder = tmp_path / "inbox" / "ICBC-CZ"
    folder.mkdir(parents=True)
    (folder / "20210702.csv").write_bytes(event_file(row()))
    (folder / "20210703.csv.part").write_bytes(b"loan_ref,da")  # still being written
    with unit_of_work():
        submit("bank_inbox", {})
    db.session.expire_all()
    [bank_file] = db.session.scalars(db.select(BankFile)).all()
    assert (bank_file.source, bank_file.status, bank_file.name, bank_file.new_count) == (
        "inbox", BankFileStatus.preview, "20210702.csv", 1)
    assert len(events_of(loans["L1"])) == 1  # waits for the clerk
    assert sorted(p.name for p in folder.iterdir()) == ["20210703.csv.part", "done"]
    assert [p.name for p in (folder / "done").iterdir()] == ["20210702.csv"]
    with unit_of_work():
        submit("bank_inbox", {})  # nothing new
    assert db.session.scalar(db.select(db.func.count()).select_from(BankFile)) == 1
    confirm(db.session.get(BankFile, bank_file.id), clerk)
    assert len(events_of(loans["L1"])) == 2


def test_the_schedule_runs_the_inbox_every_five_minutes():
    from datetime import datetime

    from loans.jobs.queue import SCHEDULE

    [(name, check, kinds)] = [entry for entry in SCHEDULE if "bank_inbox" in entry[2]]
    assert [m for m in range(60) if check(datetime(2026, 12, 2, 4, m))] == list(range(0, 60, 5))


# --- the clerk's pages ------------------------------------------------------------------

def test_upload_preview_and_confirm_in_the_browser(app, clerk, loans):
    client = client_for(app, clerk)
    page = client.get("/bank/files/")
    assert page.status_code == 200 and "Bank files" in text(page.get_data(as_text=True))
    response = client.post("/bank/files/", data={"file": (io.BytesIO(event_file(row(), row(
        on="2021-07-02", bank_ref="R2", amount="abc"))), "ours.csv")}, content_type="multipart/form-data")
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Not a number." in page and "Confirm and record" not in page
    response = client.post("/bank/files/", data={"file": (io.BytesIO(event_file(row())), "good.csv")},
                           content_type="multipart/form-data")
    location = response.headers["Location"]
    page = text(client.get(location).get_data(as_text=True))
    assert "Confirm and record" in page and "R1" in page
    response = client.post(location + "/confirm")
    assert response.status_code == 303
    assert "The file is confirmed" in text(client.get(location).get_data(as_text=True))
    assert len(events_of(loans["L1"])) == 2
    refused = client.post(location + "/confirm")
    assert refused.status_code == 409 and "already confirmed" in text(refused.get_data(as_text=True))


def test_another_banks_file_is_not_found(app, clerk, make_user, loans):
    bank_file = preview(event_file(row()), clerk)
    other = client_for(app, make_user("bank", bank_code="ABC-CZ"))
    assert other.get(f"/bank/files/{bank_file.id}").status_code == 404
    assert other.post(f"/bank/files/{bank_file.id}/confirm").status_code == 404
    assert other.get(f"/bank/files/{bank_file.id}/reconciliation.csv").status_code == 404
    assert "ours.csv" not in other.get("/bank/files/").get_data(as_text=True)
    assert client_for(app, make_user("officer")).get("/bank/files/").status_code == 403


def test_the_pages_in_chinese(app, clerk, loans):
    bank_file = preview(event_file(row(balance="1"), row(on="2021-07-02", kind="paid", bank_ref="R2")), clerk)
    client = client_for(app, clerk)
    for url in ("/bank/files/", f"/bank/files/{bank_file.id}"):
        response = client.get(url, headers={"Accept-Language": "zh-CN"})
        assert response.status_code == 200
        assert 'lang="zh-CN"' in response.get_data(as_text=True)


def test_the_subsidy_page_shows_each_banks_latest_event_received(app, clerk, loans, make_user):
    confirm(preview(event_file(row(), row(on="2021-08-01", amount="2000", bank_ref="R2")), clerk), clerk)
    servicing.record_repayment(loans["L1"], actor=clerk, on=date(2021, 9, 1), amount=Decimal("10"),
                               expected_version=None)  # typed: not counted
    db.session.commit()
    page = text(client_for(app, make_user("finance")).get("/subsidy/").get_data(as_text=True))
    assert "Latest event received by file or API" in page
    assert "2021-08-01" in page and "2021-09-01" not in page
    assert "Nothing received yet" in page  # the other banks


def test_an_application_loan_by_file_and_no_email_from_a_preview(app, clerk, make_case):
    from loans.db import local_today
    from loans.jobs.models import Job

    application = make_case("approved")
    today = local_today()
    loan, _warnings = servicing.record_contract(application, servicing.ContractTerms(
        contract_no="ICBC-2026-0001", contract_date=today, amount=Decimal("100000"), term_months=24,
        contract_rate=Decimal("3.50")), actor=clerk)
    db.session.commit()
    jobs_before = db.session.scalar(db.select(db.func.count()).select_from(Job))
    data = event_file(row(loan.loan_ref, today.isoformat(), "disbursement", "100000", "D-1"))
    bank_file = preview(data, clerk)
    assert bank_file.new_count == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == jobs_before  # nothing sent
    confirm(bank_file, clerk)
    assert db.session.get(type(loan), loan.id).status == "active"
    assert db.session.get(type(application), application.id).status == "active"


def test_an_xlsx_file_with_date_and_number_cells(clerk, loans):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "events"
    sheet.append(list(COLUMNS))
    sheet.append(["L1", date(2021, 7, 1), "repayment", 1000.5, "X1", None, 198999.5])
    sheet.append(["L1", date(2022, 1, 10), "extension", None, "X2", date(2025, 6, 15), None])
    sheet.append(["L1", date(2022, 1, 11), "repayment", 1000.555, "X3", None, None])
    out = io.BytesIO()
    workbook.save(out)
    bank_file = preview(out.getvalue(), clerk, name="events.xlsx")
    assert [(r["row"], r["column"]) for r in refused_rows(bank_file)] == [(4, "amount")]
    assert [(r["outcome"], r["amount"], r["new_maturity"]) for r in bank_file.preview["rows"][:2]] == [
        ("new", "1000.50", None), ("new", None, "2025-06-15")]


def test_the_example_file_in_the_docs_reads_without_a_problem(app):
    from pathlib import Path

    from loans.ledger.parsing import SourceFile

    path = Path(__file__).resolve().parents[2] / "docs" / "examples" / "bank-events.csv"
    lines = files.read_lines(SourceFile(path.name, path.read_bytes()))
    assert [line.kind for line in lines] == ["disbursement", "repayment", "overdue_start", "overdue_end", "extension"]
    assert [line.problems for line in lines] == [[]] * 5
