"""GPT-2 in one file, top to bottom: config -> attention -> MLP -> block -> model.

The architecture is the one in "Language Models are Unsupervised Multitask Learners" (Radford et
al., 2019), which is the GPT-1 decoder (Radford et al., 2018) with LayerNorm moved to the input of
each sub-block, an extra LayerNorm after the last block, and residual weights scaled at init.
Parameter names match OpenAI's checkpoint as Hugging Face `transformers` stores it
(`transformer.h.0.attn.c_attn.weight`, ...), so loading the real weights is a copy, not a rename.

Shapes: B batch, T time (sequence length), C channels (n_embd), nh heads, hs head size (C // nh),
V vocabulary size.
"""

import math
from dataclasses import dataclass, replace

import torch
import torch.nn as nn
from torch.nn import functional as F

# ----------------------------------------------------------------------------------------------
# Configuration


@dataclass(frozen=True)
class GPTConfig:
    block_size: int = 1024  # longest context; GPT-2 learned one position vector per slot
    vocab_size: int = 50257  # r50k_base: 50,000 BPE merges + 256 bytes + <|endoftext|>
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0  # GPT-1 used 0.1; pretraining on plentiful data usually uses none
    bias: bool = True  # GPT-2 has biases in every Linear and LayerNorm
    layer_norm_eps: float = 1e-5
    attention: str = "sdpa"  # "sdpa" (fused kernels, flash on GPU) or "manual" (readable, inspectable)

    @classmethod
    def from_preset(cls, name, **overrides):
        """A named size (see PRESETS) with optional field overrides, e.g. vocab_size=50304."""
        if name not in PRESETS:
            raise KeyError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
        return replace(cls(**PRESETS[name]), **overrides)

    @classmethod
    def from_hf_config(cls, hf_config, **overrides):
        """The GPTConfig equivalent to a `transformers.GPT2Config`."""
        if hf_config.activation_function not in ("gelu_new", "gelu_pytorch_tanh"):
            raise ValueError(f"GPT-2 uses the tanh GELU; this config has {hf_config.activation_function!r}")
        fields = dict(
            block_size=hf_config.n_positions,
            vocab_size=hf_config.vocab_size,
            n_layer=hf_config.n_layer,
            n_head=hf_config.n_head,
            n_embd=hf_config.n_embd,
            layer_norm_eps=hf_config.layer_norm_epsilon,
        )
        return cls(**{**fields, **overrides})


# The four released GPT-2 sizes (Radford et al., 2019, Table 2, which lists them as 117M, 345M,
# 762M and 1542M; count_params on these configs gives 124.4M, 354.8M, 774.0M and 1557.6M),
# and tiny ones for CPU smoke runs and tests.
PRESETS = {
    "gpt2": dict(n_layer=12, n_head=12, n_embd=768),
    "gpt2-medium": dict(n_layer=24, n_head=16, n_embd=1024),
    "gpt2-large": dict(n_layer=36, n_head=20, n_embd=1280),
    "gpt2-xl": dict(n_layer=48, n_head=25, n_embd=1600),
    "tiny": dict(n_layer=2, n_head=4, n_embd=64, block_size=128),
    "micro": dict(n_layer=1, n_head=2, n_embd=32, block_size=32),
}


def count_params(config, tied_embeddings=True):
    """Number of parameters of GPT(config), from the config alone (nothing is allocated)."""
    C, L, b = config.n_embd, config.n_layer, int(config.bias)
    embeddings = config.vocab_size * C + config.block_size * C  # wte + wpe
    attention = C * 3 * C + b * 3 * C + C * C + b * C  # c_attn (q, k, v together) + c_proj
    mlp = C * 4 * C + b * 4 * C + 4 * C * C + b * C  # c_fc (expand x4) + c_proj
    layer_norms = 2 * (C + b * C)  # ln_1 and ln_2: a gain and a bias each
    final_norm = C + b * C
    lm_head = 0 if tied_embeddings else config.vocab_size * C
    return embeddings + L * (attention + mlp + layer_norms) + final_norm + lm_head


def flops_per_token(config, seq_len):
    """Training FLOPs per token: 6N + 12 L H Q T (Chowdhery et al., 2022, PaLM, appendix B).

    6N: forward (2N) plus backward (4N) multiply-adds through the weights; 12 L H Q T: the
    attention scores and weighted sums, which involve no weights (H Q = n_embd). N follows nanoGPT
    and excludes the position table (a lookup, not a matmul) but includes the tied token matrix,
    which does the output projection.
    """
    n = count_params(config) - config.block_size * config.n_embd
    return 6 * n + 12 * config.n_layer * config.n_embd * seq_len


# ----------------------------------------------------------------------------------------------
# Key/value cache for generation


