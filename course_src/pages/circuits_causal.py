"""Causal tools for the circuits chapters: change one part of a forward pass and measure the loss.

    from tiny_transformer import load_weights, forward
    from circuits_causal import *

    cfg, W = load_weights("circuits/attn2.bin")
    tokens = repeat_sequence(10, prefix=0, seed=0)          # BOS + 10 random + the same 10
    where = loss_positions(10)                              # the positions whose loss counts
    means = head_means(cfg, W, training_sequences(16))      # per-position mean output of each head
    loss(cfg, W, tokens, where, replace=mean_ablation(means, [(0, 0)], len(tokens)))
    loss(cfg, W, tokens, where, read=path_ablation(cfg, W, tokens, [(0, 0)], into="q"))
    patching_table(cfg, W, clean, corrupt, where)           # (head, position) -> loss change
    order_losses(cfg, W, tokens, where)                     # term importance by path order

All interventions go through tiny_transformer.forward's `ablate`, `replace` and `read` arguments, so
each tool is a few lines on top of the one forward pass. The scores and loss positions come from
circuit_scores.py (the definitions the torch code uses). Used by docs/circuits/05-take-it-apart.md;
the audit chapter may import any name in __all__.
"""

from __future__ import annotations

import random

from circuit_scores import repeated_half_positions
from tiny_transformer import add, forward, losses, matmul

__all__ = ["BOS", "repeat_sequence", "training_sequences", "loss_positions", "loss", "head_means",
           "mean_ablation", "path_ablation", "patching_table", "order_losses", "HEADS"]

BOS = 0
HEADS = [(layer, head) for layer in range(2) for head in range(4)]  # the shipped 2-layer model's heads, in order


# ---------------------------------------------------------------- data

def repeat_sequence(half_len: int, prefix: int = 0, seed: int = 0, d_vocab: int = 64) -> list[int]:
    """BOS, `prefix` random tokens, then `half_len` random tokens twice: a repeat that starts late
    when prefix > 0 (the shifted repeats of section 5)."""
    rng = random.Random(seed)
    before = [rng.randrange(1, d_vocab) for _ in range(prefix)]
    copy = [rng.randrange(1, d_vocab) for _ in range(half_len)]
    return [BOS] + before + copy + copy


def training_sequences(count: int, seq_len: int = 48, seed: int = 0, d_vocab: int = 64,
                       min_len: int = 4, max_len: int = 16) -> list[list[int]]:
    """Sequences like the training data (course_src/circuits/induction.py, repeated_segment_batch):
    chunks of min_len..max_len tokens, each fresh random tokens or, with probability 1/2, a copy of
    an earlier segment. The reference distribution for mean-ablation."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        seq = [BOS]
        while len(seq) < seq_len:
            L = rng.randint(min_len, max_len)
            if rng.random() < 0.5 and len(seq) - 1 >= L:
                start = rng.randint(1, len(seq) - L)
                seq += seq[start:start + L]
            else:
                seq += [rng.randrange(1, d_vocab) for _ in range(L)]
        out.append(seq[:seq_len])
    return out


def loss_positions(half_len: int, prefix: int = 0) -> range:
    """Where the second copy's loss is read: circuit_scores.repeated_half_positions."""
    return repeated_half_positions(half_len, prefix)


def loss(cfg: dict, W: dict, tokens: list, positions, **interventions) -> float:
    """Mean loss (nats) at `positions` of one forward pass with tiny_transformer.forward's interventions."""
    per_token = losses(forward(cfg, W, tokens, **interventions)[0], tokens)
    return sum(per_token[t] for t in positions) / len(positions)


# ---------------------------------------------------------------- mean-ablation

def head_means(cfg: dict, W: dict, sequences: list[list[int]]) -> dict:
    """{(layer, head): rows}: each head's output averaged over `sequences`, separately at each position
    (a model with learned position embeddings writes different offsets at different positions)."""
    T = min(len(s) for s in sequences)
    sums = {}
    for tokens in sequences:
        _, cache = forward(cfg, W, tokens[:T])
        for layer in range(cfg["n_layers"]):
            for head in range(cfg["n_heads"]):
                out = cache["result", layer, head]
                sums[layer, head] = add(sums[layer, head], out) if (layer, head) in sums else out
    return {key: [[x / len(sequences) for x in row] for row in rows] for key, rows in sums.items()}


def mean_ablation(means: dict, heads, T: int, per_position: bool = True) -> dict:
    """forward(replace=...) that sets each head in `heads` to its mean output: per position, or (with
    per_position=False) one vector averaged over positions too, as a global mean-ablation does."""
    out = {}
    for key in heads:
        rows = means[key][:T]
        if not per_position:
            flat = [sum(col) / len(rows) for col in zip(*rows, strict=True)]
            rows = [flat] * T
        out[tuple(key)] = rows
    return out


# ---------------------------------------------------------------- path ablation

