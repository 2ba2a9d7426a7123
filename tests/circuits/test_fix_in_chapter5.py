"""Chapter 5's section on the fixed model: every claim in its prose, recomputed from attn2_fixed.bin or
read from fixed_results.json (which test_fixed_model.py reproduces from the weights with torch)."""

from __future__ import annotations

import json
import math
import random
import re

import pytest

from tests.circuits.circuits_src import DATA, export_weights, induction, scores
from tests.circuits.tools_support import circuits_causal as cc
from tests.circuits.tools_support import circuits_weights as cw
from tests.circuits.tools_support import tiny_transformer as tt
from tests.support import ROOT

PAGE = ROOT / "docs" / "circuits" / "05-take-it-apart.md"


def section() -> str:
    text = PAGE.read_text()
    start = text.index("### The fix: repeats up to the last position")
    return " ".join(text[start:text.index("## Activation patching", start)].split())


def fixed_results() -> dict:
    return json.loads((DATA / "fixed_results.json").read_text())


@pytest.fixture(scope="module")
def models():
    return {name: tt.load_weights(f"circuits/{name}.bin") for name in ("attn2", "attn2_fixed")}


def positional_misses(cfg, W, head) -> list[int]:
    best = cw.causal_argmax(cw.positional_qk_circuit(cfg, W, 0, head))
    return [i for i in range(1, cfg["n_ctx"]) if best[i] != i - 1]


def previous_token_heads(cfg, W) -> list[int]:
    """Layer-0 heads whose attention to i - 1 averages over 0.5 on BOS + 47 random tokens."""
    tokens = [0] + [random.Random(3).randrange(1, cfg["d_vocab"]) for _ in range(cfg["n_ctx"] - 1)]
    _, cache = tt.forward(cfg, W, tokens)
    return [h for h in range(cfg["n_heads"])
            if sum(cache["pattern", 0, h][i][i - 1] for i in range(1, len(tokens))) / (len(tokens) - 1) > 0.5]


def test_the_recipe_quoted_is_the_recorded_one():
    text, r = section(), fixed_results()
    assert r["train"]["data"] == "segments+periodic" and "periodic_batch" in text
    fixed_steps, shipped_steps = export_weights.FIXED.steps, induction.TrainConfig().steps
    assert r["train"]["steps"] == fixed_steps
    assert json.loads((DATA / "results.json").read_text())["train"]["steps"] == shipped_steps
    assert f"for **{fixed_steps:,}** steps instead of **{shipped_steps:,}**" in text
    assert "$n$ = 3 to 16 random tokens" in text
    assert re.search(r"def periodic_batch\([^)]*min_len=3, max_len=16\)", (ROOT / "course_src" / "circuits" /
                                                                          "induction.py").read_text())


def test_the_previous_token_job_moved_to_head_0_1_whose_positional_term_misses_only_query_47(models):
    text = section()
    assert previous_token_heads(*models["attn2"]) == [2, 3]
    assert previous_token_heads(*models["attn2_fixed"]) == [1]
    assert "one head, 0.1, does it, and heads 0.2 and 0.3 do something else" in text
    last = models["attn2_fixed"][0]["n_ctx"] - 1
    assert positional_misses(*models["attn2_fixed"], 1) == [last]
    assert f"from every query position but the last, **{last}**" in text
    assert positional_misses(*models["attn2"], 3)[0] == 29, "the section above says: from 29 on"


def test_late_repeat_and_previous_token_figures_match_fixed_results_json():
    text, r = section(), fixed_results()
    shifts = [k for name, k, *_ in r["placements"] if name.startswith("shift_")]
    assert shifts[0] == 0 and shifts[-1] == 27
    fixed = [r["fixed"]["placement_losses"][f"shift_{k}"] for k in shifts]
    worst = math.ceil(max(fixed) * 100) / 100                                # "at most"
    assert f"stays at most **{worst:.2f}** nats from $k = 0$ to $k = 27$" in text
    shipped = r["shipped"]["placement_losses"]["shift_27"]
    assert f"reaches **{shipped:.2f}** at $k = 27$, where guessing costs {math.log(63):.2f}" in text
    prev = r["fixed"]["prev_token_by_position"]
    least = math.floor(min(prev[:-1]) * 100) / 100                           # "at least"
    assert f"at least **{least:.2f}** at every query position but the last" in text
    assert prev[-1] < 0.1


def test_the_in_browser_shifted_repeat_agrees_with_the_torch_figures(models):
    """The block's 3 sequences per model tell the same story as the 512 of fixed_results.json."""
    def late(cfg, W, k):
        seqs = [cc.repeat_sequence(10, prefix=k, seed=s) for s in range(3)]
        return sum(scores.repeated_half_mean(tt.losses(tt.forward(cfg, W, t)[0], t), 10, prefix=k) for t in seqs) / 3

    assert late(*models["attn2_fixed"], 27) < 0.5
    assert late(*models["attn2"], 27) > math.log(63) - 0.5


def test_the_training_loss_never_reaches_the_last_position_embedding():
    """Why query 47 cannot be fixed by data: its only effect is the prediction of a token 48."""
    import torch

    model = export_weights.load_model(DATA / "attn2_fixed.bin")
    tokens = induction.segments_and_periodic_batch(16, model.cfg.n_ctx, model.cfg.d_vocab,
                                                   torch.Generator().manual_seed(0))
    scores.per_token_loss(model(tokens), tokens).mean().backward()
    grad = model.pos_embed.W_pos.grad
    assert grad[-1].abs().max() == 0 and grad[-2].abs().max() > 0
