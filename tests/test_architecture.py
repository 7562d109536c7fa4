"""The shape of the code: imports only point down the layers (the import contracts in
pyproject.toml), no module grows past 600 lines, no app holds more than a quarter of the code,
and an import between apps hidden inside a function says why. Reads files only: no database."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
# Every package the contracts cover: the apps and alliance_portal.
PACKAGES: list[str] = CONFIG["root_packages"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

MAX_MODULE_LINES = 600
MAX_PACKAGE_SHARE = 0.25

LAYERS_BROKEN = "Apps import only the layers below them BROKEN"
HELPERS_BROKEN = "The shared helpers import no app BROKEN"
# A module added to a copy of the code, what it holds, and what lint-imports must then say.
UPWARD_IMPORTS = {
    "an app at the top of a module": (
        "alliances/upward.py",
        "from reports import selectors\n",
        [LAYERS_BROKEN, "alliances.upward -> reports.selectors"],
    ),
    "an app inside a function": (
        "alliances/upward.py",
        "def upward():\n    from reports import selectors\n    return selectors\n",
        [LAYERS_BROKEN, "alliances.upward -> reports.selectors"],
    ),
    "a helper": (
        "alliance_portal/upward.py",
        "from alliances import models\n",
        [HELPERS_BROKEN, "alliance_portal.upward -> alliances.models"],
    ),
}


def _lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(where / "pyproject.toml")],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _modules(*, packages: list[str] = PACKAGES) -> Iterator[Path]:
    """The Python files of the given packages, migrations left out (they are frozen history)."""
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


# The import contracts -------------------------------------------------------------------------


def test_the_import_contracts_are_kept():
    result = _lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("importer", UPWARD_IMPORTS)
def test_an_upward_import_breaks_a_contract(tmp_path, importer):
    """The same check on a copy of the code to which one upward import is added."""
    path, source, said = UPWARD_IMPORTS[importer]
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / path).write_text(source)

    result = _lint_imports(tmp_path)

    assert result.returncode == 1, result.stdout
    for text in said:
        assert text in result.stdout
    assert "1 broken" in result.stdout


# Sizes ----------------------------------------------------------------------------------------


def _project_modules() -> Iterator[Path]:
    """Every Python file of the project outside migrations and tests."""
    skipped = {".git", ".venv", "node_modules", "migrations", "tests"}
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in skipped]
        yield from (Path(folder) / name for name in files if name.endswith(".py"))


def test_no_module_is_over_600_lines():
    lines = {str(path.relative_to(ROOT)): _lines(path) for path in _project_modules()}
    too_long = {path: count for path, count in lines.items() if count > MAX_MODULE_LINES}

    assert not too_long, f"Over {MAX_MODULE_LINES} lines, make them packages: {too_long}"


def test_no_app_holds_more_than_a_quarter_of_the_code():
    lines = {package: sum(map(_lines, _modules(packages=[package]))) for package in PACKAGES}
    total = sum(lines.values())
    shares = {package: round(count / total, 3) for package, count in lines.items()}

    assert not {p: s for p, s in shares.items() if s > MAX_PACKAGE_SHARE}, shares


# Imports inside functions ---------------------------------------------------------------------


def _imported_package(node: ast.Import | ast.ImportFrom) -> set[str]:
    """The top-level packages an import statement names; a relative import names its own."""
    if isinstance(node, ast.ImportFrom):
        return set() if node.level else {node.module.partition(".")[0]}
    return {alias.name.partition(".")[0] for alias in node.names}


def _function_imports(tree: ast.Module) -> Iterator[tuple[ast.stmt, list[ast.stmt]]]:
    """Every import statement inside a function, with the statements of the block it sits in."""
    seen: set[int] = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for block in ast.walk(function):
            for field in ("body", "orelse", "finalbody"):
                body = getattr(block, field, None)
                if not isinstance(body, list):
                    continue
                for statement in body:
                    # A nested function is walked twice; its imports are reported once.
                    if (
                        isinstance(statement, ast.Import | ast.ImportFrom)
                        and id(statement) not in seen
                    ):
                        seen.add(id(statement))
                        yield statement, body


def _has_reason(statement: ast.stmt, body: list[ast.stmt], lines: list[str]) -> bool:
    """A comment on the line above the import, or above the run of imports it belongs to."""
    first = statement
    index = body.index(statement)
    while index > 0 and isinstance(body[index - 1], ast.Import | ast.ImportFrom):
        index -= 1
        first = body[index]
    above = lines[first.lineno - 2].strip() if first.lineno > 1 else ""
    return above.startswith("#")


def _unexplained_imports(source: str, *, own: str) -> list[int]:
    """The lines of imports of another app inside a function with no comment saying why."""
    lines = source.splitlines()
    others = set(PACKAGES) - {own}
    return [
        statement.lineno
        for statement, body in _function_imports(ast.parse(source))
        if _imported_package(statement) & others and not _has_reason(statement, body, lines)
    ]


def test_an_import_between_apps_inside_a_function_says_why():
    unexplained = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _modules()
        for line in _unexplained_imports(
            path.read_text(encoding="utf-8"), own=path.relative_to(ROOT).parts[0]
        )
    ]

    assert not unexplained, (
        "Import at the top of the module, or say in a comment above why it cannot be: "
        + ", ".join(unexplained)
    )


def test_the_check_finds_an_unexplained_import_and_accepts_an_explained_one():
    source = (
        "def ready():\n"
        "    from . import receivers\n"  # its own app
        "    from django.db import models\n"  # not an app
        "    from meetings import signals\n"  # another app, no reason given
        "    if True:\n"
        "        # The models load only once the registry is ready.\n"
        "        from meetings.models import Meeting\n"
        "        from reports import selectors\n"  # under the same comment
    )

    assert _unexplained_imports(source, own="reminders") == [4]
