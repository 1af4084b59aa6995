"""The kinds of background job: each package registers its own in ``<package>/jobs.py``.

A kind's function receives a ``JobContext`` (the job's parameters, who started it, a
``progress`` callback) and returns a small JSON-able result. By default it runs inside one
unit of work that also marks the job done, so the work and "done" commit together; a kind
with ``own_units=True`` (the ledger import: its record, its rows, its failure) commits its
own and must be safe to run again (a retry after a worker died).

``JobFailed`` is an expected failure — bad input, a refusal — that no retry would change;
any other exception is retried with backoff while tries are left (``attempts`` > 1), then
marked failed.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import LazyString


class JobFailed(Exception):
    """The job ends failed with this reason (an error code and parameters, shown in the
    reader's language by ``loans.jobs.messages``); no retry."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class JobContext:
    job_id: int
    params: dict
    started_by_id: int | None
    attempt: int
    progress: Callable[[int, int | None], None]
    folder: Path  # where the job writes a file for its starter (result {"file": name}); made on first use

    def output(self, name: str) -> Path:
        """The path of a file the job hands to its starter: return {"file": name, …} as its result."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / name


@dataclass(frozen=True)
class Kind:
    name: str
    label: LazyString
    function: Callable[[JobContext], dict | None]
    attempts: int = 1  # 1: no retry
    backoff_seconds: int = 30  # the first retry's delay, doubled each time
    own_units: bool = False
    # Called in a unit of work when the job fails for good (a worker died with no tries left,
    # or the last try raised): leave the kind's own records consistent (e.g. the import "failed").
    on_give_up: Callable[[int, dict], None] | None = None
    # The page that shows what the job made (an import, a period): (params, result) →
    # (endpoint, values), or None.
    result_link: Callable[[dict, dict | None], tuple[str, dict] | None] | None = None
    # What the page says when the job is done, in the reader's language: (params, result)
    # → [(category, text)], flashed when its starter is taken to the result.
    result_messages: Callable[[dict, dict | None], list[tuple[str, str]]] | None = None
    # Who may start it by hand from the Jobs page (admin), with no parameters.
    manual: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


KINDS: dict[str, Kind] = {}


def job_kind(name: str, label: LazyString, **options) -> Callable:
    """Register the decorated function as the job kind ``name``."""
    def register(function):
        KINDS[name] = Kind(name=name, label=label, function=function, **options)
        return function

    return register


def kind(name: str) -> Kind | None:
    return KINDS.get(name)
