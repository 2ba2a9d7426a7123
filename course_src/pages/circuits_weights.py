"""Weight-level tools for the circuits chapters: circuits read off the weights, with no forward pass.

    from tiny_transformer import load_weights
    from circuits_weights import *

    cfg, W = load_weights("circuits/attn2.bin")
    W_OV(W, 0, 3)                        # Factored: W_V W_O as (d_model x d_head)(d_head x d_model)
    full_qk_circuit(W, 1, 0)             # (d_vocab, d_vocab): row = query token, column = key token
    positional_qk_circuit(cfg, W, 0, 3)  # (n_ctx, n_ctx): row = query position, column = key position
    k_composition_circuit(W, 1, 0, [3])  # (d_vocab, d_vocab): query token x token before the key
    composition_table(W, cfg, "K")       # [layer-0 head][layer-1 head] scores (circuit_scores.composition_score)
    rotation_baseline(W_OV(W, 0, a), K_matrix(W, 1, b), samples=200)   # the same score, subspaces rotated
    score_sources(cfg, W, cache, tokens, 1, 0, pairs)  # a layer-1 score split by source (token, position, 0.h)

Row-vector convention throughout, as in tiny_transformer and TransformerLens: a head reads `x @ W_Q`,
so W_QK = W_Q W_K^T scores `x_q @ W_QK @ x_k^T`, and W_OV = W_V W_O writes `x @ W_OV`.
Every head's matrices have rank d_head = 16; `Factored` keeps them as two thin factors, so products,
eigenvalues and singular values cost d_head-sized work (Elhage et al. 2021 note that the nonzero
eigenvalues of AB are those of BA; TransformerLens' FactoredMatrix does the same). The scores
themselves come from circuit_scores.py, the one definition the torch code uses too.
Used by docs/circuits/02-one-layer.md, 03-composition.md and 05-take-it-apart.md; the audit chapter
may import any name in __all__.
"""

from __future__ import annotations

import math
import random

from circuit_scores import composition_score, diagonal_top1, eigenvalues
from tiny_transformer import add, matmul, transpose

__all__ = ["Factored", "W_QK", "W_OV", "K_matrix", "Q_matrix", "V_matrix", "full_qk_circuit", "full_ov_circuit",
           "positional_qk_circuit", "causal_argmax", "k_composition_circuit", "composition_table",
           "rotation_baseline", "SOURCES", "score_sources", "diagonal_top1", "summary"]


class Factored:
    """A matrix kept as left (n x r) @ right (r x m), r small: TransformerLens' FactoredMatrix, reduced."""

    def __init__(self, left: list, right: list):
        self.left, self.right = left, right

    def full(self) -> list:
        """The (n, m) matrix itself."""
        return matmul(self.left, self.right)

    @property
    def T(self) -> Factored:
        return Factored(transpose(self.right), transpose(self.left))

    def __rmatmul__(self, M: list) -> Factored:
        """M @ F for a list of rows M: stays factored."""
        return Factored(matmul(M, self.left), self.right)

    def __matmul__(self, other) -> Factored:
        """F @ M or F @ G: stays factored (the inner product is folded into the right factor)."""
        if isinstance(other, Factored):
            return Factored(self.left, matmul(matmul(self.right, other.left), other.right))
        return Factored(self.left, matmul(self.right, other))

    def eigenvalues(self) -> list[complex]:
        """The r eigenvalues of right @ left: the nonzero eigenvalues of the (n, n) product (n == m)."""
        return eigenvalues(matmul(self.right, self.left))

    def singular_values(self) -> list[float]:
        """The r largest singular values, descending: square roots of the eigenvalues of
        (left^T left)(right right^T), which equal those of (AB)(AB)^T's nonzero part."""
        gram = matmul(matmul(transpose(self.left), self.left), matmul(self.right, transpose(self.right)))
        return sorted((math.sqrt(max(e.real, 0.0)) for e in eigenvalues(gram)), reverse=True)

    def frobenius(self) -> float:
        """||left @ right||_F, from the singular values (no n x m product)."""
        return math.sqrt(sum(s * s for s in self.singular_values()))


def _attn(W: dict, layer: int, name: str, head: int) -> list:
    return W[f"blocks.{layer}.attn.{name}"][head]


def W_QK(W: dict, layer: int, head: int) -> Factored:
    """W_Q W_K^T: (d_model, d_model), score = x_q @ W_QK @ x_k^T."""
    return Factored(_attn(W, layer, "W_Q", head), transpose(_attn(W, layer, "W_K", head)))


