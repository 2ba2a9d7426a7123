"""Induction heads in the attention-only model: the data, training, and the measurements on it.

Data where induction must form (Olsson et al. 2022, "In-context Learning and Induction Heads"),
the periodic data that keeps the circuit working up to the end of the context (the fixed model,
export_weights.py), AdamW training with evaluations that track the phase change, and per-head
measurements: induction and previous-token scores, ablations through `hook_z`, composition and
copying scores (Elhage et al. 2021). The functions take any model with the attributes of `AttnOnlyTransformer`
(attn_only.py): `cfg`, `run_with_cache`, `run_with_hooks`, `W_QK`, `W_OV`, `embed`, `unembed`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch
from scores import *  # course: inline

BOS = 0  # token 0 begins every sequence; tokens 1..d_vocab-1 are the random "words"


# ---------------------------------------------------------------- data where induction must form

def repeated_segment_batch(batch, seq_len, d_vocab, generator, min_len=4, max_len=16):
    """Random tokens after BOS, in which random earlier segments occur again.

    Each sequence is built left to right from chunks of min_len..max_len tokens: a chunk is either
    fresh random tokens or a copy of an earlier segment of the same sequence, starting anywhere
    before. Lengths and offsets vary, so the only way to predict a copy is to find the earlier
    occurrence of the current token and read what followed it: [A][B] ... [A] -> [B]. That is
    induction. Returns tokens (batch, seq_len) int64.
    """
    # Plain Python randomness, seeded from the torch generator: cheaper than tensor ops per chunk.
    rng = random.Random(int(torch.randint(2**31, (1,), generator=generator)))
    rows = []
    for _ in range(batch):
        seq = [BOS]
        while len(seq) < seq_len:
            L = rng.randint(min_len, max_len)
            if rng.random() < 0.5 and len(seq) - 1 >= L:  # copy an earlier segment (never BOS)
                start = rng.randint(1, len(seq) - L)
                seq += seq[start:start + L]
            else:
                seq += [rng.randrange(1, d_vocab) for _ in range(L)]
        rows.append(seq[:seq_len])
    return torch.tensor(rows)


def periodic_batch(batch, seq_len, d_vocab, generator, min_len=3, max_len=16):
    """BOS, k random tokens, then a random block of n tokens repeated up to the end of the sequence.

    n is min_len..max_len and k is 0..seq_len - 1 - 2n (at least two copies fit), so the repeat
    starts anywhere and every position from its second copy on, late ones included, is predicted
    by induction. Returns tokens (batch, seq_len) int64.
    """
    rng = random.Random(int(torch.randint(2**31, (1,), generator=generator)))
    rows = []
    for _ in range(batch):
        n = rng.randint(min_len, max_len)
        seq = [BOS] + [rng.randrange(1, d_vocab) for _ in range(rng.randint(0, seq_len - 1 - 2 * n) + n)]
        while len(seq) < seq_len:
            seq.append(seq[-n])
        rows.append(seq)
    return torch.tensor(rows)


def segments_and_periodic_batch(batch, seq_len, d_vocab, generator):
    """Half repeated_segment_batch, half periodic_batch: the fixed model's training data."""
    half = batch // 2
    return torch.cat([repeated_segment_batch(half, seq_len, d_vocab, generator),
                      periodic_batch(batch - half, seq_len, d_vocab, generator)])


DATA = {"segments": repeated_segment_batch, "segments+periodic": segments_and_periodic_batch}


def repeated_random_tokens(batch, half_len, d_vocab, generator):
    """The standard induction test: BOS, then half_len random tokens, then the same tokens again.

    Shape (batch, 1 + 2 * half_len). An induction head at position i of the second copy attends to
    position i - half_len + 1: the token after the previous occurrence of the current token.
    """
    half = torch.randint(1, d_vocab, (batch, half_len), generator=generator)
    bos = torch.full((batch, 1), BOS, dtype=torch.long)
    return torch.cat([bos, half, half], dim=1)


# ---------------------------------------------------------------- training

@dataclass
class TrainConfig:
    steps: int = 2000
    batch: int = 64
    seq_len: int = 48
    lr: float = 3e-3
    weight_decay: float = 0.01
    eval_every: int = 100
    half_len: int = 20           # eval sequences: BOS + 20 random tokens + the same 20
    seed: int = 0
    data: str = "segments"       # a key of DATA: the training batches' generator


def evaluate(model, eval_tokens, half_len):
    """Repeated-half loss and the best head's induction and previous-token score in each layer."""
    model.eval()
    eval_tokens = eval_tokens.to(model.device)
    with torch.no_grad():
        logits, cache = model.run_with_cache(eval_tokens, names_filter=lambda n: n.endswith("hook_pattern"))
    model.train()
    out = {"repeated_loss": repeated_half_loss(logits, eval_tokens, half_len).item()}
    for layer in range(model.cfg.n_layers):
        pattern = cache[f"blocks.{layer}.attn.hook_pattern"].mean(0)  # (nh, T, T)
        out[f"induction_L{layer}"] = induction_score(pattern, half_len).max().item()
        out[f"prev_token_L{layer}"] = prev_token_score(pattern).max().item()
    return out


