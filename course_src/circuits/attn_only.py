"""An attention-only transformer with TransformerLens-named hooks, small enough to train on a CPU.

Follows the setting of Elhage et al. (2021), "A Mathematical Framework for Transformer Circuits":
no MLPs, no LayerNorm, no biases, so every path from input to logits is a product of weight
matrices we can read. Parameter and hook names match TransformerLens (`embed.W_E`,
`blocks.0.attn.W_Q`, `blocks.0.attn.hook_pattern`, ...) so what you learn here carries over.

Shapes use TransformerLens conventions: W_Q, W_K, W_V are (n_heads, d_model, d_head), W_O is
(n_heads, d_head, d_model), W_E is (d_vocab, d_model), W_U is (d_model, d_vocab); activations are
row vectors, so a head reads `x @ W_Q[h]` and writes `z @ W_O[h]`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class AttnOnlyConfig:
    d_vocab: int = 64        # token 0 is BOS; tokens 1..63 are the random "words"
    n_ctx: int = 48          # longest sequence the positional embedding covers
    d_model: int = 64
    n_heads: int = 4
    d_head: int = 16
    n_layers: int = 2
    # No LayerNorm here, so initialise at unit scale: embeddings ~N(0, 1) and every matrix with
    # std 1/sqrt(fan_in), keeping residual entries, attention scores and logits all of order 1.
    seed: int = 0


BOS = 0


# ---------------------------------------------------------------- hooks (a tiny TransformerLens)

class HookPoint(nn.Module):
    """Identity layer that hooks can read or replace: `fn(activation, hook) -> new activation | None`."""

    def __init__(self):
        super().__init__()
        self.name = ""
        self.fns = []

    def forward(self, x):
        for fn in self.fns:
            out = fn(x, self)
            if out is not None:
                x = out
        return x


class HookedModule(nn.Module):
    """Adds `run_with_cache` and `run_with_hooks` to any module that contains HookPoints."""

    def hook_points(self) -> dict[str, HookPoint]:
        points = {name: m for name, m in self.named_modules() if isinstance(m, HookPoint)}
        for name, m in points.items():
            m.name = name
        return points

    def run_with_hooks(self, tokens, fwd_hooks=()):
        """Forward pass with `fwd_hooks = [(hook_name, fn), ...]` attached; hooks are removed afterwards."""
        points = self.hook_points()
        try:
            for name, fn in fwd_hooks:
                if name not in points:
                    raise KeyError(f"no hook point {name!r}; available: {', '.join(points)}")
                points[name].fns.append(fn)
            return self(tokens)
        finally:
            for p in points.values():
                p.fns.clear()

    def run_with_cache(self, tokens, names_filter=None):
        """Returns (logits, cache) where cache maps hook names to detached activations."""
        cache = {}

        def save(x, hook):
            cache[hook.name] = x.detach()

        names = [n for n in self.hook_points() if names_filter is None or names_filter(n)]
        logits = self.run_with_hooks(tokens, [(n, save) for n in names])
        return logits, cache


# ---------------------------------------------------------------- the model

class Embed(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.W_E = nn.Parameter(torch.randn(cfg.d_vocab, cfg.d_model))

    def forward(self, tokens):                      # (B, T) -> (B, T, d_model)
        return self.W_E[tokens]


class PosEmbed(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.W_pos = nn.Parameter(torch.randn(cfg.n_ctx, cfg.d_model))

    def forward(self, tokens):                      # (B, T) -> (B, T, d_model)
        B, T = tokens.shape
        return self.W_pos[:T].unsqueeze(0).expand(B, T, -1)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        nh, d, dh = cfg.n_heads, cfg.d_model, cfg.d_head
        self.W_Q = nn.Parameter(torch.randn(nh, d, dh) / math.sqrt(d))
        self.W_K = nn.Parameter(torch.randn(nh, d, dh) / math.sqrt(d))
        self.W_V = nn.Parameter(torch.randn(nh, d, dh) / math.sqrt(d))
        self.W_O = nn.Parameter(torch.randn(nh, dh, d) / math.sqrt(nh * dh))
        self.scale = 1 / math.sqrt(dh)
        self.hook_q, self.hook_k, self.hook_v = HookPoint(), HookPoint(), HookPoint()
        self.hook_attn_scores, self.hook_pattern = HookPoint(), HookPoint()
        self.hook_z, self.hook_result = HookPoint(), HookPoint()

    def forward(self, x):                           # x: (B, T, d_model)
        if not (self.hook_attn_scores.fns or self.hook_pattern.fns or self.hook_result.fns):
            return self.fused_forward(x)
        q = self.hook_q(torch.einsum("btd,hde->bthe", x, self.W_Q))   # (B, T, nh, dh)
        k = self.hook_k(torch.einsum("btd,hde->bthe", x, self.W_K))   # (B, T, nh, dh)
        v = self.hook_v(torch.einsum("btd,hde->bthe", x, self.W_V))   # (B, T, nh, dh)
        T = x.shape[1]
        scores = torch.einsum("bqhe,bkhe->bhqk", q, k) * self.scale   # (B, nh, Tq, Tk)
        causal = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        scores = self.hook_attn_scores(scores.masked_fill(~causal, float("-inf")))
        pattern = self.hook_pattern(scores.softmax(dim=-1))           # (B, nh, Tq, Tk)
        z = self.hook_z(torch.einsum("bhqk,bkhe->bqhe", pattern, v))  # (B, T, nh, dh)
        # Each head's write into the residual stream, kept separate so it can be read or ablated.
        result = self.hook_result(torch.einsum("bqhe,hed->bqhd", z, self.W_O))  # (B, T, nh, d_model)
        return result.sum(dim=2)                                      # (B, T, d_model)

    def fused_forward(self, x):
        """The same computation when no hook reads the scores, pattern or per-head results (training).

        One matmul for Q, K and V, PyTorch's fused attention (no (B, nh, T, T) tensors kept for
        backward) and one matmul for W_O: a training step takes about 30% less CPU time.
        hook_q, hook_k, hook_v and hook_z still run, so ablations on z take this path too.
        """
        B, T, d = x.shape
        nh, dh = self.W_Q.shape[0], self.W_Q.shape[2]
        W_QKV = torch.cat([self.W_Q, self.W_K, self.W_V]).transpose(0, 1).reshape(d, 3 * nh * dh)
        q, k, v = (x @ W_QKV).view(B, T, 3, nh, dh).unbind(2)                 # each (B, T, nh, dh)
        q, k, v = self.hook_q(q), self.hook_k(k), self.hook_v(v)
        z = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                           is_causal=True, scale=self.scale).transpose(1, 2)
        z = self.hook_z(z)                                                    # (B, T, nh, dh)
        return z.reshape(B, T, nh * dh) @ self.W_O.reshape(nh * dh, d)        # (B, T, d_model)


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attn = Attention(cfg)
        self.hook_resid_pre, self.hook_attn_out, self.hook_resid_post = HookPoint(), HookPoint(), HookPoint()

    def forward(self, resid):
        resid = self.hook_resid_pre(resid)
        # Reads from and writes back into the residual stream: resid_post = resid_pre + sum of heads.
        return self.hook_resid_post(resid + self.hook_attn_out(self.attn(resid)))


class Unembed(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.W_U = nn.Parameter(torch.randn(cfg.d_model, cfg.d_vocab) / math.sqrt(cfg.d_model))

    def forward(self, resid):                       # (B, T, d_model) -> (B, T, d_vocab)
        return resid @ self.W_U


class AttnOnlyTransformer(HookedModule):
    def __init__(self, cfg: AttnOnlyConfig):
        super().__init__()
        self.cfg = cfg
        torch.manual_seed(cfg.seed)
        self.embed, self.pos_embed, self.unembed = Embed(cfg), PosEmbed(cfg), Unembed(cfg)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.hook_embed, self.hook_pos_embed = HookPoint(), HookPoint()

    def forward(self, tokens):                      # tokens: (B, T) int64 -> logits (B, T, d_vocab)
        resid = self.hook_embed(self.embed(tokens)) + self.hook_pos_embed(self.pos_embed(tokens))
        for block in self.blocks:
            resid = block(resid)
        return self.unembed(resid)

    @property
    def device(self):
        """Where the model lives: data is generated on the CPU (seeded) and moved here."""
        return self.embed.W_E.device

    # Weight views the circuit chapters use (Elhage et al. 2021, section "Attention heads").
    def W_QK(self, layer, head):                    # (d_model, d_model): score = x_q W_QK x_k^T
        a = self.blocks[layer].attn
        return a.W_Q[head] @ a.W_K[head].T

    def W_OV(self, layer, head):                    # (d_model, d_model): write = x W_OV
        a = self.blocks[layer].attn
        return a.W_V[head] @ a.W_O[head]


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


def repeated_random_tokens(batch, half_len, d_vocab, generator):
    """The standard induction test: BOS, then half_len random tokens, then the same tokens again.

    Shape (batch, 1 + 2 * half_len). An induction head at position i of the second copy attends to
    position i - half_len + 1: the token after the previous occurrence of the current token.
    """
    half = torch.randint(1, d_vocab, (batch, half_len), generator=generator)
    bos = torch.full((batch, 1), BOS, dtype=torch.long)
    return torch.cat([bos, half, half], dim=1)


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


def train(model, tcfg: TrainConfig, log=print):
    """AdamW on repeated-segment data; returns a history of evaluations (list of dicts with 'step')."""
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
            history.append({"step": step, **evaluate(model, eval_tokens, tcfg.half_len)})
            if log:
                h = history[-1]
                log(f"step {step:5d}  repeated-half loss {h['repeated_loss']:.3f}  "
                    f"induction L{model.cfg.n_layers - 1} {h[f'induction_L{model.cfg.n_layers - 1}']:.2f}")
        if step == tcfg.steps:
            break
        tokens = repeated_segment_batch(tcfg.batch, tcfg.seq_len, model.cfg.d_vocab, gen).to(model.device)
        loss = per_token_loss(model(tokens), tokens).mean()
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
