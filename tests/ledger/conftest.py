"""Ledger fixtures, also for other modules' tests (subsidy, reports):

    from tests.ledger.conftest import import_example_ledger
    import_example_ledger(app)        # the 3 loans and 4 events of the spec's example ledger

``loans_file``/``events_file`` build small ledgers row by row from the example's values;
the ``run_ledger`` fixture (root conftest) imports them as the CLI does.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path


from loans.ledger.parsing import EVENT_COLUMNS, LOAN_COLUMNS

# A copy of SPEC's examples/ledger (loans.csv, events.csv and the exact 2021Q3 export), so
# the tests do not depend on ../shared; test_example_copy_matches_the_spec checks the copy.
EXAMPLES = Path(__file__).resolve().parent / "data"
SPEC_EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "examples" / "ledger"

EXAMPLE_LOAN = dict(zip(LOAN_COLUMNS, (
    "EX-A", "张三", "431002199003151117", "urban_unemployed", "431002", "张三小吃店", "", "individual", "1",
    "ICBC-CZ", "EXA-001", "2021-06-10", "200000", "4.35", "", "36", "2024-06-15", "3")))


def example_sources():
    from loans.ledger.parsing import SourceFile

    return [SourceFile(name, (EXAMPLES / name).read_bytes()) for name in ("loans.csv", "events.csv")]


def import_example_ledger(app, *, actor=None):
    """Import the example ledger (3 loans, 4 events) and commit; returns the ImportResult."""
    from loans.ledger import runner

    with app.app_context():
        sources = example_sources()
        batch_id = runner.start(sources, actor=actor)
        result, problems = runner.execute(batch_id, sources, actor=actor)
        assert problems is None, problems
        return result


def csv_bytes(columns, rows, encoding="utf-8") -> bytes:
    """A CSV file: ``rows`` are dicts (missing columns blank) or lists."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns] if isinstance(row, dict) else row)
    return out.getvalue().encode(encoding)


def loan_row(**changes) -> dict:
    return {**EXAMPLE_LOAN, **changes}


def event_row(loan_ref="EX-A", date="2021-06-15", kind="disbursement", amount="200000") -> dict:
    return {"loan_ref": loan_ref, "date": date, "kind": kind, "amount": amount}


def loans_file(*rows, name="loans.csv", encoding="utf-8"):
    from loans.ledger.parsing import SourceFile

    return SourceFile(name, csv_bytes(LOAN_COLUMNS, rows, encoding))


def events_file(*rows, name="events.csv", encoding="utf-8"):
    from loans.ledger.parsing import SourceFile

    return SourceFile(name, csv_bytes(EVENT_COLUMNS, rows, encoding))
