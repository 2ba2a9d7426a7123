"""What the notebooks pip install: read from the install cells of the generated notebooks
(docs/notebooks/**/*.ipynb), never restated by hand.

An install cell is a code cell that runs `pip install`. Its requirements are the string literals
that follow "install" in that call, the values of dict literals ({"torch": "torch>=2.4"}) and the
second items of pairs ([("torch", "torch")]) in the same cell: the shapes the notebook template uses.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "docs" / "notebooks"

# Installed by a notebook, but of no use offline: leave out of the kit, and say why in README.txt.
NOT_FOR_OFFLINE = {
    "datasets": "used only to stream FineWeb-Edu from the Hugging Face Hub, which needs internet anyway",
}


def _strings(node) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _cell_requirements(source: str) -> list[str]:
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
            elif len(node.elts) == 2 and isinstance(node.elts[1], ast.Constant) and isinstance(node.elts[1].value, str):
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


def install_cells(notebook: Path) -> list[str]:
    """Sources of the code cells of one notebook that run `pip install`."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
               for c in cells if c["cell_type"] == "code"]
    return [s for s in sources if '"pip", "install"' in s or "'pip', 'install'" in s]


def notebook_requirements(notebooks: Path = NOTEBOOKS) -> dict[str, dict]:
    """{canonical name: {"requirement": merged requirement, "notebooks": [...]}} over every notebook;
    specifiers for the same project are merged ("torch" and "torch>=2.4" give "torch>=2.4")."""
    merged: dict[str, dict] = {}
    for path in sorted(notebooks.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        for source in install_cells(path):
            for text in _cell_requirements(source):
                req = Requirement(text)
                entry = merged.setdefault(canonicalize_name(req.name), {"name": req.name, "specs": set(),
                                                                         "notebooks": []})
                entry["specs"].update(str(s) for s in req.specifier)
                rel = path.relative_to(notebooks).as_posix()
                if rel not in entry["notebooks"]:
                    entry["notebooks"].append(rel)
    return {key: {"requirement": e["name"] + ",".join(sorted(e["specs"])), "notebooks": e["notebooks"]}
            for key, e in sorted(merged.items())}
