"""The layer rule beyond imports (import-linter checks those): SQL is written only in bot/db."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|PRAGMA)\s", re.MULTILINE)
DATABASE_CALLS = {"execute", "executemany", "execute_fetchall", "fetchone", "fetchall", "fetchval"}


def _sources() -> list[Path]:
    files = [*(REPO / "bot").rglob("*.py"), *(REPO / "cogs").rglob("*.py")]
    return [path for path in files if "db" not in path.relative_to(REPO).parts[:2]]


def test_sql_is_written_only_in_bot_db() -> None:
    found: list[str] = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                found.append(f"{where} SQL text")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in DATABASE_CALLS
            ):
                found.append(f"{where} .{node.func.attr}()")
    assert found == [], "queries outside bot/db:\n" + "\n".join(found)


def test_the_scan_sees_sql() -> None:
    """The check above would notice a query (guards against a pattern that matches nothing)."""
    assert SQL.search("\n        SELECT b.* FROM books AS b\n")
    assert _sources(), "no source files found"
