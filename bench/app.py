"""The app under benchmark: ``gunicorn -w 2 'bench.app:app'`` with ``LOANS_*`` env vars
(bench/run.py sets them: the bench database, fixed keys, rate limiting off).

Two bare routes give the baselines the real pages are compared with:
``/bench/bare`` (Flask + the app's before/after-request hooks, no database) and
``/bench/one-row`` (the same plus one primary-key read of a district).
"""
from __future__ import annotations

from sqlalchemy import select

from loans import create_app
from loans.access import public
from loans.db import db
from loans.policy.models import District

app = create_app()


@public
def bare():
    return "ok"


@public
def one_row():
    name = db.session.scalar(select(District.name_en).where(District.code == "431002"))
    return name or "missing"


app.add_url_rule("/bench/bare", "bench_bare", bare)
app.add_url_rule("/bench/one-row", "bench_one_row", one_row)
