"""The audit chain (SPEC §14): the hash of a fixed example, the chain after the app's own
work, `audit verify` naming the first row changed, inserted or deleted behind the app's
back, expected head and count catching deleted newest rows, concurrent writers that never
fork the chain, and migration 0015 chaining a populated trail."""
from __future__ import annotations

import hashlib
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from loans.audit.models import AuditEvent
from loans.audit.queries import chain_head, verify_chain
from loans.audit.services import record
from loans.core.audit_chain import CANONICAL_FIELDS, GENESIS, canonical_json, row_hash
from loans.db import db
from loans.unit_of_work import finish

# --- the hash itself: a fixed example -------------------------------------------------------

FIRST = {"id": 1, "at": datetime(2026, 12, 2, 6, 35, 29, 123456, tzinfo=timezone.utc), "actor_id": None,
         "actor_role": None, "action": "case_submitted", "object_type": "loan_applications", "object_id": 7,
         "from_state": "draft", "to_state": "submitted", "detail": {"金额": Decimal("150000.00"), "b": [1, "二"]},
         "ip_address": "10.0.0.1", "prev_hash": GENESIS, "row_hash": "ignored"}
FIRST_JSON = ('{"action":"case_submitted","actor_id":null,"actor_role":null,"at":"2026-12-02T06:35:29.123456+00:00",'
              '"detail":{"b":[1,"二"],"金额":"150000.00"},"from_state":"draft","id":1,"ip_address":"10.0.0.1",'
              '"object_id":7,"object_type":"loan_applications","prev_hash":"' + GENESIS + '","to_state":"submitted"}')
FIRST_HASH = hashlib.sha256((GENESIS + FIRST_JSON).encode("utf-8")).hexdigest()


@pytest.mark.nodb
@pytest.mark.parametrize("row, json_text", [
    (FIRST, FIRST_JSON),
    # Beijing time is written in UTC; missing keys are null; the chain carries on from the first hash.
    ({"id": 2, "at": datetime(2026, 12, 2, 22, 35, 29, tzinfo=ZoneInfo("Asia/Shanghai")), "action": "x", "object_type": "system", "detail": {}, "prev_hash": FIRST_HASH},
     '{"action":"x","actor_id":null,"actor_role":null,"at":"2026-12-02T14:35:29.000000+00:00","detail":{},'
     '"from_state":null,"id":2,"ip_address":null,"object_id":null,"object_type":"system","prev_hash":"'
     + FIRST_HASH + '","to_state":null}'),
])
def test_canonical_json_and_hash(row, json_text):
    assert canonical_json(row) == json_text.encode("utf-8")
    assert row_hash(row) == hashlib.sha256((row["prev_hash"] + json_text).encode("utf-8")).hexdigest()


@pytest.mark.nodb
def test_the_fixed_example_hash_never_changes():
    """The contract with tools outside the app: this hash is the same in every version."""
    assert row_hash(FIRST) == FIRST_HASH == "1734c50b929cd49ec11af0c43fba4d26061de0387de0b051c216870ee032b726"


@pytest.mark.nodb
def test_timestamps_must_carry_their_zone():
    with pytest.raises(ValueError):
        row_hash(dict(FIRST, at=datetime(2026, 12, 2)))


def test_the_canonical_row_is_every_column_but_row_hash(app):
    assert set(AuditEvent.__table__.columns.keys()) == set(CANONICAL_FIELDS) | {"row_hash"}


# --- tampering in the database -------------------------------------------------------------

@contextmanager
def guard_lifted():
    """A connection on which the append-only triggers are off (someone with the database
    password), put back afterwards."""
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change")
            yield conn
            conn.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change")
        else:
            triggers = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                            "AND tbl_name = 'audit_events'").all()
            assert len(triggers) == 2
            for name, _ in triggers:
                conn.exec_driver_sql(f"DROP TRIGGER {name}")
            yield conn
            for _, sql in triggers:
                conn.exec_driver_sql(sql)


def insert_behind_the_apps_back(conn, *, id: int, prev_hash: str, hash: str):
    conn.execute(sa.text("INSERT INTO audit_events (id, at, action, object_type, detail, prev_hash, row_hash) "
                         "VALUES (:id, :at, 'forged', 'system', '{}', :prev, :hash)"),
                 {"id": id, "at": datetime.now(timezone.utc), "prev": prev_hash, "hash": hash})


def write_rows(n: int) -> list[int]:
    ids = [record("test", object_type="system", n=i, amount="12.30", note="备注").id for i in range(n)]
    finish()
    return ids


def verify(runner, *args):
    return runner.invoke(args=["audit", "verify", *args])


def assert_verify_fails(runner, message: str, *args):
    result = verify(runner, *args)
    assert result.exit_code == 1, result.output
    assert message in result.output


def test_the_chain_holds_after_the_apps_own_work(app, runner):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    count = db.session.scalar(select(func.count()).select_from(AuditEvent))
    head = db.session.scalar(select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1))
    assert count > 100
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert f"head {head}, count {count}" in result.output
    assert verify(runner, "--expect-head", head, "--expect-count", str(count)).exit_code == 0
    assert chain_head() == (head, count)


def test_an_empty_trail_holds(app, runner):
    result = verify(runner, "--expect-count", "0", "--expect-head", GENESIS)
    assert result.exit_code == 0, result.output
    assert f"head {GENESIS}, count 0" in result.output
    assert chain_head() == (GENESIS, 0)


