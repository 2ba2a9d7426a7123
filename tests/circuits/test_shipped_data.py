"""The weights and results shipped under docs/assets/data/circuits/ are what the code says they are."""

from __future__ import annotations

import hashlib
import json

import pytest
import torch

from build_tools.blocks.page import read_page_blocks
from tests.circuits.circuits_src import DATA, export_weights, results
from tests.circuits.circuits_src import induction as ind
from tests.circuits.circuits_src import scores as sc
from tests.support import ROOT

SHIPPED = export_weights.SHIPPED


def test_shipped_files_match_their_recorded_sha256_checksums():
    recorded = dict(reversed(line.split("  ")) for line in (DATA / "SHA256SUMS").read_text().splitlines())
    assert sorted(recorded) == sorted(SHIPPED)
    for name in SHIPPED:
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == recorded[name], f"{name} changed"


def test_shipped_weights_and_results_are_small():
    assert sum((DATA / name).stat().st_size for name in SHIPPED) < 1_000_000


def test_results_json_is_reproduced_from_the_shipped_weights():
    """Per-head scores, composition and ablation in results.json come from these exact weights."""
    model2 = export_weights.load_model(DATA / "attn2.bin")
    model1 = export_weights.load_model(DATA / "attn1.bin")
    old = results()
    fresh = export_weights.rounded(export_weights.measure(model2, model1, old["history_2layer"],
                                                          old["history_1layer"], ind.TrainConfig(**old["train"])))
    for key in ("induction_scores", "prev_token_scores", "composition", "copying_scores",
                "copying_scores_1layer", "zero_ablation", "mean_ablation", "clean_loss",
                "top_induction_head", "top_prev_token_head", "phase_change_step",
                "induction_heads", "prev_token_heads", "group_ablation", "composition_baseline"):
        assert json.dumps(fresh[key]) == json.dumps(old[key]) or _close(fresh[key], old[key]), key


def _close(a, b, tol=2e-4):
    if isinstance(a, list):
        return len(a) == len(b) and all(_close(x, y, tol) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], tol) for k in a)
    return abs(a - b) <= tol if isinstance(a, float) else a == b


def test_shipped_model_has_the_circuit_the_chapters_describe():
    r = results()
    assert r["top_induction_head"][0] == 1 and r["top_prev_token_head"][0] == 0
    ind, prev = r["top_induction_head"], r["top_prev_token_head"]
    assert r["induction_scores"][ind[0]][ind[1]] > 0.5 and r["prev_token_scores"][prev[0]][prev[1]] > 0.5
    column = [row[ind[1]] for row in r["composition"]["K"]]
    assert column.index(max(column)) == prev[1], \
        "K-composition into the induction head peaks at the previous-token head"
    assert r["repeated_loss_2layer"] < r["repeated_loss_1layer"] - 1.5
    for group in ("induction_heads", "prev_token_heads"):
        assert r["group_ablation"][group]["zero"] > r["clean_loss"] + 2.0, \
            f"ablating the {group} should break induction"


@pytest.fixture(scope="module")
def browser_namespace():
    """The chapter's pure-Python model block (docs/circuits/05-take-it-apart.md, id="model"), run under CPython."""
    import sys
    for folder in (ROOT / "build_tools" / "blocks" / "runtime", ROOT / "course_src" / "pages"):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    import course
    course.DATA_DIR = str(ROOT / "docs" / "assets" / "data")
    blocks = read_page_blocks(ROOT / "docs" / "circuits" / "05-take-it-apart.md", ROOT / "docs")
    block = next(b for b in blocks if b.id == "model").block
    namespace = {"__name__": "chapter"}
    exec(compile(block.setup + "\n" + block.code, "05-take-it-apart.md#model", "exec"), namespace)
    return namespace


def test_pure_python_browser_forward_pass_matches_the_torch_model_on_the_shipped_weights(browser_namespace):
    model = export_weights.load_model(DATA / "attn2.bin")
    half = ind.repeated_random_tokens(1, 20, 64, torch.Generator().manual_seed(5))[0].tolist()
    tokens = half
    logits, cache = browser_namespace["forward"](tokens)
    with torch.no_grad():
        ref_logits, ref_cache = model.run_with_cache(torch.tensor([tokens]))
    assert torch.allclose(torch.tensor(logits), ref_logits[0], atol=1e-3)
    for layer in range(2):
        ref = ref_cache[f"blocks.{layer}.attn.hook_pattern"][0]
        for head in range(model.cfg.n_heads):
            assert torch.allclose(torch.tensor(cache["pattern", layer, head]), ref[head], atol=1e-4)
    ref_loss = sc.per_token_loss(ref_logits, torch.tensor([tokens]))[0]
    assert torch.allclose(torch.tensor(browser_namespace["losses"](logits, tokens)), ref_loss, atol=1e-3)


def test_pure_python_ablation_matches_a_zero_ablation_hook(browser_namespace):
    model = export_weights.load_model(DATA / "attn2.bin")
    tokens = ind.repeated_random_tokens(1, 20, 64, torch.Generator().manual_seed(6))[0].tolist()
    layer, head = results()["top_induction_head"]
    logits, _ = browser_namespace["forward"](tokens, ablate=[(layer, head)])
    with torch.no_grad():
        hook = (f"blocks.{layer}.attn.hook_z", ind.ablate_head_hook(head))
        ref = model.run_with_hooks(torch.tensor([tokens]), [hook])
    assert torch.allclose(torch.tensor(logits), ref[0], atol=1e-3)
