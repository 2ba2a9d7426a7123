"""The measurements of scores.py and induction.py, and the model of attn_only.py, on inputs with known answers."""

from __future__ import annotations

import math

import pytest
import torch

from tests.circuits.circuits_src import attn_only as ao
from tests.circuits.circuits_src import induction as ind
from tests.circuits.circuits_src import scores as sc

HALF = 5
T = 1 + 2 * HALF


def perfect_prev_token_pattern(T=T):
    p = torch.zeros(T, T)
    p[0, 0] = 1
    for i in range(1, T):
        p[i, i - 1] = 1
    return p


def perfect_induction_pattern(half=HALF):
    """Attend to self, except in the second copy: to i - half + 1 (the token after the first occurrence)."""
    T = 1 + 2 * half
    p = torch.eye(T)
    for i in range(half + 1, T):
        p[i] = 0
        p[i, i - half + 1] = 1
    return p


def test_perfect_previous_token_head_scores_one_and_is_not_an_induction_head():
    p = perfect_prev_token_pattern()
    assert sc.prev_token_score(p).item() == pytest.approx(1.0)
    assert sc.induction_score(p, HALF).item() == pytest.approx(0.0)


def test_perfect_induction_head_scores_one_and_is_not_a_previous_token_head():
    p = perfect_induction_pattern()
    assert sc.induction_score(p, HALF).item() == pytest.approx(1.0)
    assert sc.prev_token_score(p).item() < 0.2


def test_induction_score_on_a_uniform_pattern_averages_over_the_queries_of_the_second_copy():
    uniform = torch.tril(torch.ones(T, T)) / torch.arange(1, T + 1)[:, None]
    expected = sum(1 / (i + 1) for i in range(HALF + 1, T)) / HALF
    assert sc.induction_score(uniform, HALF).item() == pytest.approx(expected)


def test_scores_work_per_head_on_stacked_patterns():
    stacked = torch.stack([perfect_prev_token_pattern(), perfect_induction_pattern()])  # (2, T, T)
    assert sc.prev_token_score(stacked).tolist() == pytest.approx([1.0, sc.prev_token_score(stacked[1]).item()])
    assert sc.induction_score(stacked, HALF).tolist() == pytest.approx([0.0, 1.0])


def test_composition_score_is_one_for_aligned_and_zero_for_orthogonal_subspaces():
    a = torch.zeros(4, 4)
    a[0, 0] = 1.0
    b = torch.zeros(4, 4)
    b[1, 1] = 1.0
    assert sc.composition_score(a, a).item() == pytest.approx(1.0)
    assert sc.composition_score(a, b).item() == pytest.approx(0.0)
    assert sc.composition_score(3 * a, 0.5 * a).item() == pytest.approx(1.0)


def test_copying_score_is_plus_one_for_identity_and_minus_one_for_its_negative():
    eye = torch.eye(6)
    assert sc.copying_score(eye) == pytest.approx(1.0)
    assert sc.copying_score(-eye) == pytest.approx(-1.0)
    rotation = torch.tensor([[0.0, -1.0], [1.0, 0.0]])  # eigenvalues +-i: sums to zero
    assert sc.copying_score(rotation) == pytest.approx(0.0, abs=1e-9)


def test_repeated_random_tokens_repeat_their_first_half_after_bos():
    toks = ind.repeated_random_tokens(3, 7, 64, torch.Generator().manual_seed(0))
    assert toks.shape == (3, 15)
    assert (toks[:, 0] == ind.BOS).all() and (toks[:, 1:8] == toks[:, 8:]).all()
    assert (toks[:, 1:] >= 1).all() and (toks[:, 1:] < 64).all()


def test_training_sequences_contain_a_repeated_segment_and_are_reproducible():
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    a, b = ind.repeated_segment_batch(32, 48, 64, g1), ind.repeated_segment_batch(32, 48, 64, g2)
    assert torch.equal(a, b)
    assert a.shape == (32, 48) and (a[:, 0] == ind.BOS).all() and (a[:, 1:] != ind.BOS).all()
    with_repeat = 0
    for seq in a.tolist():
        grams = [tuple(seq[i:i + 4]) for i in range(1, 45)]
        with_repeat += len(set(grams)) < len(grams)
    assert with_repeat >= 24, "most sequences should repeat a 4-gram (a copied segment)"


