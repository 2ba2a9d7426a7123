"""What a notebook pip-installs, read from its install cells: the one reader for the run sheets
(build_tools/site/programme.py) and the offline venue kit (build_tools/venue/requirements.py).

An install cell is a code cell that runs ``pip install`` (the template in docs/authors/notebooks.md).
Its requirements are the string literals after "install" in that call, the values of dict literals
({"torch": "torch>=2.4"}) and the second items of pairs ([("torch", "torch")]) in the same cell;
each must parse as a packaging ``Requirement``.
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
    """The requirements one install cell names, as normalised strings."""
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
            elif len(node.elts) == 2 and isinstance(node.elts[1], ast.Constant) \
                    and isinstance(node.elts[1].value, str):
                found.append(node.elts[1].value)
        elif isinstance(node, ast.Dict):
            found += [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    out = []
    for text in found:
        try:
            out.append(str(Requirement(text)))
        except InvalidRequirement:
            continue
    return out


def requirements(notebook_json: str) -> list[str]:
    """Every requirement of a notebook's install cells, first mention first, without repeats."""
    return list(dict.fromkeys(r for cell in install_cells(notebook_json) for r in cell_requirements(cell)))