def test_a_changed_row_is_named(app, runner):
    ids = write_rows(5)
    with guard_lifted() as conn:
        conn.execute(sa.text("UPDATE audit_events SET detail = :detail WHERE id = :id"),
                     {"detail": '{"n": 2, "amount": "1230.00", "note": "备注"}', "id": ids[2]})
    assert_verify_fails(runner, f"row {ids[2]} was changed")
    check = verify_chain()
    assert (check.broken_at, check.count) == (ids[2], 2)


def test_verify_reads_the_rows_a_batch_at_a_time(app, runner, monkeypatch):
    """Memory stays flat on a long trail: rows come in batches (of 3 here), keyed by id."""
    import loans.audit.queries

    monkeypatch.setattr(loans.audit.queries, "BATCH", 3)
    ids = write_rows(10)
    seen = []
    original = db.session.execute
    monkeypatch.setattr(db.session, "execute", lambda *a, **k: seen.append(1) or original(*a, **k))
    assert verify_chain(expect_count=10).holds
    assert len(seen) == 4
    with guard_lifted() as conn:
        conn.execute(sa.text("UPDATE audit_events SET action = 'forged' WHERE id = :id"), {"id": ids[8]})
    assert_verify_fails(runner, f"row {ids[8]} was changed")


def test_a_changed_row_with_its_hash_recomputed_breaks_the_next_link(app, runner):
    ids = write_rows(4)
    row = db.session.get(AuditEvent, ids[1])
    forged = {field: getattr(row, field) for field in CANONICAL_FIELDS}
    forged["action"] = "forged"
    with guard_lifted() as conn:
        conn.execute(sa.text("UPDATE audit_events SET action = 'forged', row_hash = :hash WHERE id = :id"),
                     {"hash": row_hash(forged), "id": ids[1]})
    assert_verify_fails(runner, f"row {ids[2]} does not link")


def test_a_deleted_middle_row_is_named(app, runner):
    ids = write_rows(5)
    with guard_lifted() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[2]})
    assert_verify_fails(runner, f"row {ids[3]} does not link to the row before it")


def test_a_row_inserted_behind_the_apps_back_is_named(app, runner):
    ids = write_rows(3)
    head = db.session.get(AuditEvent, ids[-1]).row_hash
    db.session.remove()
    with db.engine.begin() as conn:
        insert_behind_the_apps_back(conn, id=ids[-1] + 1, prev_hash=head, hash="f" * 64)
    assert_verify_fails(runner, f"row {ids[-1] + 1} was changed")


def test_deleted_newest_rows_are_caught_by_the_expected_head_and_count(app, runner):
    ids = write_rows(5)
    head = db.session.get(AuditEvent, ids[-1]).row_hash
    with guard_lifted() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE id >= :id"), {"id": ids[3]})
    assert verify(runner).exit_code == 0  # what is left holds together…
    assert_verify_fails(runner, "the chain has 3 rows, 5 expected", "--expect-count", "5")
    assert_verify_fails(runner, f"{head} expected", "--expect-head", head)


def test_the_database_refuses_a_fork(app):
    ids = write_rows(2)
    first = db.session.get(AuditEvent, ids[0])
    db.session.remove()
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as conn:
            insert_behind_the_apps_back(conn, id=ids[-1] + 10, prev_hash=first.prev_hash, hash="e" * 64)


def test_the_guard_still_refuses_updates_and_deletes(app):
    write_rows(1)
    db.session.remove()
    for statement in ("UPDATE audit_events SET prev_hash = row_hash", "DELETE FROM audit_events"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text(statement))


# --- concurrent writers -------------------------------------------------------------------

def test_concurrent_writers_do_not_fork_the_chain(app):
    rows_each, writers, errors = 60, 3, []

    def write(writer: int):
        try:
            with app.app_context():
                for i in range(rows_each):
                    record("test", object_type="system", writer=writer, n=i)
                    if i % 3 == 0:  # sometimes two rows in one transaction
                        record("test", object_type="system", writer=writer, n=i, second=True)
                    finish()
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.remove()
    check = verify_chain(expect_count=writers * (rows_each + rows_each // 3))
    assert check.holds, check.problem


# --- migration 0015 on a populated database -------------------------------------------------

def test_migration_chains_the_rows_already_there(app, runner):
    from tests.test_migrations import current_revision, down_and_up

    assert runner.invoke(args=["demo-data"]).exit_code == 0
    count = db.session.scalar(select(func.count()).select_from(AuditEvent))
    before = {row.id: row.action for row in db.session.execute(select(AuditEvent.id, AuditEvent.action))}

    def without_hashes():
        assert current_revision() == "0014"
        names = {c["name"] for c in sa.inspect(db.engine).get_columns("audit_events")}
        assert not names & {"prev_hash", "row_hash"}

    down_and_up(app, "0014", without_hashes)
    result = verify(runner, "--expect-count", str(count))
    assert result.exit_code == 0, result.output
    assert {row.id: row.action for row in db.session.execute(select(AuditEvent.id, AuditEvent.action))} == before
    # The app goes on appending to the migrated chain, and the guard is back.
    write_rows(2)
    assert verify(runner, "--expect-count", str(count + 2)).exit_code == 0
    db.session.remove()
    for statement in ("UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text(statement))
