"""The circuits track's attention-only transformer in standard-library Python, for runnable blocks.

    from tiny_transformer import load_weights, forward, losses, matmul, add, transpose

    cfg, W = load_weights("circuits/attn2.bin")        # the 2-layer model of section 4
    logits, cache = forward(cfg, W, tokens)            # (T, d_vocab), {("pattern", layer, head): (T, T), ...}

The model is the one of Elhage et al. (2021), "A Mathematical Framework for Transformer Circuits":
no MLPs, no LayerNorm, no biases. It is the PyTorch model of course_src/circuits/attn_only.py,
rewritten without numpy (it runs in the reader's browser under Pyodide); tests compare the two on
the shipped weights. Names and shapes follow TransformerLens: `W["blocks.0.attn.W_Q"][h]` is
(d_model, d_head), W_O[h] is (d_head, d_model), W_E is (d_vocab, d_model), W_U is (d_model, d_vocab),
and activations are rows, so a head reads `x @ W_Q[h]` and writes `z @ W_O[h]`. A matrix is a list of
rows (lists of floats). Section 5 (docs/circuits/05-take-it-apart.md) teaches `forward` line by line.
"""

from __future__ import annotations

import json
import math
import struct
import sys
from array import array
from operator import mul

from course import fetch_data

__all__ = ["reshape", "parse_weights", "load_weights", "matmul", "add", "transpose", "forward", "losses"]


# ---------------------------------------------------------------- weights

def reshape(values: list, shape) -> list:
    """Flat list -> nested lists of the given shape (row-major): reshape([1, 2, 3, 4], (2, 2)) == [[1, 2], [3, 4]]."""
    if len(shape) == 1:
        return values
    step = len(values) // shape[0]
    return [reshape(values[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def parse_weights(blob: bytes) -> tuple[dict, dict]:
    """(config, weights) from the bytes of a file written by course_src/circuits/export_weights.py.

    Layout: a 4-byte little-endian header length n, n bytes of JSON header
    {"config": {...}, "tensors": [{"name", "shape", "offset"}]} (offset in floats), then every tensor
    as little-endian float32, row-major. weights: name -> nested lists of Python floats.
    """
    (n,) = struct.unpack("<I", blob[:4])
    header = json.loads(blob[4:4 + n])
    flat = array("f")  # C float: float32 on every platform Pyodide and CPython run on
    flat.frombytes(blob[4 + n:])
    if sys.byteorder == "big":
        flat.byteswap()
    weights = {}
    for t in header["tensors"]:
        size = math.prod(t["shape"])
        weights[t["name"]] = reshape(flat[t["offset"]:t["offset"] + size].tolist(), t["shape"])
    return header["config"], weights


def load_weights(path: str) -> tuple[dict, dict]:
    """(config, weights) of a model shipped under docs/assets/data, e.g. load_weights("circuits/attn2.bin")."""
    return parse_weights(fetch_data(path))


# ---------------------------------------------------------------- matrices as lists of rows

def matmul(A: list, B: list) -> list:
    """(n, k) @ (k, m) -> (n, m)."""
    cols = list(zip(*B, strict=True))  # B's columns, once, so each entry is one dot product of two sequences
    return [[sum(map(mul, row, col)) for col in cols] for row in A]


def add(A: list, B: list) -> list:
    """Entrywise A + B, both (n, m)."""
    return [[a + b for a, b in zip(ra, rb, strict=True)] for ra, rb in zip(A, B, strict=True)]


def transpose(A: list) -> list:
    """(n, m) -> (m, n)."""
    return [list(col) for col in zip(*A, strict=True)]


# ---------------------------------------------------------------- the model

def forward(cfg: dict, W: dict, tokens: list, ablate=(), replace=None, read=None) -> tuple[list, dict]:
    """Logits (T, d_vocab) of `tokens` and a cache of every head's pattern and output.

    cache["embed"]: (T, d_model), the residual stream before layer 0;
    cache["resid_pre", layer]: (T, d_model), the residual stream a layer reads (hook_resid_pre);
    cache["pattern", layer, head]: (T, T), row i = where position i attends (TransformerLens'
    blocks.{layer}.attn.hook_pattern); cache["result", layer, head]: (T, d_model), what the head
    writes into the residual stream (hook_result), before any `replace`.
    Interventions (circuits_causal.py builds them):
    ablate: (layer, head) pairs whose output is left out of the residual stream (zero-ablation);
    their pattern and result are still cached.
    replace: {(layer, head): rows}: the head writes rows[i] at position i instead of its own output
    (mean-ablation, activation patching); a row that is None keeps the head's own.
    read: {(layer, head, "q" | "k" | "v"): resid}: that input of the head is computed from `resid`
    (T, d_model) instead of the real residual stream (path ablation and path patching).
    """
    replace, read = replace or {}, read or {}
    T, scale = len(tokens), 1 / math.sqrt(cfg["d_head"])  # scores are q.k / sqrt(d_head) (Vaswani et al., 2017)
    # x0 = W_E[t_i] + W_pos[i]: the residual stream starts as token plus position embedding
    resid = [[e + p for e, p in zip(W["embed.W_E"][tok], W["pos_embed.W_pos"][i], strict=True)]
             for i, tok in enumerate(tokens)]                                       # (T, d_model)
    cache = {"embed": resid}
    for layer in range(cfg["n_layers"]):
        attn = f"blocks.{layer}.attn."
        cache["resid_pre", layer] = resid
        attn_out = [[0.0] * cfg["d_model"] for _ in range(T)]                      # (T, d_model)
        for h in range(cfg["n_heads"]):
            q, k, v = (matmul(read.get((layer, h, x.lower()), resid), W[attn + "W_" + x][h])
                       for x in "QKV")                                              # each (T, d_head)
            pattern = []
            for i in range(T):
                scores = [sum(map(mul, q[i], k[j])) * scale for j in range(i + 1)]  # causal: keys j <= i
                top = max(scores)                                                   # softmax, stably
                e = [math.exp(s - top) for s in scores]
                total = sum(e)
                pattern.append([x / total for x in e] + [0.0] * (T - 1 - i))
            out = matmul(matmul(pattern, v), W[attn + "W_O"][h])                    # z @ W_O: (T, d_model)
            cache["pattern", layer, h], cache["result", layer, h] = pattern, out
            if (layer, h) in replace:
                out = [own if new is None else new for own, new in zip(out, replace[layer, h], strict=True)]
            if (layer, h) not in ablate:
                attn_out = add(attn_out, out)
        resid = add(resid, attn_out)  # x_{l+1} = x_l + sum_h head_{l,h}(x_l): heads add, never overwrite
    return matmul(resid, W["unembed.W_U"]), cache                                   # (T, d_vocab)


def losses(logits: list, tokens: list) -> list:
    """Cross-entropy (nats) of predicting tokens[i + 1] from position i: T - 1 values."""
    out = []
    for i in range(len(tokens) - 1):
        top = max(logits[i])
        log_total = top + math.log(sum(math.exp(x - top) for x in logits[i]))  # log-sum-exp, stably
        out.append(log_total - logits[i][tokens[i + 1]])
    return out
