"""Measurements on tensors: losses from logits, and the circuits scores of circuit_scores.py.

They take tensors, not a model, so the same code measures our attention-only model and GPT-2
small (notebook 03 inlines this file alone). Patterns use TransformerLens's layout,
`blocks.{layer}.attn.hook_pattern`: (..., query, key), rows sum to 1.

Each score is defined once, in circuit_scores.py (standard library, also run by the browser
pages): `prev_token_score`, `induction_score`, `bos_score`, `repeated_half_mean`, `composition_score`
and `eigenvalue_copying_score` come from there and accept tensors as they are. This file adds only what
needs torch: cross-entropy from logits and eigenvalues from torch.linalg.eigvals.

The induction test sequence is BOS + r + r with |r| = half_len, length 1 + 2 * half_len.
"""

from __future__ import annotations

import torch
from circuit_scores import *  # course: inline


def per_token_loss(logits, tokens):
    """Cross-entropy of predicting tokens[:, t+1] at position t: (B, T-1)."""
    logp = logits[:, :-1].log_softmax(-1)
    return -logp.gather(-1, tokens[:, 1:, None])[..., 0]


def repeated_half_loss(logits, tokens, half_len):
    """Mean loss on predicting the second copy (except its first token, which cannot be known)."""
    return repeated_half_mean(per_token_loss(logits, tokens), half_len)


def copying_score(W_OV_full):
    """Eigenvalue copying score (circuit_scores.eigenvalue_copying_score) of a full OV circuit, in float64."""
    return eigenvalue_copying_score(torch.linalg.eigvals(W_OV_full.double()).tolist())
