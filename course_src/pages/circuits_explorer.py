"""The circuits explorer: type a sequence of token ids, see what the 2-layer model does with it.

A block in docs/circuits/05-take-it-apart.md reads as a form (the governance calculators' pattern):

    from circuits_explorer import explore
    sequence = "0 12 40 7 33 12 40 7 33"     # token ids 0..63; 0 is BOS
    heads = "0.3 1.0"                         # whose attention patterns to draw
    explore(sequence, heads)

explore() prints the sequence and the model's guesses, plots the per-token loss, shows each head's
previous-token, induction and BOS scores on this text (definitions from circuit_scores.py), and draws
the chosen heads' attention patterns with the tokens as labels. It warns when the text is longer
than the model's context (48 positions) and is cut, and when it does not start with BOS. A bad
input stops with course.InputError, so the page shows one plain sentence.
"""

from __future__ import annotations

import re

from circuit_scores import induction_pairs_in, mean_attention, prev_token_pairs
from course import InputError, heatmap, lines, table
from tiny_transformer import forward, load_weights, losses

__all__ = ["parse_tokens", "parse_heads", "explore", "head_scores_on"]

_MODELS = {}


def _model(name: str):
    if name not in _MODELS:
        _MODELS[name] = load_weights(f"circuits/{name}.bin")
    return _MODELS[name]


def parse_tokens(text, d_vocab: int = 64) -> list[int]:
    """'0 12, 40 7' or a list of ints -> [0, 12, 40, 7]; anything else is an InputError that says why."""
    if isinstance(text, (list, tuple)):
        parts = [str(t) for t in text]
    else:
        parts = [p for p in re.split(r"[\s,]+", str(text).strip()) if p]
    if not parts:
        raise InputError("The sequence is empty: type token ids between 0 and 63, separated by spaces.")
    tokens = []
    for p in parts:
        if not re.fullmatch(r"\d+", p) or int(p) >= d_vocab:
            raise InputError(f"'{p}' is not a token id: use whole numbers from 0 to {d_vocab - 1} (0 is BOS).")
        tokens.append(int(p))
    return tokens


def parse_heads(text, n_layers: int = 2, n_heads: int = 4) -> list[tuple[int, int]]:
    """'0.3 1.0' -> [(0, 3), (1, 0)]."""
    heads = []
    for p in re.split(r"[\s,]+", str(text).strip()):
        m = re.fullmatch(r"(\d+)\.(\d+)", p)
        if not m or int(m[1]) >= n_layers or int(m[2]) >= n_heads:
            raise InputError(f"'{p}' is not a head: write layer.head, e.g. 0.3 or 1.0 (layers 0-{n_layers - 1}, "
                             f"heads 0-{n_heads - 1}).")
        heads.append((int(m[1]), int(m[2])))
    return heads


def head_scores_on(cfg: dict, cache: dict, tokens: list) -> list[list]:
    """Rows [head, previous-token score, induction score, BOS score] on this sequence. The induction
    score reads circuit_scores.induction_pairs_in(tokens) (None when no token repeats); the BOS score
    is the mean attention to position 0 from every query after it."""
    pairs = induction_pairs_in(tokens)
    rows = []
    for layer in range(cfg["n_layers"]):
        for head in range(cfg["n_heads"]):
            p = cache["pattern", layer, head]
            rows.append([f"{layer}.{head}", mean_attention(p, prev_token_pairs(len(tokens))),
                         mean_attention(p, pairs) if pairs else None,
                         mean_attention(p, [(i, 0) for i in range(1, len(tokens))])])
    return rows


def explore(sequence, heads="0.3 1.0", model: str = "attn2") -> dict:
    """Run `model` on `sequence` and show loss, guesses, scores and attention; returns what it showed."""
    cfg, W = _model(model)
    tokens = parse_tokens(sequence, cfg["d_vocab"])
    chosen = parse_heads(heads, cfg["n_layers"], cfg["n_heads"])
    if len(tokens) < 2:
        raise InputError("Give at least two tokens: the model predicts each next one.")
    if tokens[0] != 0:
        print("Note: the sequence does not start with BOS (0), as every training sequence did.")
    if len(tokens) > cfg["n_ctx"]:
        print(f"Warning: {len(tokens)} tokens is longer than the model's context of {cfg['n_ctx']} positions; "
              f"only the first {cfg['n_ctx']} are used, the last {len(tokens) - cfg['n_ctx']} are cut.")
        tokens = tokens[:cfg["n_ctx"]]
    logits, cache = forward(cfg, W, tokens)
    loss = losses(logits, tokens)
    guess = [max(range(cfg["d_vocab"]), key=row.__getitem__) for row in logits]
    hits = sum(g == t for g, t in zip(guess[:-1], tokens[1:], strict=True))  # the last guess has no target
    print(f"{len(tokens)} tokens; mean loss {sum(loss) / len(loss):.2f} nats; guessing uniformly gives 4.14")
    print(f"the model's top guess is the next token at {hits} of {len(loss)} positions")
    lines({"loss predicting the next token": loss}, x=list(range(len(loss))), x_label="position",
          y_label="nats", title="Per-token loss (position i predicts token i + 1)")
    table([[i, tokens[i], tokens[i + 1], guess[i], round(loss[i], 2)] for i in range(len(loss))],
          header=["position", "token", "next token", "model's guess", "loss"], title="Predictions")
    scores = head_scores_on(cfg, cache, tokens)
    table(scores, header=["head", "previous-token", "induction (after earlier copy)", "attention to BOS"],
          title="Scores of every head on this sequence")
    labels = [f"{i}:{t}" for i, t in enumerate(tokens)]
    for layer, head in chosen:
        heatmap(cache["pattern", layer, head], x_labels=labels, y_labels=labels,
                title=f"Head {layer}.{head}: row = query (position:token), column = key")
    return {"tokens": tokens, "loss": loss, "guess": guess, "scores": scores}
