"""What a notebook pip-installs, read from its install cells: the one reader for the run sheets
(build_tools/site/programme.py) and the offline venue kit (build_tools/venue/requirements.py).

An install cell is a code cell that runs ``pip install`` (the template in docs/authors/notebooks.md);
``cell_requirements`` says which of its strings are requirements.
"""

from __future__ import annotations

import ast
import json

from packaging.requirements import InvalidRequirement, Requirement

__all__ = ["code_cells", "is_install_cell", "install_cells", "cell_requirements", "requirements"]


def code_cells(notebook_json: str) -> list[str]:
    """The sources of a notebook's code cells (``notebook_json``: the .ipynb file's text)."""
    cells = json.loads(notebook_json).get("cells", [])
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells if c.get("cell_type") == "code"]


def is_install_cell(source: str) -> bool:
    return '"pip", "install"' in source or "'pip', 'install'" in source


def install_cells(notebook_json: str) -> list[str]:
    """The sources of the code cells that run ``pip install``."""
    return [s for s in code_cells(notebook_json) if is_install_cell(s)]


def cell_requirements(source: str) -> list[str]:
    """The requirements one install cell passes to pip, as normalised strings: the string literals
    after "install" in the pip call; the values of a dict assigned to a name with REQUIRE in it
    (REQUIREMENTS = {"torch": "torch>=2.4"}); the second items of the pairs a ``for`` loop around
    the pip call walks (for module, requirement in [("torch", "torch")]). Other strings in the cell
    (a data-preparation cell may install one package among much else) are not requirements."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # cells with IPython magics are not install cells of this course
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [n.value if isinstance(n, ast.Constant) else None for n in node.elts]
            if "pip" in items and "install" in items:
                after = items[items.index("install") + 1:]
                found += [s for s in after if isinstance(s, str) and not s.startswith("-")]
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and any(
                isinstance(t, ast.Name) and "REQUIRE" in t.id.upper() for t in node.targets):
            found += [v.value for v in node.value.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
        elif isinstance(node, ast.For) and isinstance(node.iter, (ast.List, ast.Tuple)) and _calls_pip(node):
            found += [pair.elts[1].value for pair in node.iter.elts
                      if isinstance(pair, ast.Tuple) and len(pair.elts) == 2
                      and isinstance(pair.elts[1], ast.Constant) and isinstance(pair.elts[1].value, str)]
    out = []
    for text in found:
        try:
            out.append(str(Requirement(text)))
        except InvalidRequirement:
            continue
    return out


def _calls_pip(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and n.value == "pip" for n in ast.walk(node))


def requirements(notebook_json: str) -> list[str]:
    """Every requirement of a notebook's install cells, first mention first, without repeats."""
    return list(dict.fromkeys(r for cell in install_cells(notebook_json) for r in cell_requirements(cell)))
