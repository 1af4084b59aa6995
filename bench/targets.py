"""The targets of issue 17, checked against one benchmark run's results.

``evaluate(report)`` gives one row per target: what it measures, the measured value, for the
ratio targets the page's req/s divided by ``one_row``'s req/s of the same run, the target and
PASS / FAIL (``None`` when the run did not measure it: a scenario left out by ``--only``, the
subsidy or ledger measurement skipped). ``compare(rows, other_rows)`` sets each row beside
another run's (PostgreSQL against SQLite: the issue wants it within 1.5×).
"""
from __future__ import annotations

from dataclasses import dataclass

MAX_SLOWER = 1.5  # PostgreSQL within 1.5× of SQLite (issue 17, "Done when")


@dataclass(frozen=True)
class Target:
    name: str
    kind: str  # "ratio" (req/s ÷ one_row req/s, at least), "p95" (ms, at most), "value" (at most)
    source: str  # a scenario name, or a path into the report ("subsidy.compute_seconds")
    limit: float
    unit: str
    p95_ms: float | None = None  # ratio targets that also bound the page's p95


TARGETS = (
    Target("officer queue", "ratio", "officer_queue_submitted", 0.25, "×", p95_ms=30),
    Target("officer queue, page 200", "ratio", "officer_queue_page200", 0.25, "×", p95_ms=30),
    Target("city-wide queue", "ratio", "supervisor_queue_citywide", 0.25, "×", p95_ms=30),
    Target("bank loan list", "ratio", "bank_loans_list", 0.25, "×", p95_ms=30),
    Target("bank loan list, page 200", "ratio", "bank_loans_list_page200", 0.25, "×", p95_ms=30),
    Target("case page", "ratio", "officer_case_page", 0.3, "×"),
    Target("loan page", "ratio", "loan_page", 0.3, "×"),
    Target("applicant status", "ratio", "applicant_status", 0.3, "×"),
    Target("name search p95", "p95", "officer_queue_search", 30, "ms"),
    Target("report, city-wide half year p95", "p95", "reports_half_year", 60, "ms"),
    Target("subsidy period, 100,000 loans", "value", "subsidy.compute_seconds", 3, "s"),
    Target("statement PDF, 200 lines", "value", "subsidy.pdf_seconds", 0.8, "s"),
    Target("ledger import peak RSS", "value", "ledger.peak_rss_mb", 200, "MB"),
    Target("gunicorn worker RSS after the run", "value", "workers.max_rss_mb", 150, "MB"),
)


def _lookup(report: dict, path: str):
    """``subsidy.compute_seconds`` → report["subsidy"]["compute_seconds"]; derived values too."""
    section, _, key = path.partition(".")
    part = report.get(section) or {}
    if not isinstance(part, dict):
        return None
    if section == "subsidy" and key == "pdf_seconds":  # the slower language's median render
        medians = [lang.get("median_ms") for lang in (part.get("pdf") or {}).values() if isinstance(lang, dict)]
        medians = [m for m in medians if m is not None]
        return round(max(medians) / 1000, 3) if medians else None
    if section == "subsidy" and key == "compute_seconds" and part.get("loans", 0) < 100_000:
        return None  # the target is for 100,000 loans
    return part.get(key)