def W_OV(W: dict, layer: int, head: int) -> Factored:
    """W_V W_O: (d_model, d_model), the head writes x @ W_OV for each token x it attends to."""
    return Factored(_attn(W, layer, "W_V", head), _attn(W, layer, "W_O", head))


# The matrix of a layer-1 head that a layer-0 head's output A = W_OV feeds, so that A @ B is the path
# (Elhage et al. 2021, "Composition"; circuit_scores.composition_score(A, B)).
def K_matrix(W: dict, layer: int, head: int) -> Factored:
    """W_QK^T: keys read the earlier head's write (K-composition)."""
    return W_QK(W, layer, head).T


def Q_matrix(W: dict, layer: int, head: int) -> Factored:
    """W_QK: queries read the earlier head's write (Q-composition)."""
    return W_QK(W, layer, head)


def V_matrix(W: dict, layer: int, head: int) -> Factored:
    """W_OV: values read the earlier head's write (V-composition: a virtual head)."""
    return W_OV(W, layer, head)


# ---------------------------------------------------------------- circuits over tokens and positions

def full_qk_circuit(W: dict, layer: int, head: int) -> list:
    """W_E W_QK W_E^T: (d_vocab, d_vocab), row = query token, column = key token (tokens only, no position)."""
    return (W["embed.W_E"] @ W_QK(W, layer, head) @ transpose(W["embed.W_E"])).full()


def full_ov_circuit(W: dict, layer: int, head: int) -> Factored:
    """W_E W_OV W_U, factored: row = attended token, column = logit it raises; .full() for the matrix."""
    return W["embed.W_E"] @ W_OV(W, layer, head) @ W["unembed.W_U"]


def positional_qk_circuit(cfg: dict, W: dict, layer: int, head: int) -> list:
    """W_pos W_QK W_pos^T / sqrt(d_head): (n_ctx, n_ctx) attention scores from positions alone, row =
    query position, column = key position; keys after the query (never attended) are None."""
    P = W["pos_embed.W_pos"]
    scores = (P @ W_QK(W, layer, head) @ transpose(P)).full()
    scale = 1 / math.sqrt(cfg["d_head"])
    return [[x * scale if j <= i else None for j, x in enumerate(row)] for i, row in enumerate(scores)]


def causal_argmax(M: list) -> list[int]:
    """For each row i, the column j <= i with the largest entry (None entries are skipped)."""
    return [max(range(i + 1), key=lambda j: row[j]) for i, row in enumerate(M)]


def k_composition_circuit(W: dict, layer: int, head: int, via: list[int]) -> list:
    """Token-level K-composition: (W_E W_Q) (W_E sum_a W_OV^{0,a} W_K)^T, (d_vocab, d_vocab).

    Row = the query's token; column = the token a layer-0 head in `via` moved into the key's
    position (for a previous-token head: the token *before* the key). An induction head's row t is
    largest at column t: "attend where the previous token was my token" (ARENA 1.2's K-composition
    circuit). Only the token part of each path is kept; positions enter through the layer-0 pattern.
    """
    E = W["embed.W_E"]
    moved = [[0.0] * len(E[0]) for _ in E]
    for a in via:
        moved = add(moved, (E @ W_OV(W, 0, a)).full())          # (d_vocab, d_model): what head 0.a writes
    keys = matmul(moved, _attn(W, layer, "W_K", head))          # (d_vocab, d_head)
    queries = matmul(E, _attn(W, layer, "W_Q", head))           # (d_vocab, d_head)
    return matmul(queries, transpose(keys))


# ---------------------------------------------------------------- composition scores and their baseline

MATRIX = {"K": K_matrix, "Q": Q_matrix, "V": V_matrix}


def composition_table(W: dict, cfg: dict, kind: str) -> list[list[float]]:
    """[layer-0 head a][layer-1 head b]: composition_score(W_OV^{0,a}, M^{1,b}), M by kind 'Q', 'K' or 'V'."""
    return [[composition_score(W_OV(W, 0, a).full(), MATRIX[kind](W, 1, b).full()) for b in range(cfg["n_heads"])]
            for a in range(cfg["n_heads"])]


