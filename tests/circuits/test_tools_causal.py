"""course_src/pages/circuits_causal.py and circuits_explorer.py against torch on the shipped weights, and
the behaviour of the shipped model that chapter 5 asks the reader to find (pinned with torch, 256
sequences, so the chapter cannot silently drift from the model)."""

from __future__ import annotations

import math

import pytest
import torch

from tests.circuits.circuits_src import induction as ind
from tests.circuits.circuits_src import scores as sc
from tests.circuits.tools_support import circuits_causal as cc
from tests.circuits.tools_support import circuits_explorer as ce
from tests.circuits.tools_support import shipped_two_layer
from tests.circuits.tools_support import tiny_transformer as tt

InputError = ce.InputError  # course.InputError, as the explorer raises it


@pytest.fixture(scope="module")
def shipped():
    return shipped_two_layer()


def test_training_sequences_follow_the_rule_of_the_training_data():
    seqs = cc.training_sequences(4, seed=3)
    assert all(len(s) == 48 and s[0] == 0 and all(1 <= x < 64 for x in s[1:]) for s in seqs)
    assert any(sc.induction_pairs_in(s) for s in seqs)
    assert cc.repeat_sequence(5, prefix=3, seed=1)[4:9] == cc.repeat_sequence(5, prefix=3, seed=1)[9:]


def test_head_means_are_per_position_means_of_hook_result(shipped):
    cfg, W, model = shipped
    seqs = cc.training_sequences(3, seq_len=12, seed=4)
    means = cc.head_means(cfg, W, seqs)
    with torch.no_grad():
        _, cache = model.run_with_cache(torch.tensor(seqs))
    ref = cache["blocks.0.attn.hook_result"].mean(0)  # (T, nh, d_model)
    assert torch.allclose(torch.tensor(means[0, 2], dtype=torch.float64), ref[:, 2], atol=1e-9)
    glob = cc.mean_ablation(means, [(0, 2)], 12, per_position=False)[0, 2]
    assert torch.allclose(torch.tensor(glob[5], dtype=torch.float64), ref[:, 2].mean(0), atol=1e-9)


def test_patching_a_last_layer_head_without_a_forward_pass_equals_patching_with_one(shipped):
    cfg, W, _ = shipped
    clean = cc.repeat_sequence(4, seed=1)
    corrupt = clean[:1] + cc.repeat_sequence(4, seed=2)[1:5] + clean[5:]
    where = cc.loss_positions(4)
    table = cc.patching_table(cfg, W, clean, corrupt, where, heads=[(1, 1), (0, 3)])
    _, source = tt.forward(cfg, W, corrupt)
    base = cc.loss(cfg, W, clean, where)
    for row, key in zip(table, [(1, 1), (0, 3)], strict=True):
        for p in (2, 6, 7):
            rows = [source["result", key[0], key[1]][p] if i == p else None for i in range(len(clean))]
            assert row[p] == pytest.approx(cc.loss(cfg, W, clean, where, replace={key: rows}) - base, abs=1e-9)


def test_order_losses_end_at_the_models_own_loss(shipped):
    cfg, W, _ = shipped
    tokens, where = cc.repeat_sequence(10, seed=3), cc.loss_positions(10)
    rows = cc.order_losses(cfg, W, tokens, where)
    assert rows[-1][1] == pytest.approx(cc.loss(cfg, W, tokens, where), abs=1e-9)
    assert rows[2][1] < rows[1][1] - 2, "the layer-1 heads reading the embeddings do the copying"
    assert rows[3][1] < rows[2][1] and rows[2][1] - rows[3][1] < (rows[1][1] - rows[2][1]) / 4  # "order 2 helps less"


def test_explorer_parses_warns_and_cuts_to_the_context(capsys):
    assert ce.parse_tokens("0 5, 9\n63") == [0, 5, 9, 63]
    for bad in ("", "0 64", "0 -1", "a b", "1.5"):
        with pytest.raises(InputError):
            ce.parse_tokens(bad)
    with pytest.raises(InputError):
        ce.parse_heads("2.0")
    shown = ce.explore(" ".join(["0"] + ["7"] * 52), heads="1.0")
    out = capsys.readouterr().out
    assert "53 tokens is longer than the model's context of 48" in out and len(shown["tokens"]) == 48
    ce.explore("5 6 7")
    assert "does not start with BOS" in capsys.readouterr().out


# ---------------------------------------------------------------- the shipped model's behaviour, pinned

def batch_with_prefix(prefix, half_len, count=256, seed=7):
    g = torch.Generator().manual_seed(seed)
    pre = torch.randint(1, 64, (count, prefix), generator=g)
    r = torch.randint(1, 64, (count, half_len), generator=g)
    return torch.cat([torch.zeros(count, 1, dtype=torch.long), pre, r, r], 1)


def test_previous_token_heads_work_up_to_position_28_and_fail_after(shipped):
    _, _, model = shipped
    tokens = torch.cat([torch.zeros(256, 1, dtype=torch.long),
                        torch.randint(1, 64, (256, 47), generator=torch.Generator().manual_seed(1))], 1)
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens)
    prev = cache["blocks.0.attn.hook_pattern"][:, 3].diagonal(offset=-1, dim1=-2, dim2=-1).mean(0)  # query i = 1..47
    assert prev[:28].mean() > 0.98          # chapter 5: "0.99 for queries 1 to 28"
    assert prev[28] < 0.05                  # "at 29 it is gone"
    assert prev[31:].max() < 0.21           # "at most 0.2 from 32 on"


