"""Conventions every notebook source follows (docs/authors/notebooks.md), checked at build time.

A downloaded notebook must run alone: it starts with a title, installs what is missing and picks
the device in its first code cell, reads SMOKE in one parameters cell, and inlines (rather than
imports) the modules beside its source. Each check fails with file:line and the fix.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from build_tools.notebooks.source import Cell, Source, fail

AUTHORS_GUIDE = "docs/authors/notebooks.md"


def check_conventions(source: Source, folder: Path) -> None:
    _check_self_contained(source.cells, folder)
    _check_title(source.cells, source.path)
    _check_first_code_cell(source.cells, source.path)
    _check_parameters(source.cells, source.path)


def _check_title(cells: list[Cell], shown: Path) -> None:
    first = cells[0] if cells else None
    if first is None or first.kind != "markdown" or not first.source.startswith("# "):
        where = first.header.where if first else f"{shown}:1"
        fail(where, "start the notebook with a Markdown cell whose first line is the title: "
                    "`# %% [markdown]` then `# # Title`")


def _check_first_code_cell(cells: list[Cell], shown: Path) -> None:
    """The first code cell installs missing deps only when an import fails and picks the device."""
    code = next((cell for cell in cells if cell.kind == "code"), None)
    if code is None:
        fail(f"{shown}:1", "a notebook needs code cells")
    text = code.source
    problems = []
    if not re.search(r"pip\b.*\binstall", text):
        problems.append("install its dependencies (`%pip install -q ...` or `pip install` via subprocess)")
    if not re.search(r"find_spec|ImportError|ModuleNotFoundError", text):
        problems.append("install only when an import fails (check with importlib.util.find_spec or except ImportError)")
    if not ("cuda" in text and "mps" in text):
        problems.append("pick the device: cuda, then mps, then cpu")
    if problems:
        fail(code.header.where, f"the first code cell must {'; '.join(problems)}. Copy the template in {AUTHORS_GUIDE}")


def _check_parameters(cells: list[Cell], shown: Path) -> None:
    """One `parameters` cell, which reads SMOKE (CI runs every notebook with SMOKE=1)."""
    tagged = [cell for cell in cells if "parameters" in cell.tags]
    if len(tagged) > 1:
        fail(tagged[1].header.where,
             f"a second `parameters` cell (the first is at line {tagged[0].header.lineno}); keep one")
    if not tagged:
        fail(f"{shown}:1", 'tag the parameters cell with `# %% tags=["parameters"]`; '
                           'it sets SMOKE = os.environ.get("SMOKE") == "1"')
    if "SMOKE" not in tagged[0].source:
        fail(tagged[0].header.where, 'the parameters cell must read SMOKE = os.environ.get("SMOKE") == "1" '
                                     "and shrink the settings with it")


def _check_self_contained(cells: list[Cell], folder: Path) -> None:
    """A downloaded notebook has no checkout: sibling modules must be inlined, not imported."""
    siblings = {p.stem for p in folder.glob("*.py")}
    for cell in cells:
        if cell.kind != "code":
            continue
        for node in _imports(cell):
            for name in node[1]:
                if name.split(".")[0] in siblings:
                    fail(node[0].where, f"`{name}` is a file in {folder.name}/, absent from a downloaded notebook; "
                                        f"write `from {name} import *  # course: inline`")


def _imports(cell: Cell):
    """(line, [module names]) for each import statement in the cell (magic lines read as `pass`)."""
    text = "\n".join(_magic_as_pass(line.text) for line in cell.lines)
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        line = cell.lines[(error.lineno or 1) - 1] if cell.lines else cell.header
        fail(line.where, f"Python syntax error: {error.msg}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield cell.lines[node.lineno - 1], [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield cell.lines[node.lineno - 1], [node.module]


def _magic_as_pass(text: str) -> str:
    stripped = text.lstrip()
    return text[: len(text) - len(stripped)] + "pass" if stripped.startswith(("%", "!")) else text
