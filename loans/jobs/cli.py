"""``flask --app wsgi worker``: a Huey consumer for the background jobs and the schedule (SPEC §14).

Runs until stopped (SIGINT: finish the jobs in hand, then stop; SIGTERM: stop now — a job
cut short is found by the reaper and run again). Not a unit of work: each job is its own.
"""
from __future__ import annotations

import gc
import logging

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--workers", type=click.IntRange(1, 32), default=None,
              help="Jobs run at once by this consumer (threads); default JOB_WORKERS (2).")
@click.option("--no-periodic", is_flag=True, help="Leave the schedule to another worker.")
@with_appcontext
def worker_command(workers, no_periodic):
    """Run background jobs and the periodic schedule until stopped."""
    queue = current_app.extensions["jobs"]
    if queue.immediate:
        raise click.ClickException("JOBS_IMMEDIATE is set: jobs run inline and need no worker")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("huey").setLevel(logging.WARNING)  # not a line per task; the jobs log their own
    count = workers or int(current_app.config["JOB_WORKERS"])
    storage = queue.huey.storage
    where = "Redis" if type(storage).__name__.startswith("Redis") else f"SQLite {getattr(storage, 'filename', '')}"
    click.echo(f"worker: {count} thread(s), queue in {where}, schedule {'off' if no_periodic else 'on'}", err=True)
    # Idle threads look for work at least every second (Huey's default backs off to 10 s: a
    # ledger import would wait that long before it starts).
    consumer = queue.huey.create_consumer(workers=count, worker_type="thread", periodic=not no_periodic,
                                          check_worker_health=True, max_delay=1.0)
    gc.collect()  # start-up's leftovers freed, the rest lives as long as the worker:
    gc.freeze()   # frozen, no full collection walks it again
    consumer.run()
