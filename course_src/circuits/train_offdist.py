"""Testing an induction model off its test distribution: repeats moved late, other lengths, more copies.

The standard test (BOS + r + r, |r| = 20) puts the first copy at positions 1..20, so it only asks
the previous-token heads about early positions. These sequences move and resize the repeat:

    BOS + k random tokens + r + r       (shifted: the first copy starts at position k + 1)
    BOS + r + r + r, and r + r without BOS

and `later_copies_loss` scores the prediction of every repeated token that can be known (all of
the later copies except the first token of the second copy): circuit_scores' repeated half, run on
to the end. Guessing costs ln 63 = 4.14 nats.
"""

from __future__ import annotations

import torch
from scores import per_token_loss, repeated_half_positions

BATCH = 512
# (name, random tokens before the repeat, |r|, copies, BOS first). Names are the keys of the table.
PLACEMENTS = (
    *((f"shift_{k}", k, 10, 2, True) for k in (0, 5, 10, 15, 20, 25, 27)),
    *((f"length_{n}", 0, n, 2, True) for n in (4, 8, 12, 16, 20, 23)),
    ("three_copies_15", 0, 15, 3, True),
    ("no_bos_20", 0, 20, 2, False),
)


def shifted_repeat_tokens(batch, prefix_len, n, d_vocab, generator, copies=2, bos=True):
    """(BOS) + prefix_len random tokens + copies x the same n random tokens: (batch, T) int64."""
    prefix = torch.randint(1, d_vocab, (batch, prefix_len), generator=generator)
    r = torch.randint(1, d_vocab, (batch, n), generator=generator)
    parts = [torch.zeros(batch, 1, dtype=torch.long)] if bos else []
    return torch.cat(parts + [prefix] + [r] * copies, dim=1)


def later_copies_loss(logits, tokens, prefix_len, n, bos=True):
    """Mean loss on the later copies of (BOS) + prefix_len random tokens + copies x r, |r| = n,
    except the second copy's first token (it cannot be known).

    The positions start where circuit_scores.repeated_half_positions starts (without BOS everything
    sits one position earlier) and run to the end, so with two copies after BOS this is exactly
    repeated_half_mean(per_token_loss(logits, tokens), n, prefix_len).
    """
    start = repeated_half_positions(n, prefix_len - (not bos)).start
    return per_token_loss(logits, tokens)[:, start:].mean()


def placement_losses(model, batch=BATCH, seed=0):
    """{name: loss on the later copies} for every placement in PLACEMENTS, on `batch` sequences each."""
    out = {}
    model.eval()
    with torch.no_grad():
        for i, (name, k, n, copies, bos) in enumerate(PLACEMENTS):
            g = torch.Generator().manual_seed(seed * 1000 + i)
            tokens = shifted_repeat_tokens(batch, k, n, model.cfg.d_vocab, g, copies, bos).to(model.device)
            out[name] = later_copies_loss(model(tokens), tokens, k, n, bos).item()
    return out


def prev_token_by_position(model, batch=256, seed=9):
    """Attention to position i - 1 from each query i = 1..n_ctx-1, for the best layer-0 head at each i.

    Measured on BOS + random tokens (no repeats), so it shows what the positional part of the
    previous-token heads does at each position: [float] of length n_ctx - 1.
    """
    T, d_vocab = model.cfg.n_ctx, model.cfg.d_vocab
    g = torch.Generator().manual_seed(seed)
    tokens = shifted_repeat_tokens(batch, T - 1, 0, d_vocab, g, copies=0).to(model.device)
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens, names_filter=lambda n: n == "blocks.0.attn.hook_pattern")
    pattern = cache["blocks.0.attn.hook_pattern"].mean(0)                     # (nh, T, T)
    return pattern.diagonal(offset=-1, dim1=-2, dim2=-1).max(0).values.tolist()


def placement_report(model) -> dict:
    """What tests/circuits/test_fixed_model.py pins: losses per placement and i -> i-1 attention per position."""
    return {"placement_losses": placement_losses(model), "prev_token_by_position": prev_token_by_position(model)}
