"""The Huey instance, its one task and the periodic schedule (SPEC §14).

Embedded by default: Huey's SQLite storage in the instance folder, so ``make run`` needs no
other service (it starts ``flask --app wsgi worker`` beside the server). With
``LOANS_REDIS_URL`` the queue lives in Redis and any number of servers and workers share
it. ``JOBS_IMMEDIATE`` (tests) runs every job inline, when its unit of work ends.

Every job goes through one Huey task, ``loans.run_job(job_id)``: the job's row, not Huey's
message, is the truth about it (state, tries, heartbeat), so a message lost with a killed
worker is found again by the reaper. Periodic tasks only submit jobs, so scheduled runs show
on the Jobs page like any other.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask import Flask

if TYPE_CHECKING:
    from huey import Huey

log = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
QUEUE_FILE = "jobs-queue.sqlite3"


class Queue:
    """The app's job queue (``app.extensions["jobs"]``). Huey is set up when first needed —
    a job handed over, a worker started, /metrics or /healthz reading the queue — not when
    the app is built: importing it imports redis and psycopg (``huey.storage`` tries both),
    a quarter of a second that a ``flask`` command submitting no job never pays and that a
    server pays after it has started, not before."""

    def __init__(self, app: Flask):
        self.app = app
        # jobs run inline, when their unit of work ends (tests); Huey is built with it
        self.immediate = bool(app.config.get("JOBS_IMMEDIATE"))
        self._built: tuple | None = None
        self._lock = threading.Lock()

    @property
    def huey(self) -> "Huey":
        return self._setup()[0]

    @property
    def task(self):
        """The Huey task wrapper of ``runner.run``."""
        return self._setup()[1]

    def _setup(self) -> tuple:
        built = self._built
        if built is None:
            with self._lock:
                if self._built is None:
                    self._built = _setup_huey(self.app, self.immediate)
                built = self._built
        return built


def at_shanghai(hour: int | str = "*", minute: int | str = 0, day: int | str = "*"):
    """A Huey schedule check for a wall-clock time in Asia/Shanghai, whatever the server's
    zone (Huey hands it UTC). ``"*"`` matches any; e.g. ``at_shanghai(1, 0)``: 01:00 daily;
    ``at_shanghai(1, 0, day=1)``: 01:00 on the 1st; ``at_shanghai("*", 5)``: hourly at :05."""
    def matches(value, wanted) -> bool:
        return wanted == "*" or value == int(wanted)

    def check(moment: datetime) -> bool:
        local = moment.replace(tzinfo=timezone.utc).astimezone(SHANGHAI)
        return matches(local.hour, hour) and matches(local.minute, minute) and matches(local.day, day)

    return check


def every_minutes(step: int):
    """A Huey schedule check: every ``step``-th minute of the hour (:00, :05, … for 5);
    minutes are the same in Beijing time and UTC."""
    def check(moment: datetime) -> bool:
        return moment.minute % step == 0

    return check


@lru_cache(maxsize=1)
def instance_sqlite_storage() -> type:
    """Huey's SQLite storage whose file is made on first use, not when the queue is set up (a
    ``flask db upgrade`` or a test leaves no queue file behind)."""
    from huey.storage import SqliteStorage

    class InstanceSqliteStorage(SqliteStorage):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, create_tables=False, **kwargs)

        def _create_connection(self):
            connection = super()._create_connection()
            for statement in self.ddl:
                connection.execute(statement)
            return connection

    return InstanceSqliteStorage


def build_huey(app: Flask, immediate: bool) -> "Huey":
    from huey import Huey, RedisHuey

    redis_url = app.config.get("REDIS_URL")
    if redis_url and not immediate:
        return RedisHuey("loans", url=redis_url, utc=True)
    return Huey("loans", storage_class=instance_sqlite_storage(), filename=str(Path(app.instance_path) / QUEUE_FILE),
                utc=True, immediate=immediate, results=False)


# Periodic work: (schedule, job kinds submitted). Each kind's CLI command stays for manual runs.
SCHEDULE = [
    ("daily-0100", at_shanghai(1, 0), ["cases_expire", "loans_check"]),
    ("monthly-0100", at_shanghai(1, 0, day=1), ["bank_rates"]),  # the month just ended
    ("daily-0200", at_shanghai(2, 0), ["backup"]),
    ("daily-0300", at_shanghai(3, 0), ["housekeeping", "idempotency_purge", "case_counts_fold"]),
    ("every-5-minutes", every_minutes(5), ["bank_inbox"]),
    ("every-minute", every_minutes(1), ["outbox_sweep"]),  # messages to retry, SMS that waited for 08:00
    ("hourly-0005", at_shanghai("*", 5), ["reminders"]),
]


def init_app(app: Flask) -> None:
    queue = app.extensions["jobs"] = Queue(app)
    from .. import operations

    operations.provide_queue(app, depth=lambda: _depth(queue), check=lambda: _check(queue))


def _setup_huey(app: Flask, immediate: bool) -> tuple:
    """(Huey, its run_job task), with the reaper, the schedule and the start-up checks."""
    from huey import crontab

    huey = build_huey(app, immediate)

    @huey.task(name="loans.run_job")
    def run_job(job_id: int):
        from .runner import run

        with app.app_context():
            run(job_id)

    @huey.periodic_task(crontab(), name="loans.reap")  # every minute: workers that died
    def reap_jobs():
        from .runner import reap

        with app.app_context():
            reap()

    for name, when, kinds in SCHEDULE:
        _periodic(app, huey, name, when, kinds)

    @huey.on_startup()
    def started():
        from .runner import reap, redispatch_queued

        with app.app_context():
            reap()
            redispatch_queued()

    return huey, run_job


def _periodic(app, huey, name, when, kinds):
    @huey.periodic_task(when, name=f"loans.{name}")
    def scheduled():
        from ..unit_of_work import unit_of_work
        from .kinds import kind as kind_named
        from .runner import submit

        with app.app_context(), unit_of_work():
            for kind in kinds:
                registered = kind_named(kind)
                enabled = registered.extra.get("enabled") if registered is not None else None
                # "due": a frequent sweep records a job only when it has something to do
                due = registered.extra.get("due") if registered is not None else None
                if registered is not None and (enabled is None or enabled(app.config)) and (due is None or due()):
                    submit(kind, {})

    return scheduled


def _depth(queue: Queue) -> int:
    if queue.immediate:
        return 0
    return int(queue.huey.pending_count())


def _check(queue: Queue) -> dict:
    from flask import current_app

    from ..operations import check_redis

    url = current_app.config.get("REDIS_URL")
    if url:  # the queue (and the rate limits) live there
        return check_redis(url)
    if queue.immediate:
        return {"status": "ok", "mode": "inline"}
    queue.huey.pending_count()  # raises when the storage cannot be reached
    return {"status": "ok", "backend": "sqlite"}