def _orthonormal_columns(M: list) -> tuple[list, list]:
    """Gram-Schmidt: M (n x r) = U R with U's columns orthonormal; returns (U, R) as lists of rows."""
    cols, R = [], [[0.0] * len(M[0]) for _ in M[0]]
    for j, col in enumerate(transpose(M)):
        v = list(col)
        for i, u in enumerate(cols):
            R[i][j] = sum(a * b for a, b in zip(u, v, strict=True))
            v = [a - R[i][j] * b for a, b in zip(v, u, strict=True)]
        R[j][j] = math.sqrt(sum(a * a for a in v))
        cols.append([a / R[j][j] for a in v])
    return transpose(cols), R


def _trace_product(A: list, B: list) -> float:
    """trace(A @ B) without forming it."""
    return sum(a * b for row, col in zip(A, transpose(B), strict=True) for a, b in zip(row, col, strict=True))


def rotation_baseline(A: Factored, B: Factored, samples: int = 200, seed: int = 0) -> list[float]:
    """composition_score(A, R B) for `samples` random rotations R of the residual stream.

    The rotation keeps both heads' spectra (their sizes and ranks) and makes the alignment between
    A's output space and B's input space random: the score two heads get by chance. Only R's action
    on B's 16-dimensional input space matters, so each sample draws that action, a random orthonormal
    frame F (Gram-Schmidt of a Gaussian matrix, uniform on frames), instead of a whole 64 x 64 R:
    with B.left = U L (U orthonormal), R B = F L B.right in distribution, and
    ||A.left C B.right||_F^2 = trace(C^T G1 C G2) with C = A.right F L, G1 = A.left^T A.left,
    G2 = B.right B.right^T.
    """
    rng = random.Random(seed)
    _, L = _orthonormal_columns(B.left)
    G1 = matmul(transpose(A.left), A.left)
    G2 = matmul(B.right, transpose(B.right))
    norm = A.frobenius() * B.frobenius()
    n, r = len(B.left), len(B.left[0])
    out = []
    for _ in range(samples):
        F, _ = _orthonormal_columns([[rng.gauss(0, 1) for _ in range(r)] for _ in range(n)])
        C = matmul(matmul(A.right, F), L)
        out.append(math.sqrt(max(_trace_product(matmul(transpose(C), G1), matmul(C, G2)), 0.0)) / norm)
    return out


def summary(values: list[float]) -> dict:
    """mean, sd, and the 5th and 95th percentiles of a list of floats."""
    s = sorted(values)
    mean = sum(s) / len(s)
    sd = math.sqrt(sum((x - mean) ** 2 for x in s) / max(len(s) - 1, 1))
    return {"mean": mean, "sd": sd, "p5": s[int(0.05 * (len(s) - 1))], "p95": s[int(0.95 * (len(s) - 1))]}


# ---------------------------------------------------------------- attention scores split by source

SOURCES = ["token", "position", "0.0", "0.1", "0.2", "0.3"]


def _components(cfg: dict, W: dict, cache: dict, tokens: list) -> list:
    """The residual stream a layer-1 head reads, as its parts: [source][position] -> d_model vector."""
    parts = [[W["embed.W_E"][t] for t in tokens], W["pos_embed.W_pos"][:len(tokens)]]
    return parts + [cache["result", 0, h] for h in range(cfg["n_heads"])]


def score_sources(cfg: dict, W: dict, cache: dict, tokens: list, layer: int, head: int, pairs) -> list:
    """The attention score of a layer-1 head split by source, averaged over (query, key) pairs.

    The query and the key are sums over sources (SOURCES: token and position embeddings, each
    layer-0 head's output), so the score q.k / sqrt(d_head) is a sum of one term per (query source,
    key source): entry [s][s2] is that term. The entries add up to the head's real score
    (ARENA 1.2, "decomposing attention scores"). cache: from tiny_transformer.forward on `tokens`.
    """
    if layer != 1:
        raise ValueError("score_sources splits a layer-1 head's score; layer-0 heads read only token + position")
    parts = _components(cfg, W, cache, tokens)
    scale = 1 / math.sqrt(cfg["d_head"])
    W_Q, W_K = _attn(W, layer, "W_Q", head), _attn(W, layer, "W_K", head)
    total = [[0.0] * len(parts) for _ in parts]
    for q, k in pairs:
        qs = matmul([p[q] for p in parts], W_Q)          # (sources, d_head)
        ks = matmul([p[k] for p in parts], W_K)
        for s, row in enumerate(matmul(qs, transpose(ks))):
            for s2, x in enumerate(row):
                total[s][s2] += x * scale / len(pairs)
    return total