class KVCache:
    """Keys and values of the positions seen so far, one (k, v) pair per layer.

    Generation feeds one new token per step; without a cache every step recomputes the keys and
    values of the whole prefix. Each pair holds tensors of shape (B, nh, T_past, hs).
    """

    def __init__(self, n_layer):
        self.layers = [None] * n_layer

    def past_len(self, layer_idx=0):
        """How many positions layer layer_idx has cached."""
        return 0 if self.layers[layer_idx] is None else self.layers[layer_idx][0].size(2)

    def update(self, layer_idx, k, v):
        """Append this step's k, v (B, nh, T, hs); return all of them (B, nh, T_past + T, hs)."""
        if self.layers[layer_idx] is not None:
            k_past, v_past = self.layers[layer_idx]
            k, v = torch.cat([k_past, k], dim=2), torch.cat([v_past, v], dim=2)
        self.layers[layer_idx] = (k, v)
        return k, v


# ----------------------------------------------------------------------------------------------
# Modules


def causal_attention_mask(T, past=0, device=None):
    """(T, past + T) bool, True where a query may attend: the T new queries sit at positions
    past..past+T-1 and see every key up to their own position (lower-triangular when past=0)."""
    return torch.ones(T, past + T, dtype=torch.bool, device=device).tril(diagonal=past)


class CausalSelfAttention(nn.Module):
    """Multi-head masked self-attention (Vaswani et al., 2017, eq. 1 and section 3.2.2)."""

    def __init__(self, config, layer_idx=0):
        super().__init__()
        assert config.n_embd % config.n_head == 0, "n_embd must split evenly into heads"
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)  # q, k, v at once
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)  # mixes the heads
        self.c_proj.RESIDUAL_SCALE_INIT = True  # writes into the residual stream (see GPT._init_weights)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head, self.n_embd, self.dropout = config.n_head, config.n_embd, config.dropout
        self.attention, self.layer_idx = config.attention, layer_idx
        self.last_pattern = None  # (B, nh, T, T_k) after a forward pass on the manual path

    def forward(self, x, kv_cache=None):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)  # 3 x (B, T, C)
        hs = C // self.n_head
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        past = 0
        if kv_cache is not None:
            past = kv_cache.past_len(self.layer_idx)
            k, v = kv_cache.update(self.layer_idx, k, v)  # (B, nh, past + T, hs)

        if self.attention == "manual":
            # softmax(q k^T / sqrt(d_k)) v, with future positions set to -inf before the softmax.
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))  # (B, nh, T, past + T)
            att = att.masked_fill(~causal_attention_mask(T, past, x.device), float("-inf"))
            att = F.softmax(att, dim=-1)
            self.last_pattern = att.detach()
            att = self.attn_dropout(att)
            y = att @ v  # (B, nh, T, hs)
        else:
            # Same maths in one fused kernel (FlashAttention, Dao et al. 2022, on recent GPUs).
            # is_causal aligns the mask top-left, which is right only when there is no cached past.
            dropout_p = self.dropout if self.training else 0.0
            if past == 0:
                y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p, is_causal=True)
            else:
                mask = causal_attention_mask(T, past, x.device)
                y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, nh * hs): heads side by side
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    """Position-wise feed-forward network: expand x4, GELU, project back (Vaswani et al., eq. 2)."""

    def __init__(self, config):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        # GPT-2 used the tanh approximation of GELU (Hendrycks & Gimpel, 2016, section 2).
        self.gelu = nn.GELU(approximate="tanh")
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.c_proj.RESIDUAL_SCALE_INIT = True
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))  # (B, T, C)


