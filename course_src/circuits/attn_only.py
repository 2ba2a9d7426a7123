"""An attention-only transformer with TransformerLens-named hooks, small enough to train on a CPU.

Follows the setting of Elhage et al. (2021), "A Mathematical Framework for Transformer Circuits":
no MLPs, no LayerNorm, no biases, so every path from input to logits is a product of weight
matrices we can read. Parameter and hook names match TransformerLens (`embed.W_E`,
`blocks.0.attn.W_Q`, `blocks.0.attn.hook_pattern`, ...) so what you learn here carries over.

Shapes use TransformerLens conventions: W_Q, W_K, W_V are (n_heads, d_model, d_head), W_O is
(n_heads, d_head, d_model), W_E is (d_vocab, d_model), W_U is (d_model, d_vocab); activations are
row vectors, so a head reads `x @ W_Q[h]` and writes `z @ W_O[h]`.

The hook points and `run_with_cache` / `run_with_hooks` come from hooks.py; the data, training
and measurements from induction.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from hooks import *  # course: inline


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
    seed: int = 0            # the same seed gives the same initial weights (a private generator)


class Embed(nn.Module):
    def __init__(self, cfg, generator=None):
        super().__init__()
        self.W_E = nn.Parameter(torch.randn(cfg.d_vocab, cfg.d_model, generator=generator))

    def forward(self, tokens):                      # (B, T) -> (B, T, d_model)
        return self.W_E[tokens]


class PosEmbed(nn.Module):
    def __init__(self, cfg, generator=None):
        super().__init__()
        self.W_pos = nn.Parameter(torch.randn(cfg.n_ctx, cfg.d_model, generator=generator))

    def forward(self, tokens):                      # (B, T) -> (B, T, d_model)
        B, T = tokens.shape
        return self.W_pos[:T].unsqueeze(0).expand(B, T, -1)


class Attention(nn.Module):
    def __init__(self, cfg, generator=None):
        super().__init__()
        nh, d, dh = cfg.n_heads, cfg.d_model, cfg.d_head
        self.W_Q = nn.Parameter(torch.randn(nh, d, dh, generator=generator) / math.sqrt(d))
        self.W_K = nn.Parameter(torch.randn(nh, d, dh, generator=generator) / math.sqrt(d))
        self.W_V = nn.Parameter(torch.randn(nh, d, dh, generator=generator) / math.sqrt(d))
        self.W_O = nn.Parameter(torch.randn(nh, dh, d, generator=generator) / math.sqrt(nh * dh))
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
    def __init__(self, cfg, generator=None):
        super().__init__()
        self.attn = Attention(cfg, generator)
        self.hook_resid_pre, self.hook_attn_out, self.hook_resid_post = HookPoint(), HookPoint(), HookPoint()

    def forward(self, resid):
        resid = self.hook_resid_pre(resid)
        # Reads from and writes back into the residual stream: resid_post = resid_pre + sum of heads.
        return self.hook_resid_post(resid + self.hook_attn_out(self.attn(resid)))


class Unembed(nn.Module):
    def __init__(self, cfg, generator=None):
        super().__init__()
        self.W_U = nn.Parameter(torch.randn(cfg.d_model, cfg.d_vocab, generator=generator) / math.sqrt(cfg.d_model))

    def forward(self, resid):                       # (B, T, d_model) -> (B, T, d_vocab)
        return resid @ self.W_U


class AttnOnlyTransformer(HookedModule):
    def __init__(self, cfg: AttnOnlyConfig):
        super().__init__()
        self.cfg = cfg
        # A private generator, not torch.manual_seed: building a model leaves the global random
        # state alone. Draw order (embed, pos_embed, unembed, then each block) fixes the weights.
        g = torch.Generator().manual_seed(cfg.seed)
        self.embed, self.pos_embed, self.unembed = Embed(cfg, g), PosEmbed(cfg, g), Unembed(cfg, g)
        self.blocks = nn.ModuleList(Block(cfg, g) for _ in range(cfg.n_layers))
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
