"""Name search through the token table (issue 17): the officer queue and the loan list find
cases and loans by name, pinyin, initials and part of a reference, follow edits in the same
transaction, and stay within what the user may see."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from loans.db import db
from loans.search.models import SearchToken
from tests.helpers import sqlite_plan, statements_of
from tests.ledger.conftest import loan_row, loans_file


def queue_finds(client, term: str, cases: dict) -> set[str]:
    response = client.get("/review/", query_string={"q": term})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return {name for name, case in cases.items() if f'/review/cases/{case.id}"' in page}


def loans_found(client, term: str, refs) -> set[str]:
    response = client.get("/loans/", query_string={"q": term})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return {ref for ref in refs if f">{ref}<" in page}


def tokens_of(owner_id: int, kind: int) -> set[str]:
    return set(db.session.scalars(select(SearchToken.token).where(SearchToken.kind == kind,
                                                                  SearchToken.owner_id == owner_id)))


@pytest.fixture
def cases(make_case):
    return {"wangwei": make_case(name="王伟", business="伟业汽修店"),
            "wangfang": make_case(name="王芳", business="芳芳花店"),
            "lvfang": make_case(name="吕芳", business="吕记米粉"),
            "zhangwei": make_case(name="张伟", business="Zhang Wei Studio")}


@pytest.fixture
def officer_client(staff, as_user):
    return as_user(staff("officer", district_code="431002"))


@pytest.mark.parametrize("term, found", [
    ("王伟", {"wangwei"}), ("wangwei", {"wangwei"}), ("WangWei", {"wangwei"}), ("wang wei", {"wangwei"}),
    ("ww", {"wangwei"}), ("WW", {"wangwei"}), ("wang", {"wangwei", "wangfang"}), ("wf", {"wangfang"}),
    ("伟", {"wangwei", "zhangwei"}), ("wei", {"wangwei", "zhangwei"}), ("王", {"wangwei", "wangfang"}),
    ("lvfang", {"lvfang"}), ("lufang", {"lvfang"}), ("lf", {"lvfang"}), ("fang", {"wangfang", "lvfang"}),
    ("汽修", {"wangwei"}), ("studio", {"zhangwei"}), ("米粉", {"lvfang"}),
    ("zhangfang", set()), ("xw", set()), ("%", set()), ("_", set()), ("王%", set()),
    ("", {"wangwei", "wangfang", "lvfang", "zhangwei"}),
])
def test_the_queue_finds_by_name_pinyin_initials_and_business(cases, officer_client, term, found):
    assert queue_finds(officer_client, term, cases) == found


def test_the_queue_finds_a_case_by_part_of_its_reference(cases, officer_client):
    case = cases["lvfang"]
    assert queue_finds(officer_client, case.reference, cases) == {"lvfang"}
    assert queue_finds(officer_client, case.reference[-4:].lower(), cases) >= {"lvfang"}


def test_an_officer_never_finds_another_districts_case(make_case, officer_client):
    here = make_case(name="王伟")
    there = make_case(name="王伟", district="431003")
    found = queue_finds(officer_client, "wangwei", {"here": here, "there": there})
    assert found == {"here"}
    assert queue_finds(officer_client, there.reference, {"there": there}) == set()


def test_a_renamed_applicant_is_found_by_the_new_name_only(cases, officer_client):
    case = cases["wangwei"]
    case.full_name = "赵敏"
    db.session.commit()
    assert queue_finds(officer_client, "王伟", cases) == set()
    assert queue_finds(officer_client, "wangwei", cases) == set()
    assert queue_finds(officer_client, "zm", cases) == {"wangwei"}
    assert queue_finds(officer_client, "汽修", cases) == {"wangwei"}  # the business name kept its tokens


def test_a_rolled_back_change_leaves_no_tokens(app, add_loan, cases):
    loan = add_loan("RB-1", name="欧阳修")
    loan_id = loan.id
    assert "oyx" in tokens_of(loan_id, 2)
    case = cases["wangfang"]
    case.full_name = "钱多多"
    db.session.flush()
    assert "qdd" in tokens_of(case.id, 1)
    db.session.rollback()
    assert tokens_of(loan_id, 2) == set()
    assert "wf" in tokens_of(case.id, 1) and "qdd" not in tokens_of(case.id, 1)


@pytest.mark.parametrize("term, found", [
    ("%", {"R%1"}), ("_", {"R_2"}), ("r_", {"R_2"}), ("R", {"R%1", "R_2", "RX3"}), ("rx", {"RX3"}),
    ("欧阳", {"R%1"}), ("ouyang", {"R%1"}), ("oy", {"R%1"}), ("yangxiu", {"R%1"}),
    ("C-R", {"R%1", "R_2", "RX3"}), ("c-rx3", {"RX3"}), ("小吃", {"R_2"}), ("zz", set()),
])
def test_the_loan_list_finds_by_ref_contract_name_and_pinyin(add_loan, staff, as_user, term, found):
    add_loan("R%1", name="欧阳修")
    add_loan("R_2", name="李娜", business_name="李娜小吃")
    add_loan("RX3", name="Anna")
    db.session.commit()
    assert loans_found(as_user(staff("supervisor")), term, ("R%1", "R_2", "RX3")) == found


def test_a_bank_clerk_never_finds_another_banks_loan(add_loan, bank_user, as_user):
    add_loan("OWN-1", name="王伟")
    add_loan("OTHER-1", name="王伟", bank="ABC-CZ")
    db.session.commit()
    assert loans_found(as_user(bank_user), "ww", ("OWN-1", "OTHER-1")) == {"OWN-1"}


def test_the_ledger_import_gives_its_loans_tokens(app, run_ledger, staff, as_user):
    result, problems = run_ledger(loans_file(
        loan_row(loan_ref="LG-1", borrower_name="吕芳", contract_no="HT-2021-77"),
        loan_row(loan_ref="LG-2", borrower_name="曾强", contract_no="HT-2021-78", id_number="431002199003151125")))
    assert problems is None
    client = as_user(staff("supervisor"))
    assert loans_found(client, "lvfang", ("LG-1", "LG-2")) == {"LG-1"}
    assert loans_found(client, "zengqiang", ("LG-1", "LG-2")) == {"LG-2"}
    assert loans_found(client, "2021-7", ("LG-1", "LG-2")) == {"LG-1", "LG-2"}
    assert loans_found(client, "ht-2021-78", ("LG-1", "LG-2")) == {"LG-2"}


def test_reindex_rebuilds_exactly_the_incremental_tokens(cases, add_loan, runner):
    add_loan("RI-1", name="单雄信")
    cases["zhangwei"].business_name = "新店"
    db.session.commit()
    rows = select(SearchToken.kind, SearchToken.token, SearchToken.owner_id)
    before = set(db.session.execute(rows).tuples())
    db.session.execute(SearchToken.__table__.delete().where(SearchToken.kind == 2))
    db.session.execute(SearchToken.__table__.insert(), [{"kind": 1, "token": "stale", "owner_id": 1}])
    db.session.commit()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "search tokens rebuilt: 1 loan row(s)" in result.output
    db.session.expire_all()
    assert set(db.session.execute(rows).tuples()) == before
    assert db.session.scalar(select(func.count()).select_from(SearchToken).where(SearchToken.token == "stale")) == 0


def test_a_search_finding_few_cases_reads_them_by_id_within_scope_and_filters(make_case, officer_client):
    """The cases a search finds are read by id and the district, tab and filters tested on
    each: SQLite's planner would otherwise walk the district's whole status index (15,000
    cases at province scale) testing each against the list. What the page shows is the same."""
    found = {"submitted": make_case(name="王伟"), "under_review": make_case(name="王伟", status="under_review"),
             "other_district": make_case(name="王伟", district="431003"), "other_name": make_case(name="李芳")}
    assert queue_finds(officer_client, "wangwei", found) == {"submitted", "under_review"}
    page = officer_client.get("/review/", query_string={"q": "wangwei", "status": "under_review"}).get_data(True)
    assert f'/review/cases/{found["under_review"].id}"' in page and f'/review/cases/{found["submitted"].id}"' not in page
    cases_read = [(s, p) for s, p in statements_of(officer_client, "/review/?q=wangwei")
                  if "FROM loan_applications" in s and "search_tokens" not in s]
    assert len(cases_read) == 2  # the counts and the page
    if db.engine.dialect.name == "sqlite":
        for statement, parameters in cases_read:
            plan = sqlite_plan(statement, parameters)
            assert "USING INTEGER PRIMARY KEY" in plan, plan


def test_a_bank_search_finding_few_loans_reads_them_by_id_within_the_bank(add_loan, bank_user, as_user):
    add_loan("BL-ours", name="王伟")
    add_loan("BL-theirs", name="王伟", bank="ABC-CZ")
    db.session.commit()
    client = as_user(bank_user)
    assert loans_found(client, "wangwei", ["BL-ours", "BL-theirs"]) == {"BL-ours"}
    loans_read = [(s, p) for s, p in statements_of(client, "/loans/?q=wangwei")
                  if "FROM loans" in s and "search_tokens" not in s and "loan_applications" not in s]
    assert loans_read
    if db.engine.dialect.name == "sqlite":
        for statement, parameters in loans_read:
            plan = sqlite_plan(statement, parameters)
            assert "USING INTEGER PRIMARY KEY" in plan, plan


def test_narrowing_refuses_a_select_it_would_lose_parts_of(app):
    """``narrowed`` rebuilds the select from its WHERE when it reads the found rows by id:
    given an order, options, a join or other columns it would drop them, so it refuses."""
    from sqlalchemy.orm import load_only

    from loans.applications.models import LoanApplication
    from loans.search.index import narrowed

    plain = select(LoanApplication).where(LoanApplication.district_code == "431002")
    assert narrowed(plain, "", "application") is plain
    for other in (plain.order_by(LoanApplication.id), plain.options(load_only(LoanApplication.id)),
                  plain.limit(5), plain.join(LoanApplication.applicant), select(LoanApplication.id)):
        with pytest.raises(ValueError):
            narrowed(other, "wangwei", "application")


def test_migration_0030_gives_stored_names_their_other_reading(app, make_case, add_loan, officer_client):
    """Tokens written before 0030 held one reading of a name (pypinyin's phrase dictionary:
    李长江 lichangjiang); upgrading adds the other (lizhangjiang) and keeps every token."""
    from tests.test_migrations import down_and_up

    case = make_case(name="李长江", business="长江渔具")
    loan = add_loan("MG-1", name="张重阳")
    plain = make_case(name="王伟", business="伟业汽修店")
    db.session.commit()
    case_id, plain_id = case.id, plain.id
    before = set(db.session.execute(select(SearchToken.kind, SearchToken.token, SearchToken.owner_id)).tuples())
    older = {(1, case_id): ("lizhangjiang", "zhangjiang"), (2, loan.id): ("zhangzhongyang", "zhongyang")}
    for (kind, owner_id), tokens in older.items():
        db.session.execute(SearchToken.__table__.delete().where(SearchToken.kind == kind, SearchToken.owner_id == owner_id,
                                                                SearchToken.token.in_(tokens)))
    db.session.commit()
    assert queue_finds(officer_client, "lizhangjiang", {"li": case}) == set()

    down_and_up(app, "0029", lambda: None)
    after = set(db.session.execute(select(SearchToken.kind, SearchToken.token, SearchToken.owner_id)).tuples())
    assert after == before
    assert tokens_of(plain_id, 1) >= {"wangwei", "ww"}
    case = db.session.get(type(case), case_id)
    assert queue_finds(officer_client, "lizhangjiang", {"li": case}) == {"li"}
    assert queue_finds(officer_client, "lichangjiang", {"li": case}) == {"li"}
