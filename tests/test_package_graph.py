"""Dependencies between loans' packages run one way, down the graph drawn in README's map.

Every import in loans/ is read with ``ast`` — at the top of a module or inside a function,
absolute (``loans.x``) or relative (``..x``, ``from . import x``) — and each edge from one
package to another must be in ALLOWED. A function-local import is an edge like any other:
it hides a cycle from Python, not from this test."""

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

LOANS = Path(__file__).resolve().parents[1] / "loans"

# Modules below every feature package: any package may import them (and core); they
# import only core and each other.
FOUNDATION = frozenset({
    "access", "config", "db", "errors", "extensions", "forms", "garbage", "i18n", "labels", "lang_parts", "lazy_migrate",
    "operations", "pdf", "personal_data", "provided", "security", "spreadsheets", "unit_of_work", "urls"})
# The wiring on top: the app factory (loans/__init__.py), the model registry, the CLI
# group, the demo data and the template globals may import any package.
WIRING = frozenset({"loans", "models", "cli", "demo", "template_helpers"})

# package → the packages it may import (besides core and FOUNDATION). Lowest first; the
# same graph is drawn in README's "Map of the code".
ALLOWED = {
    "core": set(),  # pure: imports nothing of the app (tests/core/test_purity.py checks the rest)
    "audit": set(),
    "search": set(),  # name search: its token table; models bind to it in loans/models.py
    "policy": {"audit"},
    "auth": {"audit", "policy"},
    "jobs": {"audit", "auth"},
    "backup": {"audit", "jobs"},
    "notifications": {"audit", "auth", "jobs"},
    "applications": {"audit", "notifications", "policy"},
    "letters": {"applications", "audit", "jobs", "notifications", "policy"},
    "servicing": {"applications", "audit", "auth", "jobs", "letters", "notifications", "policy", "search"},
    "eligibility": {"applications", "audit", "policy", "servicing"},
    "fund": {"applications", "audit", "auth", "jobs", "notifications", "policy", "servicing"},
    "review": {"applications", "audit", "eligibility", "fund", "jobs", "letters", "notifications", "policy", "search"},
    "subsidy": {"audit", "auth", "jobs", "notifications", "policy", "servicing"},
    "ledger": {"applications", "audit", "auth", "jobs", "policy", "search", "servicing"},
    "reports": {"fund", "policy", "servicing", "subsidy"},
    "banks": {"applications", "audit", "auth", "fund", "jobs", "ledger", "letters", "policy", "servicing",
              "subsidy"},
    "api": {"banks", "eligibility"},
    "portal": {"applications", "eligibility", "fund", "notifications", "policy", "review"},
    "admin": {"auth", "policy"},
    "rosters": {"applications", "audit", "auth", "eligibility", "policy"},
    "main": {"policy"},
    "assisted": {"applications", "audit", "auth", "eligibility", "notifications", "policy", "portal"},
}

def node_of(module: str) -> str | None:
    """The graph node of a ``loans…`` module: its package, a top-level module, or "loans"."""
    parts = module.split(".")
    if parts[0] != "loans":
        return None
    return parts[1] if len(parts) > 1 else "loans"


def imported_modules(source: str, module: str, *, is_package: bool = False):
    """(line, module) for every import of ``source`` (the text of ``module``), anywhere in it."""
    here = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if node.module is None or target == "loans":  # from . import x, from loans import x
                for alias in node.names:
                    yield node.lineno, f"{target}.{alias.name}"
            else:
                yield node.lineno, target


def violations(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """Imports in ``source`` that the graph forbids, as "module:line → imported"."""
    src = node_of(module)
    bad = []
    for line, target in imported_modules(source, module, is_package=is_package):
        dst = node_of(target)
        if dst is None or dst == src:
            continue
        if src in WIRING:
            continue
        if src == "core":
            ok = False
        elif dst == "core":
            ok = True
        elif src in FOUNDATION:
            ok = dst in FOUNDATION
        else:
            ok = dst in FOUNDATION or dst in ALLOWED.get(src, ())
        if not ok:
            bad.append(f"{module}:{line} → {target}")
    return bad


def _sources():
    for path in sorted(LOANS.rglob("*.py")):
        parts = path.relative_to(LOANS.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        yield path, ".".join(parts[:-1] if is_package else parts), is_package


SOURCES = list(_sources())


def _edges() -> set[tuple[str, str]]:
    edges = set()
    for path, module, is_package in SOURCES:
        for _, target in imported_modules(path.read_text(encoding="utf-8"), module, is_package=is_package):
            src, dst = node_of(module), node_of(target)
            if dst is not None and src != dst:
                edges.add((src, dst))
    return edges


def test_every_import_follows_the_graph():
    bad = [v for path, module, is_package in SOURCES
           for v in violations(path.read_text(encoding="utf-8"), module, is_package=is_package)]
    assert not bad, "imports against the package graph (README, Map of the code):\n" + "\n".join(bad)


def test_every_package_is_in_the_graph():
    packages = {p.name for p in LOANS.iterdir() if (p / "__init__.py").is_file()} - {"translations"}
    assert packages == set(ALLOWED), "place a new package in ALLOWED and in README's map"
    modules = {p.stem for p in LOANS.glob("*.py")} - {"__init__"}
    assert modules == (FOUNDATION | WIRING) - {"loans"}, "say whether a new top-level module is foundation or wiring"


def test_the_graph_runs_one_way():
    graph = {package: set(deps) for package, deps in ALLOWED.items()}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        pytest.fail(f"ALLOWED has a cycle: {exc.args[1]}")
    assert order


def test_no_two_packages_import_each_other():
    edges = _edges()
    pairs = {(a, b) for a, b in edges if (b, a) in edges and a < b
             and not ({a, b} & (WIRING | {"core"}))}
    assert not pairs, f"packages importing each other: {sorted(pairs)}"


def test_core_imports_nothing_of_the_app():
    bad = [f"{module}: {target}" for path, module, is_package in SOURCES if node_of(module) == "core"
           for _, target in imported_modules(path.read_text(encoding="utf-8"), module, is_package=is_package)
           if node_of(target) not in (None, "core")]
    assert not bad


SYNTHETIC = """
from ..db import db
from . import queries
from ..servicing.models import Loan
import loans.reports.queries


def compute():
    from ..review.services import decide
    from loans import letters
"""


def test_the_checker_catches_forbidden_imports():
    bad = violations(SYNTHETIC, "loans.subsidy.services")
    assert [v.split(" → ")[1] for v in bad] == ["loans.reports.queries", "loans.review.services", "loans.letters"]
    assert violations("from .core.money import FEN\n", "loans.db") == []
    assert violations("from ..db import db\n", "loans.core.money") == ["loans.core.money:1 → loans.db"]
    assert violations("from .applications.models import LoanApplication\n", "loans.errors") != []
    assert violations("from .. import review\n", "loans.ledger", is_package=True) == ["loans.ledger:1 → loans.review"]


def test_the_checker_reads_a_real_module_the_way_python_does():
    mods = {target for _, target in imported_modules(
        "from . import services\nfrom .models import X\nfrom ..policy.queries import policies\n",
        "loans.eligibility.views")}
    assert mods == {"loans.eligibility.services", "loans.eligibility.models", "loans.policy.queries"}
