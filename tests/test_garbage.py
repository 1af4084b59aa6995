"""The garbage collector held off during bulk work (loans.garbage): a period's subsidy, a
ledger import and a PDF run without its passes, and it always comes back as it was."""
from __future__ import annotations

import gc
import threading

import pytest

from loans.garbage import collector_paused


@pytest.fixture(autouse=True)
def _collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_off_inside_on_after_even_when_the_work_fails():
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the work failed")
    assert gc.isenabled()


def test_nested_work_keeps_it_off_until_the_outermost_ends():
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_process_that_turned_it_off_keeps_it_off():
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_threads_it_comes_back_when_the_last_one_leaves():
    first_inside, first_left = threading.Event(), threading.Event()
    seen = {}

    def first():
        with collector_paused():
            first_inside.set()
        seen["after first"] = gc.isenabled()
        first_left.set()

    def second():
        with collector_paused():
            threads[0].start()
            first_inside.wait(5)
            first_left.wait(5)  # the first has left; we are still inside
            seen["second still inside"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[1].start()
    for t in reversed(threads):
        t.join(10)
    assert seen == {"after first": False, "second still inside": False}
    assert gc.isenabled()


class _Layout:
    """Stands for a PDF's layout: objects that refer to each other, garbage once it is done."""

    def __init__(self):
        self.me = self


def test_work_that_leaves_while_other_work_goes_on_does_not_leave_its_garbage_behind():
    """A loop of PDFs beside a long ledger import: each PDF's cyclic garbage is collected when
    it is done, not when the import ends."""
    import weakref

    with collector_paused():  # the long import
        with collector_paused():  # one PDF
            layout = _Layout()
            gone = weakref.ref(layout)
            del layout
        assert not gc.isenabled()
        assert gone() is None


def test_a_period_is_computed_without_collector_passes(app, monkeypatch):
    from loans.subsidy import services

    states = []
    real = services._Rules.load

    def load(*args, **kwargs):
        states.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(services._Rules, "load", load)
    from datetime import date

    services.compute_period_subsidy("2021Q3", None, today=date(2021, 10, 8))
    assert states == [False]
    assert gc.isenabled()


def test_a_pdf_is_laid_out_without_collector_passes(app, monkeypatch):
    import weasyprint

    from loans.pdf import html_to_pdf, letter_font_for

    states = []
    real = weasyprint.HTML.write_pdf

    def write_pdf(self, *args, **kwargs):
        states.append(gc.isenabled())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", write_pdf)
    with app.test_request_context():
        data = html_to_pdf("<p>贴息 subsidy</p>", letter_font_for("贴息 subsidy"), b"test")
    assert data.startswith(b"%PDF")
    assert states == [False]
    assert gc.isenabled()


def test_a_ledger_import_runs_without_collector_passes(app, monkeypatch):
    from loans.ledger import runner
    from loans.ledger.parsing import SourceFile

    states = []
    real = runner.run_import

    def run_import(*args, **kwargs):
        states.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "run_import", run_import)
    sources = [SourceFile("events.csv", b"loan_ref,date,kind,amount\n")]
    with app.app_context():
        runner.execute(runner.start(sources), sources)
    assert states == [False]
    assert gc.isenabled()