def path_ablation(cfg: dict, W: dict, tokens: list, heads, into: str, layer: int = 1) -> dict:
    """forward(read=...) that removes the paths from `heads` (earlier layers) into the `into` input
    ('q', 'k' or 'v') of every head in `layer`: that input reads the residual stream minus those
    heads' outputs, while everything else (the other inputs, the outputs) sees the full stream.
    E.g. heads=[(0, 0)], into="q": layer-1 queries no longer see head 0.0 (Q-composition from 0.0)."""
    _, cache = forward(cfg, W, tokens)
    resid = cache["resid_pre", layer]
    for key in heads:
        out = cache["result", key[0], key[1]]
        resid = [[r - x for r, x in zip(row, o, strict=True)] for row, o in zip(resid, out, strict=True)]
    return {(layer, head, into): resid for head in range(cfg["n_heads"])}


# ---------------------------------------------------------------- activation patching

def patching_table(cfg: dict, W: dict, target: list, source: list, positions, heads=None) -> list[list[float]]:
    """[head][position p]: loss at `positions` of the `target` run with one head's output at position p
    taken from the `source` run, minus the target run's own loss (activation patching, one head and
    one position at a time). target = clean, source = corrupted asks "which parts are needed";
    swapped, "which parts suffice". A last-layer head at p changes only the logits at p, so its
    effect is computed without another forward pass: logits[p] += (source - target output)[p] @ W_U.
    heads: (layer, head) pairs, one row each; default every head of the model, layer by layer.
    """
    if heads is None:
        heads = [(layer, head) for layer in range(cfg["n_layers"]) for head in range(cfg["n_heads"])]
    target_logits, target_cache = forward(cfg, W, target)
    _, source_cache = forward(cfg, W, source)
    base = losses(target_logits, target)
    clean = sum(base[t] for t in positions) / len(positions)
    last = cfg["n_layers"] - 1
    table = []
    for key in heads:
        ours, theirs = target_cache["result", key[0], key[1]], source_cache["result", key[0], key[1]]
        row = []
        for p in range(len(target)):
            if key[0] == last:
                delta = matmul([[s - o for s, o in zip(theirs[p], ours[p], strict=True)]], W["unembed.W_U"])[0]
                logits = target_logits[:p] + [[x + d for x, d in zip(target_logits[p], delta, strict=True)]] + \
                    target_logits[p + 1:]
                per_token = losses(logits, target)
            else:
                rows = [theirs[p] if i == p else None for i in range(len(target))]
                per_token = losses(forward(cfg, W, target, replace={tuple(key): rows})[0], target)
            row.append(sum(per_token[t] for t in positions) / len(positions) - clean)
        table.append(row)
    return table


# ---------------------------------------------------------------- term importance by path order

def order_losses(cfg: dict, W: dict, tokens: list, positions) -> list[tuple[str, float]]:
    """Loss at `positions` keeping the paths up to each order, with every attention pattern frozen at
    its value in the full model (Elhage et al. 2021, "term importance"). With patterns fixed, the
    logits are a sum of paths: order 0 the direct path x W_U; order 1 one head's OV (layer 0, or
    layer 1 reading the embeddings); order 2 a layer-1 head reading a layer-0 head (a virtual head,
    V-composition). Q- and K-composition act through the frozen patterns, not through these terms.
    The last row keeps every path, so it equals the model's own loss."""
    _, cache = forward(cfg, W, tokens)
    x0 = cache["embed"]

    def through(layer, head, x):  # pattern @ x @ W_V @ W_O: the head's OV applied to stream x
        a = f"blocks.{layer}.attn."
        return matmul(matmul(matmul(cache["pattern", layer, head], x), W[a + "W_V"][head]), W[a + "W_O"][head])

    layer0 = [cache["result", 0, h] for h in range(cfg["n_heads"])]
    sum0 = layer0[0]
    for out in layer0[1:]:
        sum0 = add(sum0, out)
    layer1_direct = [through(1, h, x0) for h in range(cfg["n_heads"])]
    virtual = [through(1, h, sum0) for h in range(cfg["n_heads"])]

    def mean_loss(resid):
        per_token = losses(matmul(resid, W["unembed.W_U"]), tokens)
        return sum(per_token[t] for t in positions) / len(positions)

    rows, resid = [], x0
    rows.append(("order 0: direct path (embeddings -> unembedding)", mean_loss(resid)))
    resid = add(resid, sum0)
    rows.append(("+ order 1: layer-0 heads", mean_loss(resid)))
    for out in layer1_direct:
        resid = add(resid, out)
    rows.append(("+ order 1: layer-1 heads reading the embeddings", mean_loss(resid)))
    for out in virtual:
        resid = add(resid, out)
    rows.append(("+ order 2: layer-1 heads reading layer-0 heads (virtual heads)", mean_loss(resid)))
    return rows
