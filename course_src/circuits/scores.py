"""Measurements that need only torch: losses on logits, scores on attention patterns and weights.

They take tensors, not a model, so the same code measures our attention-only model and GPT-2
small (notebook 03 inlines this file alone). Patterns use TransformerLens's layout,
`blocks.{layer}.attn.hook_pattern`: (..., query, key), rows sum to 1.

The induction test sequence is BOS + r + r with |r| = half_len, length 1 + 2 * half_len.
"""

from __future__ import annotations

import torch

# ---------------------------------------------------------------- losses on repeated tokens

def per_token_loss(logits, tokens):
    """Cross-entropy of predicting tokens[:, t+1] at position t: (B, T-1)."""
    logp = logits[:, :-1].log_softmax(-1)
    return -logp.gather(-1, tokens[:, 1:, None])[..., 0]


def repeated_half_loss(logits, tokens, half_len):
    """Mean loss on predicting the second copy (except its first token, which cannot be known)."""
    return per_token_loss(logits, tokens)[:, half_len + 1:].mean()


# ---------------------------------------------------------------- scores on attention patterns

def prev_token_score(pattern):
    """Mean attention from each position to the one before it. pattern: (..., T, T) -> (...)."""
    return pattern.diagonal(offset=-1, dim1=-2, dim2=-1).mean(-1)


def induction_score(pattern, half_len):
    """Mean attention from each token of the second copy to the token after its first occurrence.

    On BOS + r + r (length 1 + 2 * half_len), the query at index half_len + 1 + j (token r_j of
    the second copy) should look at index 2 + j = i - half_len + 1. The diagonal at that offset
    starts at query half_len - 1; its first two entries are still in the first copy.
    pattern: (..., T, T) -> (...).
    """
    return pattern.diagonal(offset=-(half_len - 1), dim1=-2, dim2=-1)[..., 2:].mean(-1)


def composition_score(W_A, W_B):
    """||W_A W_B||_F / (||W_A||_F ||W_B||_F), Elhage et al. (2021), "Composition" (no baseline subtracted).

    K-composition of layer-0 head a into layer-1 head b: W_A = W_OV(0, a), W_B = W_QK(1, b).T
    Q-composition: W_A = W_OV(0, a), W_B = W_QK(1, b); V-composition: W_B = W_OV(1, b).
    """
    return (W_A @ W_B).norm() / (W_A.norm() * W_B.norm())


def copying_score(W_OV_full):
    """Sum of eigenvalues over sum of their absolute values (Elhage et al. 2021): +1 for a pure copier."""
    eig = torch.linalg.eigvals(W_OV_full.double())
    return (eig.sum().real / eig.abs().sum()).item()
