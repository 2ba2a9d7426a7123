"""SMOKE-size training: the 2-layer model forms an induction head, the 1-layer control cannot.

Uses the TINY configuration of the notebooks (450 steps of batch 64 at lr 1e-2): about 12 s of
CPU for the 2-layer model and 8 s for the 1-layer control, on one thread. The final-state
thresholds separate the two: the control fails each one the 2-layer model must pass.
"""

from __future__ import annotations

import math

import pytest
import torch

from tests.circuits.circuits_src import CIRCUITS_SRC
from tests.circuits.circuits_src import attn_only as ao
from tests.circuits.circuits_src import induction as ind


def tiny_config() -> ind.TrainConfig:
    """The TINY config exactly as written in the notebook's parameters cell."""
    source = (CIRCUITS_SRC / "01_grow_induction_heads.py").read_text()
    line = next(line for line in source.splitlines() if line.startswith("TINY = "))
    return eval(line.split("=", 1)[1], {"TrainConfig": ind.TrainConfig})


@pytest.fixture(scope="module")
def trained():
    torch.set_num_threads(1)
    cfg = tiny_config()
    out = {}
    for n_layers in (2, 1):
        model = ao.AttnOnlyTransformer(ao.AttnOnlyConfig(n_layers=n_layers))
        history = ind.train(model, cfg, log=None)
        out[n_layers] = (model.eval(), history)
    return out


def test_two_layer_model_forms_an_induction_head_after_smoke_training(trained):
    model, history = trained[2]
    assert history[-1]["induction_L1"] > 0.4
    assert history[-1]["repeated_loss"] < 2.5, "the second copy should be predictable (guessing: 4.14 nats)"
    assert history[0]["repeated_loss"] > 4.0


def test_one_layer_control_cannot_do_induction(trained):
    _, history = trained[1]
    assert history[-1]["repeated_loss"] > 3.0
    assert history[-1]["induction_L0"] < 0.2


def test_two_layer_model_beats_the_control_clearly_on_the_repeated_half(trained):
    loss2, loss1 = trained[2][1][-1]["repeated_loss"], trained[1][1][-1]["repeated_loss"]
    assert loss2 < loss1 - 1.0


def test_ablating_the_induction_heads_or_the_previous_token_heads_breaks_the_repeated_half(trained):
    model, _ = trained[2]
    toks = ind.repeated_random_tokens(64, 20, model.cfg.d_vocab, torch.Generator().manual_seed(7))
    induction, prev = ind.head_scores(model, toks, 20)
    ind_heads, prev_heads = ind.heads_above(induction, 1), ind.heads_above(prev, 0)
    assert ind_heads and prev_heads, "expected induction heads in layer 1 and previous-token heads in layer 0"
    clean, _ = ind.ablation_losses(model, toks, 20, "zero")
    assert math.isfinite(clean)
    assert ind.ablated_loss(model, toks, 20, ind_heads) > clean + 1.0
    assert ind.ablated_loss(model, toks, 20, prev_heads) > clean + 1.0
