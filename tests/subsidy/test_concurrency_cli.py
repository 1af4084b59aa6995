"""Two clicks at once give one change (real threads, own connections), and the CLI."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.helpers import assert_refused_here
from tests.helpers import client_for
from tests.review.test_concurrency import race

from .conftest import EXAMPLE_EXPORT


def audit_rows(statement_id, action):
    from loans.audit.models import AuditEvent
    from loans.db import db

    return db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.object_type == "subsidy_statements", AuditEvent.object_id == statement_id,
        AuditEvent.action == action))


@pytest.mark.parametrize("action, role, before", [("review", "supervisor", "draft"), ("approve", "finance", "reviewed")])
def test_two_clicks_make_one_change(app, computed, staff, action, role, before):
    from loans.db import db
    from loans.subsidy import services
    from loans.subsidy.models import SubsidyStatement

    finance, supervisor = staff("finance"), staff("supervisor")
    for _ in range(3):
        statement = services.current_statement("2021Q3", "ICBC-CZ")
        if statement.status != "draft":  # the previous round moved it on: race again on a new version
            statement = services.reopen_statement(statement, actor=finance, reason="next round")
        if before == "reviewed":
            services.review_statement(statement, actor=supervisor)
        db.session.commit()
        sid, seen = statement.id, statement.lock_version
        clients = [client_for(app, staff(role)) for _ in range(2)]
        payload = {"lock_version": str(seen), "confirmed": "y"}  # review asks for the box to be ticked
        responses = race(clients, f"/subsidy/statements/{sid}/{action}", [payload, payload])
        assert sorted(r.status_code for r in responses) == [302, 409]
        db.session.expire_all()
        statement = db.session.get(SubsidyStatement, sid)
        assert statement.lock_version == seen + 1
        assert audit_rows(sid, f"subsidy_{action}") == 1
        refused = next(r for r in responses if r.status_code == 409)
        assert_refused_here(refused, "already been changed")


def test_two_reopens_at_once_make_one_version(app, computed, staff):
    from loans.db import db
    from loans.subsidy import services
    from loans.subsidy.models import SubsidyStatement

    icbc = computed["ICBC-CZ"]
    services.review_statement(icbc, actor=staff("supervisor"))
    db.session.commit()
    clients = [client_for(app, staff("finance")) for _ in range(2)]
    payload = {"lock_version": str(icbc.lock_version), "reason": "correction"}
    responses = race(clients, f"/subsidy/statements/{icbc.id}/reopen", [payload, payload])
    assert sorted(r.status_code for r in responses) == [302, 409]
    assert_refused_here(next(r for r in responses if r.status_code == 409), "Nothing was changed")
    db.session.expire_all()
    versions = db.session.scalars(select(SubsidyStatement.version).where(
        SubsidyStatement.bank_code == "ICBC-CZ", SubsidyStatement.period == "2021Q3")).all()
    assert sorted(versions) == [1, 2]


def test_cli_compute_and_export(app, runner, example_ledger, tmp_path):
    result = runner.invoke(args=["subsidy", "compute", "2021Q3", "--today", "2021-09-21"])
    assert result.exit_code == 0, result.output
    assert "ICBC-CZ" in result.output and "2 line(s)" in result.output and "total 1783.33" in result.output
    out = tmp_path / "q3.csv"
    result = runner.invoke(args=["subsidy", "export", "2021Q3", "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == EXAMPLE_EXPORT.read_bytes()
    xlsx = tmp_path / "q3.xlsx"
    result = runner.invoke(args=["subsidy", "export", "2021q3", "--format", "xlsx", "--output", str(xlsx)])
    assert result.exit_code == 0 and xlsx.read_bytes()[:2] == b"PK" and "3 row(s)" in result.output


def test_cli_lists_frozen_statements_as_skipped(app, runner, computed, staff):
    from loans.db import db
    from loans.subsidy import services

    services.review_statement(computed["ABC-CZ"], actor=staff("supervisor"))
    db.session.commit()
    result = runner.invoke(args=["subsidy", "compute", "2021Q3"])
    assert result.exit_code == 0, result.output
    assert "ABC-CZ" in result.output and "reviewed" in result.output and "skipped" in result.output


@pytest.mark.parametrize("args, message", [
    (["subsidy", "compute", "2021Q5"], "not a period like 2021Q3"),
    (["subsidy", "compute", "2021Q3", "--today", "2021-09-20"], "ends on 2021-09-20"),
    (["subsidy", "compute", "2099Q1"], "can be computed from the day after"),
    # a --today in the future must not open a period that has not ended
    (["subsidy", "compute", "2099Q1", "--today", "2099-03-21"], "is after today"),
    (["subsidy", "export", "2021Q3", "--format", "csv", "--output", "OUT"], "never been computed"),
    (["subsidy", "export", "nonsense", "--format", "csv", "--output", "OUT"], "not a period"),
    (["subsidy", "export", "2021Q3", "--format", "pdf", "--output", "OUT"], "Invalid value for '--format'"),
])
def test_cli_bad_input_is_one_line_and_non_zero(app, runner, tmp_path, args, message):
    args = [str(tmp_path / "out.csv") if a == "OUT" else a for a in args]
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out.csv").exists()
