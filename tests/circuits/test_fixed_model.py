"""Both shipped 2-layer models on repeats the standard test never asks about: shifted late, other lengths.

attn2.bin (the model the chapters take apart) learned previous-token heads that attend to i - 1
only up to about position 28, so induction fails on a repeat placed late in the context.
attn2_fixed.bin is the same recipe on training data whose repeats reach the last position
(induction.DATA["segments+periodic"]). Everything here is recomputed from the shipped weights.
"""

from __future__ import annotations

import importlib
import json
import math

import pytest

from tests.circuits.circuits_src import DATA, export_weights, scores

offdist = importlib.import_module("train_offdist")  # course_src/circuits is on sys.path (circuits_src)
GUESS = math.log(63)


def fixed_results() -> dict:
    return json.loads((DATA / "fixed_results.json").read_text())


@pytest.fixture(scope="module")
def reports():
    return {name: offdist.placement_report(export_weights.load_model(DATA / f))
            for name, f in (("shipped", "attn2.bin"), ("fixed", "attn2_fixed.bin"))}


def _close(a, b, tol=2e-4):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], tol) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_close(x, y, tol) for x, y in zip(a, b, strict=True))
    return abs(a - b) <= tol


def test_fixed_results_json_is_reproduced_from_the_shipped_weights(reports):
    r = fixed_results()
    assert r["placements"] == [list(p) for p in offdist.PLACEMENTS]
    for name in ("shipped", "fixed"):
        assert _close(reports[name], r[name]), name


def test_shipped_model_previous_token_heads_stop_after_position_28(reports):
    prev = reports["shipped"]["prev_token_by_position"]          # index i - 1 holds query position i
    assert min(prev[:28]) > 0.9, "positions 1..28 attend to i - 1"
    late = prev[31:]                                              # positions 32..47
    assert sum(late) / len(late) < 0.2 and prev[28] < 0.2, "from position 29 on they do not"


def test_shipped_model_induction_fails_on_a_late_repeat(reports):
    loss = reports["shipped"]["placement_losses"]
    assert loss["shift_0"] < 1.0, "BOS + r + r with |r| = 10 at the start works"
    assert loss["shift_27"] > GUESS - 0.5, "BOS + 27 random + r + r: no better than guessing"
    shifts = [loss[f"shift_{k}"] for k in (0, 5, 10, 15, 20, 25, 27)]
    assert shifts[-1] > shifts[3] + 2.0, "the later the repeat, the worse"


def test_fixed_model_attends_to_the_previous_token_at_every_position_but_the_last(reports):
    """Key 47 could serve an induction head only for query 47 itself, when tokens 46 and 47 are equal:
    the training data never asks for it, and the last query still does not attend to 46."""
    prev = reports["fixed"]["prev_token_by_position"]
    assert min(prev[:-1]) > 0.9, [round(p, 2) for p in prev]
    assert prev[-1] < 0.2


def test_fixed_model_induction_holds_wherever_the_repeat_is_and_for_every_length(reports):
    loss = reports["fixed"]["placement_losses"]
    for k in (0, 5, 10, 15, 20, 25, 27):
        assert loss[f"shift_{k}"] < 1.0, (k, loss[f"shift_{k}"])
    for n in (8, 12, 16, 20, 23):
        assert loss[f"length_{n}"] < 1.0, (n, loss[f"length_{n}"])
    assert loss["three_copies_15"] < 1.0 and loss["no_bos_20"] < 1.5
    assert loss["shift_27"] < reports["shipped"]["placement_losses"]["shift_27"] - 2.5


def test_fixed_model_was_trained_by_the_recorded_recipe():
    r = fixed_results()
    assert r["train"] == export_weights.asdict(export_weights.FIXED)
    assert r["history"][-1]["step"] == export_weights.FIXED.steps


@pytest.mark.parametrize(("k", "n", "copies", "bos"), [(0, 10, 2, True), (27, 10, 2, True), (0, 15, 3, True),
                                                       (0, 20, 2, False), (5, 4, 3, False)])
def test_later_copies_loss_is_the_repeated_half_run_on_to_the_end(k, n, copies, bos):
    import torch

    g = torch.Generator().manual_seed(k + n)
    tokens = offdist.shifted_repeat_tokens(4, k, n, 64, g, copies, bos)
    logits = torch.randn(*tokens.shape, 64, generator=g, dtype=torch.float64)
    per_token = scores.per_token_loss(logits, tokens)
    second_copy_at = int(bos) + k + n        # this position predicts the second copy's second token
    got = offdist.later_copies_loss(logits, tokens, k, n, bos)
    assert torch.equal(got, per_token[:, second_copy_at:].mean())
    if bos and copies == 2:
        assert torch.equal(got, scores.repeated_half_mean(per_token, n, k))