class Block(nn.Module):
    """Pre-LN transformer block: x + attn(ln(x)), then x + mlp(ln(x)) (Radford et al., 2019, 2.3)."""

    def __init__(self, config, layer_idx=0):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps, bias=config.bias)
        self.attn = CausalSelfAttention(config, layer_idx)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x, kv_cache=None):
        x = x + self.attn(self.ln_1(x), kv_cache)  # read from and write to the residual stream
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),  # token embeddings
                wpe=nn.Embedding(config.block_size, config.n_embd),  # learned position embeddings
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config, i) for i in range(config.n_layer)]),
                ln_f=nn.LayerNorm(config.n_embd, eps=config.layer_norm_eps, bias=config.bias),
            )
        )
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # Weight tying (Press & Wolf, 2017): the unembedding is the embedding matrix, as in GPT-2.
        self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)

    def _init_weights(self, module):
        # GPT-2 init: N(0, 0.02) for weights, zero biases; layers that add into the residual
        # stream are scaled by 1/sqrt(N) with N = 2 * n_layer residual additions (paper, 2.3), so
        # the stream's variance does not grow with depth.
        if isinstance(module, nn.Linear):
            std = 0.02
            if getattr(module, "RESIDUAL_SCALE_INIT", False):
                std *= (2 * self.config.n_layer) ** -0.5
            torch.nn.init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_params(self, non_embedding=False):
        """Parameters (the tied matrix counted once); non_embedding drops the position table."""
        n = sum(p.numel() for p in self.parameters())
        if non_embedding:
            n -= self.transformer.wpe.weight.numel()
        return n

    def forward(self, idx, targets=None, kv_cache=None):
        """idx (B, T) token ids -> logits (B, T, V), and the mean next-token loss if targets given."""
        B, T = idx.size()
        past = 0 if kv_cache is None else kv_cache.past_len()
        if past + T > self.config.block_size:
            raise ValueError(f"sequence of {past + T} tokens exceeds block_size={self.config.block_size}")
        pos = torch.arange(past, past + T, dtype=torch.long, device=idx.device)  # (T,)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)  # (B, T, C) + (T, C) broadcast
        x = self.transformer.drop(x)
        for block in self.transformer.h:
            x = block(x, kv_cache)
        x = self.transformer.ln_f(x)  # GPT-2's extra final LayerNorm
        logits = self.lm_head(x)  # (B, T, V)
        loss = None
        if targets is not None:
            # Cross-entropy of the next token, averaged over all B*T positions; -1 marks padding.
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-1)
        return logits, loss

    def use_attention(self, impl):
        """Switch every layer between "sdpa" and "manual" attention (same weights, same maths)."""
        assert impl in ("sdpa", "manual"), impl
        for block in self.transformer.h:
            block.attn.attention = impl
        return self

    def estimate_flops_per_token(self, seq_len):
        """Training FLOPs per token of this model at sequence length seq_len (see flops_per_token)."""
        return flops_per_token(self.config, seq_len)

    # ------------------------------------------------------------------------------------------
    # OpenAI's weights

    # Hugging Face stores these as Conv1D, whose weight is (in, out); nn.Linear's is (out, in).
    CONV1D_WEIGHTS = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")

    @classmethod
    def from_hf_state_dict(cls, hf_state_dict, config):
        """A GPT holding the weights of a `transformers.GPT2LMHeadModel` state dict."""
        model = cls(config)
        ours = model.state_dict()
        # Older transformers versions also store the causal mask as attn.bias / attn.masked_bias.
        theirs = {k: v for k, v in hf_state_dict.items() if not k.endswith((".attn.bias", ".attn.masked_bias"))}
        missing, unexpected = sorted(set(ours) - set(theirs)), sorted(set(theirs) - set(ours))
        if missing or unexpected:
            raise KeyError(f"state dicts differ: missing {missing[:5]}, unexpected {unexpected[:5]}")
        with torch.no_grad():
            for name, tensor in theirs.items():
                if name.endswith(cls.CONV1D_WEIGHTS):
                    tensor = tensor.t()  # (in, out) -> (out, in)
                if tensor.shape != ours[name].shape:
                    raise ValueError(f"{name}: checkpoint {tuple(tensor.shape)} vs model {tuple(ours[name].shape)}")
                ours[name].copy_(tensor)
        return model

    @classmethod
    def from_pretrained(cls, model_type="gpt2", **overrides):
        """OpenAI's GPT-2 weights (downloaded from the Hugging Face Hub by `transformers`)."""
        from transformers import GPT2LMHeadModel  # only this method needs transformers

        hf_model = GPT2LMHeadModel.from_pretrained(model_type)
        config = GPTConfig.from_hf_config(hf_model.config, **overrides)
        return cls.from_hf_state_dict(hf_model.state_dict(), config)

    # ------------------------------------------------------------------------------------------
    # Sampling

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, top_p=None, use_cache=True, generator=None):
        """Append max_new_tokens sampled tokens to idx (B, T). temperature=0 means greedy."""
        kv_cache = KVCache(self.config.n_layer) if use_cache else None
        fresh = idx  # the tokens the model has not processed yet
        for _ in range(max_new_tokens):
            if kv_cache is not None and idx.size(1) > self.config.block_size:
                # Past the context window every position shifts, so cached keys are stale:
                # fall back to recomputing over the last block_size tokens.
                kv_cache = None
            if kv_cache is not None:
                logits, _ = self(fresh, kv_cache=kv_cache)
            else:
                logits, _ = self(idx[:, -self.config.block_size :])
            logits = logits[:, -1, :]  # (B, V): the prediction for the next position
            if temperature == 0:
                next_id = logits.argmax(dim=-1, keepdim=True)  # (B, 1)
            else:
                logits = filter_logits(logits / temperature, top_k=top_k, top_p=top_p)
                probs = F.softmax(logits, dim=-1)
                next_id = torch.multinomial(probs, num_samples=1, generator=generator)  # (B, 1)
            idx = torch.cat([idx, next_id], dim=1)
            fresh = next_id
        return idx


def filter_logits(logits, top_k=None, top_p=None):
    """Set to -inf the logits (B, V) of tokens outside the top k and outside the nucleus top p.

    Top-p (Holtzman et al., 2019, "nucleus sampling") keeps the smallest set of most likely
    tokens whose probabilities sum to at least p.
    """
    if top_k is not None:
        kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, [-1]]  # (B, 1)
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None and top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True)  # (B, V) each
        probs = F.softmax(sorted_logits, dim=-1)
        mass_before = probs.cumsum(dim=-1) - probs  # probability of the strictly more likely tokens
        drop_sorted = mass_before >= top_p  # the most likely token always has mass_before = 0
        drop = drop_sorted.scatter(-1, order, drop_sorted)  # back to vocabulary order
        logits = logits.masked_fill(drop, float("-inf"))
    return logits