def test_run_with_cache_exposes_transformerlens_hook_names_with_their_shapes():
    cfg = ao.AttnOnlyConfig(n_layers=2)
    model = ao.AttnOnlyTransformer(cfg)
    toks = ind.repeated_random_tokens(2, 5, cfg.d_vocab, torch.Generator().manual_seed(0))
    logits, cache = model.run_with_cache(toks)
    B, T = toks.shape
    assert logits.shape == (B, T, cfg.d_vocab)
    expected = {"hook_embed": (B, T, cfg.d_model), "hook_pos_embed": (B, T, cfg.d_model),
                "blocks.1.hook_resid_pre": (B, T, cfg.d_model), "blocks.1.hook_resid_post": (B, T, cfg.d_model),
                "blocks.0.attn.hook_q": (B, T, cfg.n_heads, cfg.d_head),
                "blocks.0.attn.hook_k": (B, T, cfg.n_heads, cfg.d_head),
                "blocks.0.attn.hook_v": (B, T, cfg.n_heads, cfg.d_head),
                "blocks.1.attn.hook_pattern": (B, cfg.n_heads, T, T),
                "blocks.1.attn.hook_z": (B, T, cfg.n_heads, cfg.d_head),
                "blocks.1.attn.hook_result": (B, T, cfg.n_heads, cfg.d_model)}
    for name, shape in expected.items():
        assert tuple(cache[name].shape) == shape, name
    # The residual stream is a sum: resid_post = resid_pre + the heads' results.
    total = cache["blocks.0.hook_resid_pre"] + cache["blocks.0.attn.hook_result"].sum(2)
    assert torch.allclose(total, cache["blocks.0.hook_resid_post"], atol=1e-5)
    assert torch.allclose(cache["blocks.1.attn.hook_pattern"].sum(-1), torch.ones(B, cfg.n_heads, T), atol=1e-5)


def test_zero_ablation_hook_removes_exactly_one_heads_output():
    cfg = ao.AttnOnlyConfig(n_layers=1)
    model = ao.AttnOnlyTransformer(cfg)
    toks = ind.repeated_random_tokens(2, 5, cfg.d_vocab, torch.Generator().manual_seed(0))
    clean = model(toks)
    _, cache = model.run_with_cache(toks)
    ablated = model.run_with_hooks(toks, [("blocks.0.attn.hook_z", ind.ablate_head_hook(2))])
    expected_resid = cache["blocks.0.hook_resid_post"] - cache["blocks.0.attn.hook_result"][:, :, 2]
    assert torch.allclose(ablated, model.unembed(expected_resid), atol=1e-5)
    # hooks are removed after the call
    assert torch.equal(model(toks), clean)


def test_fused_attention_used_without_hooks_matches_the_hooked_path_in_logits_and_gradients():
    """Training runs the fused path (no hook on scores, pattern or result); analysis the explicit one."""
    cfg = ao.AttnOnlyConfig(n_layers=2)
    model = ao.AttnOnlyTransformer(cfg)
    toks = ind.repeated_random_tokens(4, 10, cfg.d_vocab, torch.Generator().manual_seed(0))

    def loss_and_grads(run):
        model.zero_grad()
        loss = sc.per_token_loss(run(), toks).mean()
        loss.backward()
        return loss.item(), [p.grad.clone() for p in model.parameters()]

    fused_loss, fused_grads = loss_and_grads(lambda: model(toks))
    # An identity hook on hook_pattern forces the explicit scores -> softmax -> pattern path.
    explicit_loss, explicit_grads = loss_and_grads(
        lambda: model.run_with_hooks(toks, [(f"blocks.{layer}.attn.hook_pattern", lambda x, h: x)
                                            for layer in range(2)]))
    assert fused_loss == pytest.approx(explicit_loss, abs=1e-5)
    for fused, explicit in zip(fused_grads, explicit_grads, strict=True):
        assert torch.allclose(fused, explicit, atol=1e-5), "the fused path's gradients differ from the explicit path's"


def test_run_with_hooks_names_the_hook_points_when_given_an_unknown_name():
    model = ao.AttnOnlyTransformer(ao.AttnOnlyConfig(n_layers=1))
    with pytest.raises(KeyError, match="blocks.0.attn.hook_z"):
        model.run_with_hooks(torch.zeros(1, 3, dtype=torch.long), [("blocks.0.attn.hook_zz", lambda x, h: x)])


def test_phase_change_step_is_the_first_step_below_halfway():
    history = [{"step": s, "repeated_loss": loss} for s, loss in [(0, 4.0), (100, 3.9), (200, 2.0), (300, 1.0)]]
    assert ind.phase_change_step(history) == 200        # halfway between 4.0 and 1.0 is 2.5
    assert ind.phase_change_step(history, threshold=0.5) is None
    uniform_logits = torch.zeros(1, 3, 8)
    assert sc.per_token_loss(uniform_logits, torch.tensor([[0, 1, 2]])).mean().item() == pytest.approx(math.log(8))


