"""gunicorn settings for loans-web.service: ``gunicorn --config deploy/gunicorn.conf.py wsgi:app``.

GUNICORN_CMD_ARGS (in /etc/loans/env) overrides any of these, e.g.
``GUNICORN_CMD_ARGS="--bind 10.0.0.11:8000 --workers 6"``.
"""
import multiprocessing
import os

# nginx on the same machine. Behind a load balancer on another machine, bind the private
# address instead (GUNICORN_CMD_ARGS) and count that proxy in LOANS_PROXY_HOPS.
bind = "127.0.0.1:8000"

# Sync workers, one request each: 2 per CPU + 1, at most 8 (each holds ~150 MB, and a
# login's password hash takes 64 MB more for a moment). WEB_CONCURRENCY overrides.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))

# The slowest pages (a city-wide report, a 200-line statement PDF) take a few seconds.
timeout = 60
graceful_timeout = 30
# No max_requests: each recycled worker would leave its metrics files behind.

# The app logs every request itself (one JSON line with its request id, LOANS_LOG_FORMAT);
# gunicorn's own messages go to stderr, that is the journal.
accesslog = None
errorlog = "-"


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR, /metrics adds up every worker's files; a worker
    that is gone stops counting as a live gauge."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """The objects of start-up (modules, mappers, templates: ~150,000) live as long as the
    worker: frozen out of the cyclic collector's sight, a full collection walks only what
    requests made (at 100,000 cases: a 78 ms pause every few hundred queue pages, now
    under 1 ms)."""
    import gc

    gc.collect()  # start-up's leftovers freed first: frozen, they would stay
    gc.freeze()
