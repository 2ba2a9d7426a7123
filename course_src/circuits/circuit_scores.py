"""One definition of each circuits score, in standard-library Python, for the pages and the torch code.

Every score the circuits track reports is defined here once and nowhere else:

    prev_token_score(pattern)              mean of pattern[i][i - 1], i = 1 .. T-1
    induction_score(pattern, half_len)     mean of pattern[i][i - half_len + 1] over the second copy
    bos_score(pattern, queries)            mean attention to position 0 (BOS) from the given queries
    repeated_half_mean(per_token, half_len)  mean loss predicting the second copy, from its 2nd token
    composition_score(A, B)                ||A B||_F / (||A||_F ||B||_F)
    eigenvalue_copying_score(eigenvalues)  sum(l) / sum(|l|) (real part)
    diagonal_top1(M)                       fraction of rows t >= 1 whose largest entry is column t

A pattern is (..., T, T) with row = query, column = key (TransformerLens' hook_pattern). The
induction test sequence is BOS + r + r with |r| = half_len; `prefix` random tokens may come between
BOS and the first copy (a shifted repeat, section 5), default 0. The pattern scores are means over a
fixed set of (query, key) entries, listed by `prev_token_pairs` and `induction_pairs`.

Design (issue 13, "one implementation of each score"). The functions accept lists of rows (the
browser pages, Pyodide, no numpy) and torch tensors (the notebooks and the export script): a score
reads its entries with one indexing rule that works on both, so the two cannot drift apart.
`course_src/circuits/scores.py` (torch) re-exports these and adds only what needs torch (losses
from logits, eigenvalues). Notebooks get this file through scores.py's `# course: inline`; pages
import it by name, because `runtime_files()` in build_tools/blocks/contract.py serves it with the
page modules. `eigenvalues` is a small complex QR algorithm for pages; torch code uses
torch.linalg.eigvals, and both feed `eigenvalue_copying_score`.
"""

from __future__ import annotations

import cmath
import math
from operator import mul

__all__ = ["prev_token_pairs", "induction_pairs", "induction_pairs_in", "mean_attention", "prev_token_score",
           "induction_score", "bos_score", "repeated_half_positions", "repeated_half_mean", "frobenius",
           "composition_score", "eigenvalue_copying_score", "diagonal_top1", "eigenvalues"]


# ---------------------------------------------------------------- which entries a pattern score reads

def prev_token_pairs(T: int) -> list[tuple[int, int]]:
    """(query, key) = (i, i - 1) for i = 1 .. T-1: position 0 has no previous token."""
    return [(i, i - 1) for i in range(1, T)]


def induction_pairs(half_len: int, prefix: int = 0) -> list[tuple[int, int]]:
    """(query, key) on BOS + r + r: each token of the second copy, i = half_len + 1 .. 2 half_len
    (shifted by prefix), and the token after its first occurrence, i - half_len + 1 (Olsson et al.
    2022's prefix matching)."""
    return [(i, i - half_len + 1) for i in range(prefix + half_len + 1, prefix + 2 * half_len + 1)]


def induction_pairs_in(tokens) -> list[tuple[int, int]]:
    """(query, key) on any sequence: each position i whose token occurred before, and the position
    after that token's most recent earlier occurrence j, key j + 1 (skipped when j + 1 == i, a token
    repeated twice in a row). On BOS + r + r with r free of repeats these are induction_pairs."""
    last, pairs = {}, []
    for i, tok in enumerate(tokens):
        if tok in last and last[tok] + 1 < i:
            pairs.append((i, last[tok] + 1))
        last[tok] = i
    return pairs


def _is_tensor(x) -> bool:
    return not isinstance(x, (list, tuple)) and hasattr(x, "shape")


def mean_attention(pattern, pairs) -> float:
    """Mean of pattern[q][k] over (q, k) in pairs; for a tensor (..., T, T), one value per leading index."""
    if _is_tensor(pattern):
        queries, keys = (list(x) for x in zip(*pairs, strict=True))
        return pattern[..., queries, keys].mean(-1)
    return sum(pattern[q][k] for q, k in pairs) / len(pairs)


def _size(pattern) -> int:
    return pattern.shape[-1] if _is_tensor(pattern) else len(pattern)


def prev_token_score(pattern):
    """Mean attention from each position to the one before it."""
    return mean_attention(pattern, prev_token_pairs(_size(pattern)))


def induction_score(pattern, half_len: int, prefix: int = 0):
    """Mean attention from each second-copy token to the token after its first occurrence."""
    if _size(pattern) < prefix + 2 * half_len + 1:
        raise ValueError(f"a pattern of {_size(pattern)} positions is shorter than BOS + {prefix} + 2 x {half_len}")
    return mean_attention(pattern, induction_pairs(half_len, prefix))


def bos_score(pattern, queries):
    """Mean attention to position 0 from the given query positions (an attention sink shows here)."""
    return mean_attention(pattern, [(q, 0) for q in queries])


# ---------------------------------------------------------------- the loss on the repeated half

def repeated_half_positions(half_len: int, prefix: int = 0) -> range:
    """Positions t whose loss (predicting token t + 1) counts on BOS + r + r: t = half_len + 1 .. 2 half_len - 1
    (shifted by prefix). The second copy's first token (predicted at t = half_len) cannot be known."""
    return range(prefix + half_len + 1, prefix + 2 * half_len)


def repeated_half_mean(per_token, half_len: int, prefix: int = 0):
    """Mean of per-token losses (list of T-1, or a tensor (B, T-1)) over repeated_half_positions."""
    positions = repeated_half_positions(half_len, prefix)
    if _is_tensor(per_token):
        return per_token[..., positions.start:positions.stop].mean()
    return sum(per_token[t] for t in positions) / len(positions)


