"""Access to the GPT-2 track's sources (course_src/gpt2) from the tests.

`model.py` and friends are imported as modules. Functions that live in a notebook source are
taken from it by name (parsed with ast, compiled from the source file), so the tests exercise the
notebook's own code without running the whole notebook.
"""

from __future__ import annotations

import ast
import sys

from tests.support import ROOT

GPT2_SRC = ROOT / "course_src" / "gpt2"
if str(GPT2_SRC) not in sys.path:
    sys.path.insert(0, str(GPT2_SRC))

import model  # noqa: E402, F401  (course_src/gpt2/model.py, re-exported to the tests)
import model_checks  # noqa: E402, F401


def definitions(notebook: str, names: list[str], namespace: dict | None = None) -> dict:
    """Execute only the top-level defs, classes and NAME = ... assignments `names` of
    course_src/gpt2/<notebook> in a namespace."""
    path = GPT2_SRC / notebook
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    for node in tree.body:  # module-level constants such as FULL = TrainConfig(...)
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = node
    missing = [name for name in names if name not in found]
    assert not missing, f"{path} defines no top-level {missing}"
    namespace = {} if namespace is None else namespace
    module = ast.Module(body=[found[name] for name in names], type_ignores=[])
    exec(compile(module, str(path), "exec"), namespace)
    return namespace