def evaluate(report: dict) -> list[dict]:
    scenarios = {r["name"]: r for r in report.get("http") or [] if r.get("requests")}
    baseline = (scenarios.get("one_row") or {}).get("req_per_s")
    rows = []
    for target in TARGETS:
        row = {"target": target.name, "source": target.source, "unit": target.unit, "limit": target.limit,
               "value": None, "ratio": None, "p95_ms": None, "passed": None}
        if target.kind in ("ratio", "p95"):
            scenario = scenarios.get(target.source)
            if scenario is None or (scenario.get("errors") and not scenario.get("req_per_s")):
                rows.append(row)
                continue
            row["p95_ms"] = scenario.get("p95_ms")
            if target.kind == "p95":
                row["value"] = row["p95_ms"]
                row["passed"] = row["value"] is not None and row["value"] <= target.limit
            else:
                row["value"] = scenario["req_per_s"]
                if baseline:
                    row["ratio"] = round(scenario["req_per_s"] / baseline, 3)
                    row["passed"] = row["ratio"] >= target.limit and (
                        target.p95_ms is None or (row["p95_ms"] is not None and row["p95_ms"] <= target.p95_ms))
                row["p95_limit_ms"] = target.p95_ms
            if scenario.get("errors"):
                row["passed"] = False  # a page answering errors meets no target
        else:
            value = _lookup(report, target.source)
            if value is not None:
                row["value"] = value
                row["passed"] = value <= target.limit
        rows.append(row)
    return rows


def _limit_text(row: dict) -> str:
    if row["unit"] == "×":
        text = f"≥ {row['limit']:g}×"
        return text + (f", p95 ≤ {row['p95_limit_ms']:g} ms" if row.get("p95_limit_ms") else "")
    return f"≤ {row['limit']:g} {row['unit']}"


def _value_text(row: dict) -> str:
    if row["value"] is None:
        return "–"
    if row["unit"] == "×":
        ratio = "–" if row["ratio"] is None else f"{row['ratio']:.2f}×"
        return f"{row['value']:.0f} req/s = {ratio}, p95 {row['p95_ms']:.1f} ms"
    return f"{row['value']:g} {row['unit']}"


def _verdict(row: dict) -> str:
    return "–" if row["passed"] is None else ("PASS" if row["passed"] else "FAIL")


def print_targets(rows: list[dict]) -> None:
    print(f"\n{'target (issue 17)':<36} {'measured':<38} {'target':<24} result")
    for row in rows:
        print(f"{row['target']:<36} {_value_text(row):<38} {_limit_text(row):<24} {_verdict(row)}")
    measured = [r for r in rows if r["passed"] is not None]
    print(f"{sum(r['passed'] for r in measured)} of {len(measured)} measured targets met"
          + (f" ({len(rows) - len(measured)} not measured in this run)" if len(measured) < len(rows) else ""))


def _slowness(row: dict, other: dict) -> float | None:
    """How many times slower (or bigger) this run is than the other on this target."""
    if row["value"] is None or other.get("value") in (None, 0) or row["value"] == 0:
        return None
    if row["unit"] == "×":  # req/s: fewer is slower
        return round(other["value"] / row["value"], 2)
    return round(row["value"] / other["value"], 2)


def compare(rows: list[dict], other_rows: list[dict]) -> list[dict]:
    others = {r["target"]: r for r in other_rows}
    compared = []
    for row in rows:
        other = others.get(row["target"], {})
        times = _slowness(row, other)
        compared.append({"target": row["target"], "value": row["value"], "other_value": other.get("value"),
                         "unit": row["unit"], "times": times,
                         "within": None if times is None else times <= MAX_SLOWER})
    return compared


def database_label(report: dict) -> str:
    """"sqlite", "postgresql": the database a run's JSON says it used."""
    database = str((report.get("environment") or {}).get("database") or "?")
    return database.split()[0].split("+")[0]


def print_comparison(compared: list[dict], this_label: str, other_label: str) -> None:
    print(f"\n{'target':<36} {this_label:>16} {other_label:>16} {'×':>6}  within {MAX_SLOWER:g}×")
    for c in compared:
        unit = "req/s" if c["unit"] == "×" else c["unit"]
        this = "–" if c["value"] is None else f"{c['value']:g} {unit}"
        other = "–" if c["other_value"] is None else f"{c['other_value']:g} {unit}"
        times = "–" if c["times"] is None else f"{c['times']:.2f}"
        within = "–" if c["within"] is None else ("yes" if c["within"] else "NO")
        print(f"{c['target']:<36} {this:>16} {other:>16} {times:>6}  {within}")
