"""What the notebooks pip install, over all of them: read from the install cells of the generated
notebooks (docs/notebooks/**/*.ipynb) by build_tools/notebooks/installs.py, never restated by hand."""

from __future__ import annotations

from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from build_tools.notebooks import installs

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "docs" / "notebooks"

# Installed by a notebook, but of no use offline: leave out of the kit, and say why in README.txt.
NOT_FOR_OFFLINE = {
    "datasets": "used only to stream FineWeb-Edu from the Hugging Face Hub, which needs internet anyway",
}


def install_cells(notebook: Path) -> list[str]:
    """Sources of the code cells of one notebook that run `pip install`."""
    return installs.install_cells(notebook.read_text(encoding="utf-8"))


def notebook_requirements(notebooks: Path = NOTEBOOKS) -> dict[str, dict]:
    """{canonical name: {"requirement": merged requirement, "notebooks": [...]}} over every notebook;
    specifiers for the same project are merged ("torch" and "torch>=2.4" give "torch>=2.4")."""
    merged: dict[str, dict] = {}
    for path in sorted(notebooks.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        for source in install_cells(path):
            for text in installs.cell_requirements(source):
                req = Requirement(text)
                entry = merged.setdefault(canonicalize_name(req.name), {"name": req.name, "specs": set(),
                                                                         "notebooks": []})
                entry["specs"].update(str(s) for s in req.specifier)
                rel = path.relative_to(notebooks).as_posix()
                if rel not in entry["notebooks"]:
                    entry["notebooks"].append(rel)
    return {key: {"requirement": e["name"] + ",".join(sorted(e["specs"])), "notebooks": e["notebooks"]}
            for key, e in sorted(merged.items())}
