"""Statuses are Enums (STYLE.md): the code reads them as members — ``CaseStatus.approved``,
``StatementStatus.paid`` — never as bare strings. The test reads the code (AST): a string
literal compared with a ``.status`` attribute, used in its ``.in_(...)`` or assigned to it
is a bare status string."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "loans"

pytestmark = pytest.mark.nodb


def _strings(node: ast.AST) -> list[str]:
    """The string literals ``node`` is, or holds as a tuple, list or set display."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [s for element in node.elts for s in _strings(element)]
    if isinstance(node, ast.Starred):
        return _strings(node.value)
    return []


def _is_status(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "status"


def bare_statuses(source: str) -> list[tuple[int, str]]:
    """(line, literal) of every bare status string in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_is_status(operand) for operand in operands):
                found += [(node.lineno, s) for operand in operands for s in _strings(operand)]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "in_"
              and _is_status(node.func.value)):
            found += [(node.lineno, s) for arg in node.args for s in _strings(arg)]
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_is_status(target) for target in targets) and node.value is not None:
                found += [(node.lineno, s) for s in _strings(node.value)]
    return found


def test_no_bare_status_strings_in_the_code():
    offences = [f"{path.relative_to(PACKAGE.parent)}:{line}: {literal!r}"
                for path in sorted(PACKAGE.rglob("*.py"))
                for line, literal in bare_statuses(path.read_text(encoding="utf-8"))]
    assert not offences, "use the status enum's members, not strings:\n" + "\n".join(offences)


@pytest.mark.parametrize("code", [
    'if application.status == "approved": pass',
    'ok = "paid" != statement.status',
    'ok = loan.status in ("active", "overdue")',
    'ok = loan.status not in ["settled"]',
    'query.where(Loan.status.in_(("active", "extended")))',
    'query.where(Loan.status.in_(["active", *OTHERS]))',
    'batch.status = "done"',
])
def test_the_checker_finds_bare_status_strings(code):
    assert bare_statuses(code)


@pytest.mark.parametrize("code", [
    'if application.status == CaseStatus.approved: pass',
    'ok = loan.status in LOAN_STATUSES',
    'query.where(Loan.status.in_((S.active, S.extended)))',
    'batch.status = ImportStatus.done',
    'if kind == "repayment": pass',  # not a status
    'return render_template("page.html"), status',
])
def test_the_checker_leaves_members_and_other_strings_alone(code):
    assert bare_statuses(code) == []
