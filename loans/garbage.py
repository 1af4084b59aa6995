"""The cyclic garbage collector, held off during bounded bulk work.

A period's subsidy (100,000 loans), a ledger import, a statement PDF (WeasyPrint's layout
objects) or the app's own creation makes a great many objects that live until the work ends:
the collector runs a young pass every 700 allocations and, as the survivors pile up, full
passes over every object of the process — measured, 0.3 s of a period's 2.1 s, ~0.1 s of a
1.1 s PDF and 0.05 s of ``create_app``'s 0.45 s; a ledger re-import of 100,000 unchanged
loans 12.6 → 9.8 s. Inside ``collector_paused()`` it does not run. What the work leaves as
cyclic garbage (a PDF's whole layout; the ORM's and the app's own objects are kept) is
collected by the first young pass after it.

The collector is one per process. With threads (the job worker runs two), it runs again when
the last of them leaves; one that leaves while another is still inside runs a young pass
itself (``gc.collect(0)``: everything made since the collector stopped), so that a loop of
PDFs beside a long import does not pile up their layouts until the import ends. It is never
switched on here if it was off before the first one entered (a server that turned it off
keeps it off)."""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_inside = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _inside, _was_enabled
    with _lock:
        if _inside == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0 and _was_enabled:
                gc.enable()
            collect = _inside > 0 and _was_enabled
        if collect:
            gc.collect(0)  # this work's garbage, not left for the others to finish
