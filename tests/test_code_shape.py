"""The house shape, read from the code (AST, not grep): one unit of work commits, one
refusal type (issue 10)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "loans"
UNIT_OF_WORK = PACKAGE / "unit_of_work.py"
RETIRED_ERRORS = {"StepError", "ReviewError", "ServicingError", "PolicyError", "StatementError", "AccountError",
                  "LetterError", "NotAllowed"}

pytestmark = pytest.mark.nodb


def modules(*roots: Path):
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def commit_sites(tree: ast.AST) -> list[int]:
    """Lines that commit however it is spelled: ``x.commit()``, ``f = x.commit``,
    ``getattr(x, "commit")``, ``from … import commit``."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "commit":
            lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "methodcaller") \
                and any(isinstance(a, ast.Constant) and a.value == "commit" for a in node.args):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and any(alias.name == "commit" for alias in node.names):
            lines.append(node.lineno)
    return lines


def test_only_the_unit_of_work_commits():
    offenders = [f"{path.relative_to(ROOT)}:{line}" for path, tree in modules(PACKAGE) if path != UNIT_OF_WORK
                 for line in commit_sites(tree)]
    assert not offenders, f"commit outside loans/unit_of_work.py: {offenders}"
    assert commit_sites(ast.parse(UNIT_OF_WORK.read_text(encoding="utf-8")))  # and it does commit


@pytest.mark.parametrize("source", [
    "db.session.commit()",
    "session = db.session\nsession.commit()",
    "save = db.session.commit\nsave()",
    "getattr(db.session, 'commit')()",
    "from sqlalchemy.orm.session import commit",
])
def test_the_commit_check_sees_every_spelling(source):
    assert commit_sites(ast.parse(source))


def test_one_refusal_type():
    """The per-package error classes are gone, with no aliases left behind."""
    found = []
    for path, tree in modules(PACKAGE, ROOT / "tests"):
        for node in ast.walk(tree):
            name = (node.name if isinstance(node, ast.ClassDef) else node.id if isinstance(node, ast.Name)
                    else node.attr if isinstance(node, ast.Attribute)
                    else node.asname or node.name if isinstance(node, ast.alias) else None)
            if name in RETIRED_ERRORS:
                found.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')} {name}")
    assert not found, found
    from loans.errors import ConcurrentChange, Refused

    assert issubclass(ConcurrentChange, Refused) and ConcurrentChange.status == 409
