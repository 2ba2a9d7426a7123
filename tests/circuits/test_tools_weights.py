"""course_src/pages/circuits_weights.py against torch on the shipped weights, and the facts chapters 2, 3
and 5 read off those weights (positional QK circuit, token-level K-composition, rotation baseline)."""

from __future__ import annotations

import pytest
import torch

from tests.circuits.circuits_src import results
from tests.circuits.circuits_src import scores as sc
from tests.circuits.tools_support import circuits_weights as cw
from tests.circuits.tools_support import shipped_two_layer
from tests.circuits.tools_support import tiny_transformer as tt


@pytest.fixture(scope="module")
def shipped():
    return shipped_two_layer()


def t(x):
    return torch.tensor(x, dtype=torch.float64)


def test_full_qk_and_ov_circuits_equal_the_torch_products(shipped):
    cfg, W, model = shipped
    E, U = model.embed.W_E, model.unembed.W_U
    for layer, head in [(0, 3), (1, 0)]:
        assert torch.allclose(t(cw.full_qk_circuit(W, layer, head)), E @ model.W_QK(layer, head) @ E.T, atol=1e-9)
        ov = cw.full_ov_circuit(W, layer, head)
        assert torch.allclose(t(ov.full()), E @ model.W_OV(layer, head) @ U, atol=1e-9)
        assert sc.eigenvalue_copying_score(ov.eigenvalues()) == pytest.approx(
            sc.copying_score(E @ model.W_OV(layer, head) @ U), abs=1e-6)
        ref = torch.linalg.svdvals(E @ model.W_OV(layer, head) @ U)[:cfg["d_head"]]
        assert torch.allclose(t(ov.singular_values()), ref, rtol=1e-6)


def test_positional_qk_circuit_equals_torch_and_shows_where_the_previous_token_heads_stop(shipped):
    cfg, W, model = shipped
    P, a = model.pos_embed.W_pos, model.blocks[0].attn
    for head in (2, 3):
        M = cw.positional_qk_circuit(cfg, W, 0, head)
        ref = P @ a.W_Q[head] @ a.W_K[head].T @ P.T / 4
        assert all(M[i][j] is None for i in range(48) for j in range(i + 1, 48))
        assert torch.allclose(t([[x or 0.0 for x in row] for row in M]), ref.tril(), atol=1e-9)
        best = cw.causal_argmax(M)
        # chapter 5: "the largest positional score is at i - 1 for every query up to 28; at 29 and for
        # most queries from 32 on, it is somewhere else"
        assert all(best[i] == i - 1 for i in range(1, 29)), head
        assert best[29] != 28 and sum(best[i] != i - 1 for i in range(32, 48)) >= 14, head


def test_k_composition_circuit_via_the_previous_token_head_puts_the_diagonal_first(shipped):
    cfg, W, model = shipped
    E = model.embed.W_E
    for head in range(4):
        M = cw.k_composition_circuit(W, 1, head, [3])
        b = model.blocks[1].attn
        ref = (E @ b.W_Q[head]) @ (E @ model.W_OV(0, 3) @ b.W_K[head]).T
        assert torch.allclose(t(M), ref, atol=1e-9)
        assert cw.diagonal_top1(M) >= 0.98  # chapter 3 quotes "98 to 100%" via 0.3
        assert cw.diagonal_top1(cw.k_composition_circuit(W, 1, head, [2, 3])) == 1.0
    for via, quoted in (([2], "56 to 89%"), ([1], "6 to 14%")):  # chapter 3's quotes
        found = [cw.diagonal_top1(cw.k_composition_circuit(W, 1, h, via)) for h in range(4)]
        assert f"{round(100 * min(found))} to {round(100 * max(found))}%" == quoted, found


def test_composition_table_matches_results_json_and_the_baseline_matches_explicit_rotations(shipped):
    cfg, W, model = shipped
    r = results()
    for kind in "QKV":
        assert torch.allclose(t(cw.composition_table(W, cfg, kind)), t(r["composition"][kind]), atol=1e-4), kind
    A, B = cw.W_OV(W, 0, 3), cw.K_matrix(W, 1, 0)
    fast = cw.summary(cw.rotation_baseline(A, B, samples=300, seed=1))
    g = torch.Generator().manual_seed(2)
    A_t, B_t = t(A.full()), t(B.full())
    slow = []
    for _ in range(300):  # Haar rotations: QR of a Gaussian matrix with the signs of R's diagonal fixed
        Q, R = torch.linalg.qr(torch.randn(64, 64, generator=g, dtype=torch.float64))
        Q = Q * torch.sign(torch.diagonal(R))
        slow.append(sc.composition_score(A_t, Q @ B_t).item())
    slow = cw.summary(slow)
    assert fast["mean"] == pytest.approx(slow["mean"], abs=0.002)
    assert fast["sd"] == pytest.approx(slow["sd"], abs=0.0015)
    assert 0.115 < fast["mean"] < 0.135 and fast["p95"] < 0.14  # chapter 3: "near 0.125, 95% below 0.14"
    K = r["composition"]["K"]
    assert max(K[3]) / fast["mean"] < 1.6  # "at most about 1.5 times the baseline mean"


def test_attention_score_sources_add_up_to_the_real_scores(shipped):
    cfg, W, model = shipped
    tokens = [0, 5, 9, 14, 3, 22, 5, 9, 14, 3, 22]  # BOS + r + r, |r| = 5
    _, cache = tt.forward(cfg, W, tokens)
    pairs = sc.induction_pairs(5)
    parts = cw.score_sources(cfg, W, cache, tokens, 1, 0, pairs)
    with torch.no_grad():
        _, ref = model.run_with_cache(torch.tensor([tokens]))
    scores = ref["blocks.1.attn.hook_attn_scores"][0, 0]
    expected = sum(scores[q, k].item() for q, k in pairs) / len(pairs)
    assert sum(map(sum, parts)) == pytest.approx(expected, abs=1e-9)
    top = max(((s, s2) for s in range(6) for s2 in range(6)), key=lambda st: parts[st[0]][st[1]])
    assert top == (0, cw.SOURCES.index("0.3")), "query token x key written by 0.3 drives the induction score"


def test_chapter_2_rank_is_not_what_limits_the_diagonal_score(shipped):
    import math

    cfg, W, _ = shipped
    circle = [[math.cos(2 * math.pi * t / 64), math.sin(2 * math.pi * t / 64)] for t in range(64)]
    assert cw.diagonal_top1(tt.matmul(circle, tt.transpose(circle))) == 1.0   # "rank 2 is enough"
    heads = {h: cw.full_ov_circuit(W, 1, h).full() for h in range(4)}
    assert all(cw.diagonal_top1(M) < 0.7 for M in heads.values())             # "each induction head alone"
    assert cw.diagonal_top1(tt.add(tt.add(heads[0], heads[1]), heads[3])) == 1.0  # "together copy exactly"
