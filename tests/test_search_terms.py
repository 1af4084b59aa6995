"""Search terms match literally: ``%``, ``_`` and ``\\`` are not LIKE wildcards (issue 8
hardening) — in the officer queue and in the loan list."""
from __future__ import annotations

import pytest



@pytest.fixture
def cases(make_case):
    return {"plain": make_case(name="张三", business="张三小吃店"),
            "percent": make_case(name="李四", business="百分之100%好店"),
            "underscore": make_case(name="王五", business="王五_修车"),
            "backslash": make_case(name="赵六", business="赵六\\书店")}


@pytest.mark.parametrize("term, found", [
    ("%", {"percent"}), ("_", {"underscore"}), ("\\", {"backslash"}), ("%%", set()), ("__", set()),
    ("100%", {"percent"}), ("0%好", {"percent"}), ("五_修", {"underscore"}), ("五%修", set()),
    ("小吃", {"plain"}), ("", {"plain", "percent", "underscore", "backslash"}),
])
def test_officer_queue_search_is_literal(app, cases, staff, as_user, term, found):
    client = as_user(staff("officer", district_code="431002"))
    response = client.get("/review/", query_string={"q": term})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    shown = {name for name, case in cases.items() if case.reference in page}
    assert shown == found


@pytest.mark.parametrize("term, found", [("%", {"R%1"}), ("_", {"R_2"}), ("R_", {"R_2"}), ("R%", {"R%1"}),
                                         ("R", {"R%1", "R_2", "RX3"})])
def test_loan_list_search_is_literal(app, add_loan, staff, as_user, term, found):
    from loans.db import db

    for ref in ("R%1", "R_2", "RX3"):
        add_loan(ref)
    db.session.commit()
    client = as_user(staff("supervisor"))
    page = client.get("/loans/", query_string={"q": term}).get_data(as_text=True)
    assert {ref for ref in ("R%1", "R_2", "RX3") if f">{ref}<" in page} == found