def train(model, tcfg: TrainConfig, log=print, measure=None, step_losses=None):
    """AdamW on tcfg.data's batches; returns a history of evaluations (list of dicts with 'step').

    measure(model) -> dict, if given, adds its entries to every evaluation; step_losses, a list if
    given, receives the training loss of every step (the batch's mean loss before the update).
    """
    gen = torch.Generator().manual_seed(tcfg.seed)
    eval_tokens = repeated_random_tokens(256, tcfg.half_len, model.cfg.d_vocab, torch.Generator().manual_seed(1234))
    opt = torch.optim.AdamW(model.parameters(), lr=tcfg.lr, weight_decay=tcfg.weight_decay)
    # Full rate for the first 2/3 (the phase change needs it), then linear decay to 10% so the loss
    # settles instead of bouncing.
    decay_from = 2 * tcfg.steps // 3
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 1.0 if s < decay_from else max(0.1, 1 - 0.9 * (s - decay_from) / (tcfg.steps - decay_from)))
    history = []
    for step in range(tcfg.steps + 1):
        if step % tcfg.eval_every == 0 or step == tcfg.steps:
            history.append({"step": step, **evaluate(model, eval_tokens, tcfg.half_len),
                            **(measure(model) if measure else {})})
            if log:
                h = history[-1]
                log(f"step {step:5d}  repeated-half loss {h['repeated_loss']:.3f}  "
                    f"induction L{model.cfg.n_layers - 1} {h[f'induction_L{model.cfg.n_layers - 1}']:.2f}")
        if step == tcfg.steps:
            break
        tokens = DATA[tcfg.data](tcfg.batch, tcfg.seq_len, model.cfg.d_vocab, gen).to(model.device)
        loss = per_token_loss(model(tokens), tokens).mean()
        if step_losses is not None:
            step_losses.append(loss.item())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    return history


def phase_change_step(history, threshold=None):
    """First evaluated step where the repeated-half loss has fallen below `threshold`.

    Default threshold: halfway (in loss) between the start and the end of training. None if never.
    """
    first, last = history[0]["repeated_loss"], history[-1]["repeated_loss"]
    threshold = (first + last) / 2 if threshold is None else threshold
    return next((h["step"] for h in history if h["repeated_loss"] < threshold), None)


# ---------------------------------------------------------------- measurements for chapter 5

def head_scores(model, tokens, half_len):
    """Per-head induction and previous-token scores on repeated random tokens.

    Returns two lists of lists, [layer][head] -> float, averaged over the batch.
    """
    tokens = tokens.to(model.device)
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens, names_filter=lambda n: n.endswith("hook_pattern"))
    induction, prev = [], []
    for layer in range(model.cfg.n_layers):
        pattern = cache[f"blocks.{layer}.attn.hook_pattern"].mean(0)      # (nh, T, T)
        induction.append(induction_score(pattern, half_len).tolist())
        prev.append(prev_token_score(pattern).tolist())
    return induction, prev


def ablate_head_hook(head, mean_over=None):
    """A hook on hook_z that zero-ablates one head, or mean-ablates it with `mean_over`'s z (B, T, nh, dh)."""
    def hook(z, hook):
        z = z.clone()
        if mean_over is None:
            z[:, :, head] = 0.0
        else:  # the head's average output (over batch and positions) on reference data
            z[:, :, head] = mean_over[:, :, head].mean(dim=(0, 1))
        return z
    return hook


def ablated_loss(model, tokens, half_len, heads, kind="zero"):
    """Repeated-half loss with several heads, [(layer, head), ...], ablated together."""
    tokens = tokens.to(model.device)
    with torch.no_grad():
        _, cache = model.run_with_cache(tokens, names_filter=lambda n: n.endswith("hook_z"))
        hooks = []
        for layer, head in heads:
            name = f"blocks.{layer}.attn.hook_z"
            hooks.append((name, ablate_head_hook(head, cache[name] if kind == "mean" else None)))
        return repeated_half_loss(model.run_with_hooks(tokens, hooks), tokens, half_len).item()


def heads_above(scores, layer, threshold=0.3):
    """[(layer, head), ...] of the heads in `layer` whose score (from head_scores) exceeds threshold."""
    return [(layer, h) for h, s in enumerate(scores[layer]) if s > threshold]


def ablation_losses(model, tokens, half_len, kind="zero"):
    """Repeated-half loss with each head ablated in turn: [layer][head] -> float; plus the clean loss."""
    tokens = tokens.to(model.device)
    with torch.no_grad():
        clean_logits, cache = model.run_with_cache(tokens, names_filter=lambda n: n.endswith("hook_z"))
        clean = repeated_half_loss(clean_logits, tokens, half_len).item()
        losses = []
        for layer in range(model.cfg.n_layers):
            row = []
            for head in range(model.cfg.n_heads):
                name = f"blocks.{layer}.attn.hook_z"
                mean_over = cache[name] if kind == "mean" else None
                logits = model.run_with_hooks(tokens, [(name, ablate_head_hook(head, mean_over))])
                row.append(repeated_half_loss(logits, tokens, half_len).item())
            losses.append(row)
    return clean, losses


def composition_scores(model, kind="K"):
    """[head in layer 0][head in layer 1] composition scores of the given kind ('Q', 'K' or 'V')."""
    with torch.no_grad():
        out = []
        for a in range(model.cfg.n_heads):
            W_A = model.W_OV(0, a)
            row = []
            for b in range(model.cfg.n_heads):
                W_B = {"Q": model.W_QK(1, b), "K": model.W_QK(1, b).T, "V": model.W_OV(1, b)}[kind]
                row.append(composition_score(W_A, W_B).item())
            out.append(row)
    return out


def full_ov_circuit(model, layer, head):
    """W_E W_OV W_U: (d_vocab, d_vocab), row = attended-to token, column = logit it raises."""
    with torch.no_grad():
        return model.embed.W_E @ model.W_OV(layer, head) @ model.unembed.W_U