def test_a_late_repeat_is_not_predicted_and_an_early_one_is(shipped):
    _, _, model = shipped
    found = {}
    for prefix in (0, 27):
        tokens = batch_with_prefix(prefix, 10)
        with torch.no_grad():
            found[prefix] = sc.repeated_half_mean(sc.per_token_loss(model(tokens), tokens), 10, prefix).item()
    assert found[0] < 0.7 and found[27] > 3.8, found  # chapter 5: "about 0.6" and "about 3.9"
    assert found[27] > math.log(63) - 0.3


def test_three_layer_1_heads_sink_a_third_of_their_attention_into_bos_and_ablating_0_0_flips_sign(shipped):
    _, _, model = shipped
    tokens = ind.repeated_random_tokens(256, 20, 64, torch.Generator().manual_seed(1234))
    with torch.no_grad():
        logits, cache = model.run_with_cache(tokens)
    bos = [sc.bos_score(cache["blocks.1.attn.hook_pattern"][:, h].mean(0), range(21, 41)).item() for h in range(4)]
    assert all(0.3 < bos[h] < 0.4 for h in (0, 1, 3)) and bos[2] < 0.06, bos  # "about a third"; 1.2 "under 0.06"
    clean = sc.repeated_half_loss(logits, tokens, 20).item()
    zero = ind.ablated_loss(model, tokens, 20, [(0, 0)], "zero")
    mean = ind.ablated_loss(model, tokens, 20, [(0, 0)], "mean")
    assert zero < clean - 0.05 and mean > clean + 0.05, (zero, clean, mean)
    with torch.no_grad():
        hook_cache = {}
        model.run_with_hooks(tokens, [("blocks.0.attn.hook_z", ind.ablate_head_hook(0)),
                                      ("blocks.1.attn.hook_pattern", lambda p, hook: hook_cache.update(p=p))])
    freed = [sc.bos_score(hook_cache["p"][:, h].mean(0), range(21, 41)).item() for h in (0, 1, 3)]
    assert max(freed) < 0.1, freed  # chapter 5: "zeroing 0.0 removes most of the sink"


def test_zeroing_0_0_costs_loss_on_training_like_text(shipped):
    cfg, W, _ = shipped
    seqs = cc.training_sequences(12, seed=5)
    clean = sum(cc.loss(cfg, W, s, range(47)) for s in seqs)
    zeroed = sum(cc.loss(cfg, W, s, range(47), ablate=[(0, 0)]) for s in seqs)
    assert zeroed > clean


def test_patching_finds_the_previous_token_heads_at_the_first_copy_and_not_head_0_0(shipped):
    """Chapter 5's patching block, its sequences and its reading."""
    cfg, W, _ = shipped
    clean = cc.repeat_sequence(10, seed=11)
    corrupt = clean[:1] + cc.repeat_sequence(10, seed=12)[1:11] + clean[11:]
    table = dict(zip(cc.HEADS, cc.patching_table(cfg, W, clean, corrupt, cc.loss_positions(10)), strict=True))
    first, second = range(2, 11), range(11, 20)
    assert sum(table[0, 3][p] for p in first) / 9 > 0.2 and max(abs(x) for x in table[0, 0]) < 0.1
    assert all(max(table[1, h][p] for p in first) < 0.05 for h in range(4))
    assert max(max(table[1, h][p] for p in second) for h in range(4)) > 0.2


def test_removing_the_query_paths_from_layer_0_costs_training_loss_but_helps_the_test(shipped):
    cfg, W, _ = shipped
    seqs = cc.training_sequences(12, seed=5)
    every = range(47)

    def mean(fn):
        return sum(cc.loss(cfg, W, s, every, **fn(s)) for s in seqs) / len(seqs)

    clean = mean(lambda s: {})
    no_q = mean(lambda s: {"read": cc.path_ablation(cfg, W, s, [(0, h) for h in range(4)], "q")})
    no_q00 = mean(lambda s: {"read": cc.path_ablation(cfg, W, s, [(0, 0)], "q")})
    assert 0.1 < no_q - clean < 0.3 and 0.03 < no_q00 - clean < 0.15, (clean, no_q, no_q00)


def test_chapter_5_blocks_show_what_its_text_says_on_their_own_small_samples(shipped):
    """The page computes on few sequences (it runs in a browser); its prose must hold for those too."""
    import random

    cfg, W, _ = shipped
    rng = random.Random(0)  # block "per-token-loss"
    first_copy = [rng.randrange(1, 64) for _ in range(20)]
    tokens, where = [0] + first_copy + first_copy, cc.loss_positions(20)
    clean = cc.loss(cfg, W, tokens, where)
    means = cc.head_means(cfg, W, cc.training_sequences(8))
    key = [(0, 0)]
    assert cc.loss(cfg, W, tokens, where, ablate=key) < clean
    assert cc.loss(cfg, W, tokens, where, replace=cc.mean_ablation(means, key, 41, per_position=False)) > clean
    assert cc.loss(cfg, W, tokens, where, replace=cc.mean_ablation(means, key, 41)) > clean

    train = cc.training_sequences(4, seed=1)  # block "path-ablation-exercise"

    def both(heads):
        make = (lambda t: {"read": cc.path_ablation(cfg, W, t, heads, "q")}) if heads else (lambda t: {})
        return (sum(cc.loss(cfg, W, t, range(47), **make(t)) for t in train) / 4,
                cc.loss(cfg, W, tokens, where, **make(tokens)))

    none, only, every = both([]), both([(0, 0)]), both([(0, h) for h in range(4)])
    assert none[0] < only[0] < every[0] and every[1] < none[1] and only[1] < none[1], (none, only, every)

    def shifted(k):  # block "shifted-repeat"
        return sum(cc.loss(cfg, W, t, cc.loss_positions(10, k))
                   for t in (cc.repeat_sequence(10, prefix=k, seed=s) for s in range(3))) / 3

    assert shifted(0) < 1.0 and shifted(27) > 3.5
