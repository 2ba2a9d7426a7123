"""Zero- and one-layer attention-only models trained on the synthetic language of text_grammar.py.

The zero-layer model's logits are (W_E[t] + W_pos[i]) W_U: a bigram table W_E W_U plus a bias per
position. The one-layer model has a single head, so every skip-trigram it learns shares that
head's one QK circuit (which earlier token to attend to) and one OV circuit (what attending to it
predicts): the Framework's "skip-trigram bugs" follow (Elhage et al. 2021).
"""

from __future__ import annotations

import math

import torch
from attn_only import AttnOnlyConfig, AttnOnlyTransformer
from scores import per_token_loss
from text_grammar import ID, VOCAB, encode, text_batch

SEQ_LEN = 24
# The same sentence with "keeps" or "sees": only "keeps ... in/at" is ever followed by "mind"/"bay".
PROBES = ("the dog keeps the cat in", "the dog keeps the cat at", "the dog sees the cat in", "the dog sees the cat at")
CONFIGS = {
    0: AttnOnlyConfig(d_vocab=len(VOCAB), n_ctx=SEQ_LEN, d_model=32, n_heads=1, d_head=16, n_layers=0),
    1: AttnOnlyConfig(d_vocab=len(VOCAB), n_ctx=SEQ_LEN, d_model=32, n_heads=1, d_head=16, n_layers=1),
}


def train_text_model(n_layers: int, steps: int = 1500, batch: int = 64, lr: float = 3e-3, seed: int = 0, log=None):
    """AdamW on text_batch; returns (model in eval mode, [(step, training loss)] every 100 steps)."""
    model = AttnOnlyTransformer(CONFIGS[n_layers])
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    curve = []
    for step in range(steps):
        tokens = text_batch(batch, SEQ_LEN, gen)
        loss = per_token_loss(model(tokens), tokens).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 100 == 0 or step == steps - 1:
            curve.append((step, loss.item()))
            if log:
                log(f"{n_layers} layers, step {step}: loss {loss.item():.3f}")
    return model.eval(), curve


def bigram_table(model) -> torch.Tensor:
    """W_E W_U: (d_vocab, d_vocab), row = current token, column = the logit it gives the next token."""
    with torch.no_grad():
        return model.embed.W_E @ model.unembed.W_U


def full_qk(model, layer=0, head=0) -> torch.Tensor:
    """W_E W_QK W_E^T: row = query token, column = key token, entry = attention score (unscaled)."""
    with torch.no_grad():
        return model.embed.W_E @ model.W_QK(layer, head) @ model.embed.W_E.T


def full_ov(model, layer=0, head=0) -> torch.Tensor:
    """W_E W_OV W_U: row = attended-to token, column = the logit it raises."""
    with torch.no_grad():
        return model.embed.W_E @ model.W_OV(layer, head) @ model.unembed.W_U


def next_token_probs(model, text: str) -> dict[str, float]:
    """The model's distribution over the token after `text` (words of VOCAB), as {word: p}."""
    tokens = torch.tensor([encode(text)])
    with torch.no_grad():
        p = model(tokens)[0, -1].softmax(-1)
    return {w: p[i].item() for i, w in enumerate(VOCAB)}


def top(row: torch.Tensor, k: int = 3) -> list[str]:
    return [VOCAB[i] for i in row.topk(k).indices.tolist()]


def measure(model0, model1) -> dict:
    """What the chapter quotes: the bigram table's top predictions, the head's skip-trigrams, the bug."""
    bigrams = bigram_table(model0)
    qk, ov = full_qk(model1), full_ov(model1)
    probes = {text: next_token_probs(model1, text) for text in PROBES}
    ov_keeps = ov[ID["keeps"]]
    direct = bigram_table(model1)                  # the one-layer model's own direct path
    return {
        "vocab": VOCAB,
        "ov_keeps_centred": {w: (ov_keeps[ID[w]] - ov_keeps.mean()).item() for w in VOCAB},
        "bigram_top": {w: top(bigrams[ID[w]]) for w in VOCAB},
        "qk_top_key": {w: top(qk[ID[w]], 1)[0] for w in ("in", "at", "the", "keeps")},
        "ov_top": {w: top(ov[ID[w]]) for w in ("keeps", "the", "dog")},
        # how much the direct path of "in" ("at") prefers "mind" to "bay" ("bay" to "mind"), in logits
        "direct_margin": {"in": (direct[ID["in"], ID["mind"]] - direct[ID["in"], ID["bay"]]).item(),
                          "at": (direct[ID["at"], ID["bay"]] - direct[ID["at"], ID["mind"]]).item()},
        "probes": {t: {w: p[w] for w in ("mind", "bay", "the")} for t, p in probes.items()},
        # the bug: how many times (log10) "keeps" raises the completion that never follows
        "bug_log10_ratio": {
            "in_bay": math.log10(probes[PROBES[0]]["bay"] / probes[PROBES[2]]["bay"]),
            "at_mind": math.log10(probes[PROBES[1]]["mind"] / probes[PROBES[3]]["mind"])},
    }
