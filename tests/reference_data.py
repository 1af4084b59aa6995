"""Put the reference tables back to the seed of migration 0002 (PostgreSQL runs only).

On SQLite every test gets a fresh copy of the migrated database. On PostgreSQL the
reference tables survive between tests, and truncating ``users`` cascades to
``policy_versions`` (its ``created_by_id`` refers to users), so tests that read or change
reference data call ``reset_reference_data`` first.
"""
from __future__ import annotations

import importlib.util
from datetime import date, datetime, timezone

import sqlalchemy as sa

from tests.conftest import PG_URL, ROOT


def _seed_module():
    path = ROOT / "migrations" / "versions" / "0002_reference_data.py"
    spec = importlib.util.spec_from_file_location("seed_0002", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reset_reference_data(db) -> None:
    if not PG_URL:
        return
    seed = _seed_module()
    now = datetime.now(timezone.utc)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM lpr_fixings")
        conn.exec_driver_sql("DELETE FROM policy_versions")
        groups = sa.table("key_groups", *(sa.column(c) for c in seed.KEY_GROUPS[0].keys()))
        conn.execute(groups.delete().where(groups.c.code.not_in([g["code"] for g in seed.KEY_GROUPS])))
        for group in seed.KEY_GROUPS:
            exists = conn.execute(sa.select(groups.c.code).where(groups.c.code == group["code"])).first()
            if exists:
                conn.execute(groups.update().where(groups.c.code == group["code"]).values(**group))
            else:
                conn.execute(groups.insert().values(**group))
        rows = [dict(p, effective_from=date.fromisoformat(p["effective_from"]), created_at=now) for p in seed.POLICIES]
        conn.execute(sa.table("policy_versions", *(sa.column(c) for c in rows[0].keys())).insert(), rows)
        conn.execute(sa.table("lpr_fixings", sa.column("published_on"), sa.column("rate"), sa.column("created_at"))
                     .insert(), [{"published_on": date.fromisoformat(d), "rate": r, "created_at": now}
                                 for d, r in seed.LPR])
    db.session.remove()
