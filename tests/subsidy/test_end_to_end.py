"""The data contracts of SPEC §10 together, as an outside tool uses them: the example
ledger goes in through `ledger import`, and `subsidy export` gives back the spec's file."""
from __future__ import annotations

from .conftest import EXAMPLE_EXPORT, EXAMPLES


def test_ledger_import_then_compute_then_export_reproduces_the_specs_file(app, runner, tmp_path):
    imported = runner.invoke(args=["ledger", "import", "--lang", "en",
                                   str(EXAMPLES / "loans.csv"), str(EXAMPLES / "events.csv")])
    assert imported.exit_code == 0, imported.output

    computed = runner.invoke(args=["subsidy", "compute", "2021Q3"])
    assert computed.exit_code == 0, computed.output
    assert "1783.33" in computed.output.replace(",", "")  # ICBC-CZ: 1,022.22 + 761.11

    out = tmp_path / "subsidy-2021Q3.csv"
    exported = runner.invoke(args=["subsidy", "export", "2021Q3", "--format", "csv", "--output", str(out)])
    assert exported.exit_code == 0, exported.output
    assert out.read_bytes() == EXAMPLE_EXPORT.read_bytes()

    again = runner.invoke(args=["ledger", "import", "--lang", "en",
                                str(EXAMPLES / "loans.csv"), str(EXAMPLES / "events.csv")])
    assert again.exit_code == 0 and "unchanged" in again.output
