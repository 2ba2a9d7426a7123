"""The circuits sources are small modules with one job each, and each notebook inlines only what it uses.

hooks.py (HookPoint, HookedModule) · attn_only.py (config + model, inlines hooks) · scores.py
(losses and scores on tensors, torch only) · induction.py (data, training, measurements; inlines
scores). `from X import *  # course: inline` copies whole files, so these boundaries decide how much
code a downloaded notebook carries.
"""

from __future__ import annotations

import ast
import json
import re

import pytest
import torch

from build_tools.notebooks.source import read_source
from tests.circuits.circuits_src import CIRCUITS_SRC, attn_only, hooks
from tests.support import ROOT

INLINED = re.compile(r"^# --- inlined from course_src/circuits/(\w+\.py) ---$")


def top_level_imports(module_file: str) -> set[str]:
    tree = ast.parse((CIRCUITS_SRC / module_file).read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module.split(".")[0])
    return names - {"__future__"}


def inlined_modules(notebook_source: str) -> list[str]:
    """The modules inlined into the generated notebook, in order, one entry per copy."""
    source = read_source(CIRCUITS_SRC / notebook_source, ROOT)
    return [m.group(1) for cell in source.cells for line in cell.lines if (m := INLINED.match(line.text))]


@pytest.mark.parametrize(("module_file", "allowed"), [
    ("hooks.py", {"torch"}),
    ("scores.py", {"torch", "circuit_scores"}),
    ("circuit_scores.py", {"cmath", "math", "operator"}),  # standard library only: pages import it
    ("attn_only.py", {"math", "dataclasses", "torch", "hooks"}),
    ("induction.py", {"random", "dataclasses", "torch", "scores"}),
])
def test_each_module_imports_only_what_its_job_needs(module_file, allowed):
    assert top_level_imports(module_file) <= allowed, module_file


def test_gpt2_notebook_inlines_the_scores_without_the_toy_model():
    assert inlined_modules("03_gpt2_small.py") == ["scores.py", "circuit_scores.py"]


@pytest.mark.parametrize("notebook", ["01_grow_induction_heads.py", "02_take_it_apart.py"])
def test_toy_model_notebooks_inline_each_module_exactly_once(notebook):
    assert sorted(inlined_modules(notebook)) == ["attn_only.py", "circuit_scores.py", "hooks.py", "induction.py",
                                                 "scores.py"]


def test_hooks_work_on_any_module_with_hook_points():
    class Double(hooks.HookedModule):
        def __init__(self):
            super().__init__()
            self.hook_in, self.hook_out = hooks.HookPoint(), hooks.HookPoint()

        def forward(self, x):
            return self.hook_out(2 * self.hook_in(x))

    model, x = Double(), torch.arange(3.0)
    out, cache = model.run_with_cache(x)
    assert torch.equal(out, 2 * x) and sorted(cache) == ["hook_in", "hook_out"]
    assert torch.equal(model.run_with_hooks(x, [("hook_in", lambda a, hook: a + 1)]), 2 * x + 2)
    assert torch.equal(model(x), 2 * x), "hooks are removed after run_with_hooks"

def test_building_a_model_leaves_the_global_random_state_alone_and_its_seed_fixes_the_weights():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    a = attn_only.AttnOnlyTransformer(attn_only.AttnOnlyConfig(n_layers=1))
    assert torch.equal(torch.rand(3), expected), "AttnOnlyTransformer(...) consumed or reseeded the global generator"
    b = attn_only.AttnOnlyTransformer(attn_only.AttnOnlyConfig(n_layers=1))
    c = attn_only.AttnOnlyTransformer(attn_only.AttnOnlyConfig(n_layers=1, seed=1))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a.embed.W_E, c.embed.W_E)


def _first_cell(cells: list[str], text: str) -> int:
    return next(i for i, source in enumerate(cells) if text in source)


@pytest.mark.parametrize(("notebook", "stubs", "answers"), [
    # notebook 02: the library's scores (inlined with induction.py) come after the exercises that ask for them
    ("02_take_it_apart", (1, 2, 3), ("def prev_token_score", "def induction_score", "def diagonal_top1(")),
])
def test_exercise_notebooks_show_no_library_answer_above_its_exercise(notebook, stubs, answers):
    path = ROOT / "docs" / "notebooks" / "circuits" / f"{notebook}.exercises.ipynb"
    cells = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]
    last_stub = max(_first_cell(cells, f"Exercise {n}: replace this line") for n in stubs)
    for answer in answers:
        assert _first_cell(cells, answer) > last_stub, f"{notebook}: {answer!r} appears above its exercise"