# ---------------------------------------------------------------- circuit_scores: one definition for lists and tensors

def test_pattern_scores_give_the_same_number_on_lists_and_on_tensors():
    torch.manual_seed(0)
    p = torch.rand(3, T, T).tril()
    p = p / p.sum(-1, keepdim=True)
    for b in range(3):
        rows = p[b].tolist()
        assert sc.prev_token_score(rows) == pytest.approx(sc.prev_token_score(p)[b].item(), abs=1e-7)
        assert sc.induction_score(rows, HALF) == pytest.approx(sc.induction_score(p, HALF)[b].item(), abs=1e-7)
        assert sc.bos_score(rows, range(HALF + 1, T)) == pytest.approx(
            sc.bos_score(p, range(HALF + 1, T))[b].item(), abs=1e-7)


def test_induction_pairs_are_the_second_copy_and_the_token_after_the_first_occurrence():
    assert sc.induction_pairs(3) == [(4, 2), (5, 3), (6, 4)]
    assert sc.prev_token_pairs(4) == [(1, 0), (2, 1), (3, 2)]
    assert list(sc.repeated_half_positions(3)) == [4, 5]
    with pytest.raises(ValueError, match="shorter"):
        sc.induction_score(perfect_prev_token_pattern(T=7), HALF)


def test_repeated_half_mean_is_the_same_rule_for_a_list_and_a_batch():
    per_token = torch.arange(2 * 2 * HALF, dtype=torch.float64).reshape(2, 2 * HALF)
    expected = per_token[:, HALF + 1:].mean().item()
    assert sc.repeated_half_mean(per_token, HALF).item() == pytest.approx(expected)
    per_sequence = [sc.repeated_half_mean(row.tolist(), HALF) for row in per_token]
    assert sum(per_sequence) / 2 == pytest.approx(expected)


def test_composition_score_on_lists_equals_the_tensor_version():
    torch.manual_seed(1)
    A, B = torch.randn(8, 8, dtype=torch.float64), torch.randn(8, 8, dtype=torch.float64)
    assert sc.composition_score(A.tolist(), B.tolist()) == pytest.approx(sc.composition_score(A, B).item(), rel=1e-12)


@pytest.mark.parametrize("name", ["random", "rank 4", "symmetric", "rotation", "zero", "nilpotent"])
def test_pure_python_eigenvalues_match_torch(name):
    g = torch.Generator().manual_seed(3)

    def randn(*shape):
        return torch.randn(*shape, generator=g, dtype=torch.float64)

    M = {"random": randn(20, 20), "rank 4": randn(24, 4) @ randn(4, 24),
         "symmetric": (lambda a: a + a.T)(randn(12, 12)),
         "rotation": torch.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=torch.float64),
         "zero": torch.zeros(4, 4, dtype=torch.float64),
         "nilpotent": torch.diag(torch.ones(5, dtype=torch.float64), 1)}[name]
    got = sc.eigenvalues(M.tolist())
    ref = torch.linalg.eigvals(M).tolist()
    assert len(got) == len(ref)
    scale = max(1.0, max(abs(x) for x in ref))
    for x in got:  # match each to the nearest reference eigenvalue, without reuse
        j = min(range(len(ref)), key=lambda j: abs(ref[j] - x))
        assert abs(ref.pop(j) - x) < 1e-9 * scale, (name, x)


def test_eigenvalue_copying_score_is_plus_one_for_a_copier_and_minus_one_for_a_suppressor():
    assert sc.eigenvalue_copying_score([2, 1, 0]) == pytest.approx(1.0)
    assert sc.eigenvalue_copying_score([-2, -1]) == pytest.approx(-1.0)
    assert sc.eigenvalue_copying_score([1j, -1j]) == pytest.approx(0.0)
    assert sc.copying_score(torch.eye(5)) == pytest.approx(1.0)


def test_diagonal_top1_reads_rows_and_skips_bos():
    M = [[9.0, 0.0, 0.0], [0.0, 2.0, 1.0], [0.0, 3.0, 1.0]]
    assert sc.diagonal_top1(M) == pytest.approx(0.5)
    assert sc.diagonal_top1([list(r) for r in zip(*M, strict=True)]) == 0  # reading columns gives another answer