# ---------------------------------------------------------------- scores on weights

def frobenius(M) -> float:
    """sqrt(sum of squared entries)."""
    if _is_tensor(M):
        return M.norm()
    return math.sqrt(sum(x * x for row in M for x in row))


def _matmul(A, B):
    if _is_tensor(A):
        return A @ B
    cols = list(zip(*B, strict=True))
    return [[sum(map(mul, row, col)) for col in cols] for row in A]


def composition_score(A, B):
    """||A B||_F / (||A||_F ||B||_F), Elhage et al. (2021), "Composition"; row-vector code, so A is the
    earlier head's W_OV and B the later head's matrix: W_QK.T (K-), W_QK (Q-) or W_OV (V-composition)."""
    return frobenius(_matmul(A, B)) / (frobenius(A) * frobenius(B))


def eigenvalue_copying_score(eigenvalues) -> float:
    """sum(lambda) / sum(|lambda|), real part: +1 when every eigenvalue is positive (a copier), -1 when
    every one is negative (Elhage et al. 2021). Zero eigenvalues change neither sum."""
    eigenvalues = [complex(x) for x in eigenvalues]
    return sum(eigenvalues).real / sum(abs(x) for x in eigenvalues)


def diagonal_top1(M) -> float:
    """Fraction of rows t = 1 .. n-1 (row 0 is BOS) whose largest entry is in column t. Row = the token
    read, column = the token written (or keyed), as every circuit matrix in this track is laid out."""
    rows = range(1, len(M))
    return sum(max(range(len(M[t])), key=M[t].__getitem__) == t for t in rows) / len(rows)


# ---------------------------------------------------------------- eigenvalues without numpy

def eigenvalues(M, tol: float = 1e-12, max_sweeps: int = 60) -> list[complex]:
    """All eigenvalues of a square matrix (list of rows), by the shifted QR algorithm.

    Householder reduction to Hessenberg form, then QR steps with Wilkinson shifts (Givens rotations,
    complex arithmetic) on the unreduced trailing block, deflating one eigenvalue at a time. Cost
    O(n^3): about 0.1 s for 64 x 64 in CPython. Accurate to ~1e-10 relative to the largest |lambda|.
    """
    n = len(M)
    H = [[complex(x) for x in row] for row in M]
    for k in range(n - 2):  # H <- P H P with a Householder P zeroing column k below the subdiagonal
        x = [H[i][k] for i in range(k + 1, n)]
        alpha = math.sqrt(sum(abs(v) ** 2 for v in x))
        if alpha == 0:
            continue
        v = x[:]
        v[0] += (x[0] / abs(x[0]) if x[0] else 1) * alpha
        norm = math.sqrt(sum(abs(e) ** 2 for e in v))
        v = [e / norm for e in v]
        for j in range(n):
            s = sum(v[i].conjugate() * H[k + 1 + i][j] for i in range(len(v)))
            for i in range(len(v)):
                H[k + 1 + i][j] -= 2 * v[i] * s
        for i in range(n):
            s = sum(H[i][k + 1 + j] * v[j] for j in range(len(v)))
            for j in range(len(v)):
                H[i][k + 1 + j] -= 2 * s * v[j].conjugate()
    scale = max((abs(x) for row in H for x in row), default=0.0) or 1.0
    found, hi, steps = [], n - 1, 0
    while hi >= 0:
        lo = hi  # the unreduced block H[lo..hi]: walk up while the subdiagonal is not negligible
        while lo > 0 and abs(H[lo][lo - 1]) > tol * (abs(H[lo][lo]) + abs(H[lo - 1][lo - 1]) or scale):
            lo -= 1
        if lo == hi:
            found.append(H[hi][hi])
            hi, steps = hi - 1, 0
            continue
        steps += 1
        if steps > max_sweeps * n:
            raise ArithmeticError("QR iteration did not converge")
        a, b, c, d = H[hi - 1][hi - 1], H[hi - 1][hi], H[hi][hi - 1], H[hi][hi]
        root = cmath.sqrt((a - d) ** 2 / 4 + b * c)  # Wilkinson shift: the trailing 2x2's eigenvalue nearest d
        mu = min(((a + d) / 2 + root, (a + d) / 2 - root), key=lambda m: abs(m - d))
        if steps % 11 == 0:
            mu = d + abs(c)  # an exceptional shift breaks rare cycles
        for i in range(lo, hi + 1):
            H[i][i] -= mu
        rotations = []
        for k in range(lo, hi):  # QR: zero the subdiagonal with Givens rotations from the left ...
            x, y = H[k][k], H[k + 1][k]
            r = math.hypot(abs(x), abs(y))
            cs, sn = (x / r, y / r) if r else (1, 0)
            for j in range(k, hi + 1):
                u, w = H[k][j], H[k + 1][j]
                H[k][j] = cs.conjugate() * u + sn.conjugate() * w
                H[k + 1][j] = -sn * u + cs * w
            rotations.append((k, cs, sn))
        for k, cs, sn in rotations:  # ... then RQ: the same rotations, conjugate-transposed, from the right
            for i in range(lo, min(k + 2, hi) + 1):
                u, w = H[i][k], H[i][k + 1]
                H[i][k] = u * cs + w * sn
                H[i][k + 1] = -u * sn.conjugate() + w * cs.conjugate()
        for i in range(lo, hi + 1):
            H[i][i] += mu
    return found[::-1]
