"""loans/core is pure: no web framework, database or I/O, and no clock."""

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "loans" / "core"

FORBIDDEN_MODULES = {
    "flask", "flask_login", "flask_wtf", "flask_sqlalchemy", "flask_migrate", "sqlalchemy",
    "alembic", "werkzeug", "jinja2", "os", "io", "pathlib", "shutil", "tempfile", "glob",
    "requests", "httpx", "urllib", "http", "socket", "subprocess", "logging", "sqlite3",
    "psycopg", "psycopg2", "sys", "time", "random", "secrets", "uuid", "pickle", "csv",
    "openpyxl", "builtins", "importlib", "asyncio", "threading", "multiprocessing",
}
FORBIDDEN_CALLS = {"open", "input", "print", "exec", "eval", "__import__", "breakpoint"}
CLOCK_METHODS = {"today", "now", "utcnow"}

SOURCES = sorted(CORE.glob("*.py"))


def test_core_has_modules():
    assert {p.name for p in SOURCES} >= {
        "__init__.py", "money.py", "resident_id.py", "policy.py", "eligibility.py",
        "workflow.py", "dates.py"}


def _imported_roots(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_imports_nothing_impure(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [f"line {line}: {module}" for line, module in _imported_roots(tree)
           if module in FORBIDDEN_MODULES]
    assert not bad, f"{path.name} imports impure modules: {bad}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_does_no_io_and_reads_no_clock(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            bad.append(f"line {node.lineno}: {node.func.id}()")
        if isinstance(node.func, ast.Attribute) and node.func.attr in CLOCK_METHODS:
            bad.append(f"line {node.lineno}: .{node.func.attr}()")
    assert not bad, f"{path.name} does I/O or reads the clock: {bad}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_uses_no_float(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [f"line {node.lineno}" for node in ast.walk(tree)
           if (isinstance(node, ast.Constant) and isinstance(node.value, float))
           or (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
               and node.func.id == "float")]
    assert not bad, f"{path.name} uses floats: {bad}"


def test_the_checker_catches_a_forbidden_import():
    tree = ast.parse("import os.path\nfrom flask import Flask\nfrom .money import FEN\n")
    assert [m for _, m in _imported_roots(tree)] == ["os", "flask"]
