# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Build GPT-2, module by module
#
# You will write GPT-2 as PyTorch modules, each with its own parameters: LayerNorm, the token and
# position embeddings, causal self-attention, the MLP with its tanh GELU, the pre-LN block, and the
# whole GPT with tied embeddings and GPT-2's initialisation; then the next-token loss, and a loader
# that puts GPT-2's weights into *your* model, which then writes text.
#
# **How your code is checked.** After each exercise a check builds the same module from Hugging
# Face `transformers` (`GPT2Attention`, `GPT2MLP`, `GPT2Block`, `GPT2LMHeadModel`, in
# `transformers/models/gpt2/modeling_gpt2.py`,
# [on GitHub](https://github.com/huggingface/transformers/blob/main/src/transformers/models/gpt2/modeling_gpt2.py))
# with random weights, copies those weights into yours and compares the outputs in float64. Correct
# code agrees to about 1e-14, so even a small real bug shows: with the checks' weights, the exact
# (erf) GELU in place of the tanh one moves a model's logits by about 1e-3. When your output differs,
# the check tries the usual mistakes (no mask, the mask after the softmax, a missing scale,
# transposed weights, a wrong head split, the erf GELU, the unbiased variance, untied embeddings,
# unshifted targets, ...) and names the one you made. Hugging Face's file is the reference; read
# it after you finish, not before.
#
# **Plan.** About 2 hours in all. Every section is *must do*: each module is used by the next. Each
# section says its time and difficulty (1 = a few lines you can write from the formula, 5 = hard).
# In the exercise version each `raise NotImplementedError("Exercise N: ...")` marks code for you to
# write (a class has one per method); the check after it runs your code.
#
# | Section | Time | Difficulty |
# |---|---|---|
# | 1. LayerNorm | 10 min | 1 of 5 |
# | 2. Token and position embeddings | 10 min | 1 of 5 |
# | 3. Causal self-attention | 30 min | 3 of 5 |
# | 4. GELU and the MLP | 10 min | 1 of 5 |
# | 5. The block | 10 min | 2 of 5 |
# | 6. The whole GPT (tying, initialisation) | 25 min | 3 of 5 |
# | 7. The next-token loss | 10 min | 2 of 5 |
# | 8. Loading GPT-2's weights into your model | 15 min | 2 of 5 |
# | 9. Your GPT-2 against Hugging Face's, and its first words | 5 min | (run it) |

# %%
# Install what is missing (only when an import fails), then pick the device.
import importlib.util
import subprocess
import sys

REQUIREMENTS = {"torch": "torch>=2.4", "transformers": "transformers>=4.46", "tiktoken": "tiktoken>=0.9"}
missing = [spec for module, spec in REQUIREMENTS.items() if importlib.util.find_spec(module) is None]
if missing:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *missing])

import torch

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
print(f"torch {torch.__version__} on {device}")

# %% tags=["parameters"]
import os

SMOKE = os.environ.get("SMOKE") == "1"  # tiny settings for CI / a laptop CPU
LOAD_OPENAI_WEIGHTS = not SMOKE  # section 9 downloads GPT-2 small (500 MB) when online

# %% [markdown]
# ## The checks
#
# The next cell holds the check functions and `GPTConfig`, the five numbers that define a GPT-2
# (`block_size`, `vocab_size`, `n_layer`, `n_head`, `n_embd`). The checks contain no solution: the
# right answers come from Hugging Face's modules, from PyTorch's own functions (`F.layer_norm`), or
# from probes with weights chosen so that the right output is obvious.

# %%
import math

import torch.nn as nn
import torch.nn.functional as F
from model_checks import *  # course: inline

print(GPTConfig())  # GPT-2 small
torch.manual_seed(0)

# %% [markdown]
# Shapes in the comments: B batch, T time (sequence length), C channels (`n_embd`), nh heads,
# hs head size (C // nh), V vocabulary size.
#
# ## 1. LayerNorm
#
# *Must do · about 10 min · difficulty 1 of 5*
#
# LayerNorm (Ba et al., 2016) normalises each position's vector over its C channels to mean 0 and
# variance 1, then applies a learned gain and bias:
# y = (x - mean) / sqrt(var + eps) * weight + bias, with the biased variance (divide by C, not
# C - 1) and eps = 1e-5 inside the square root. Make `weight` (ones) and `bias` (zeros)
# `nn.Parameter`s of shape (C,), with exactly these names: GPT-2's weights load into them. Write
# the arithmetic yourself (not `nn.LayerNorm` or `F.layer_norm`).


# %%
class LayerNorm(nn.Module):
    def __init__(self, n_embd, eps=1e-5):
        super().__init__()
        self.eps = eps
        ### BEGIN SOLUTION
        self.weight = nn.Parameter(torch.ones(n_embd))  # gain: starts as the identity map
        self.bias = nn.Parameter(torch.zeros(n_embd))
        ### END SOLUTION

    def forward(self, x):
        """x (..., C) -> (..., C)."""
        ### BEGIN SOLUTION
        mean = x.mean(dim=-1, keepdim=True)  # (..., 1)
        var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # (..., 1), biased: divide by C
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias
        ### END SOLUTION


check_layer_norm(LayerNorm)

# %% [markdown]
# ## 2. Token and position embeddings
#
# *Must do · about 10 min · difficulty 1 of 5*
#
# GPT-2 turns token ids `idx` (B, T) into vectors by adding two learned lookups: `wte`, an
# `nn.Embedding(vocab_size, n_embd)` with one row per token, and `wpe`, an
# `nn.Embedding(block_size, n_embd)` with one row per position 0..T-1. The sum starts the residual
# stream. (GPT-2 does not multiply the embeddings by sqrt(n_embd) as the 2017 Transformer did.)


# %%
class Embedding(nn.Module):
    def __init__(self, config):
        super().__init__()
        ### BEGIN SOLUTION
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)  # token id -> vector
        self.wpe = nn.Embedding(config.block_size, config.n_embd)  # position -> vector
        ### END SOLUTION

    def forward(self, idx):
        """idx (B, T) token ids -> (B, T, C)."""
        ### BEGIN SOLUTION
        positions = torch.arange(idx.size(1), device=idx.device)  # (T,): 0, 1, ..., T-1
        return self.wte(idx) + self.wpe(positions)  # (B, T, C) + (T, C), broadcast over the batch
        ### END SOLUTION


check_embedding(Embedding)

# %% [markdown]
# ## 3. Causal self-attention
#
# *Must do · about 30 min · difficulty 3 of 5*
#
# Attention(Q, K, V) = softmax(Q K^T / sqrt(d_head)) V (Vaswani et al., 2017, eq. 1). In GPT-2:
#
# - `c_attn`, an `nn.Linear(C, 3C)`, computes the queries, keys and values of all heads at once;
#   its output is `[q | k | v]`, each (B, T, C).
# - Each is split into `n_head` heads of `hs = C // n_head` consecutive channels: head h gets
#   channels h·hs .. (h+1)·hs - 1. Put the head dimension before time, (B, nh, T, hs), so that
#   every head attends separately.
# - Scores q k^T are divided by sqrt(hs), which keeps their variance near 1 whatever the head
#   size, so the softmax does not saturate at initialisation.
# - The causal mask: position t may attend to positions 0..t only. Set the scores of later
#   positions to -inf *before* the softmax, so that they get weight exactly 0 and every row of
#   weights still sums to 1. Keep the (block_size, block_size) lower-triangular mask as a buffer
#   (`self.register_buffer("mask", ..., persistent=False)`): it moves with the module to the GPU
#   but is not a parameter.
# - The heads' outputs are put side by side again, (B, T, C), and mixed by `c_proj`, an
#   `nn.Linear(C, C)`.
#
# Write the maths yourself; `F.scaled_dot_product_attention(q, k, v, is_causal=True)` computes the
# same and is what fast code uses (section 5 of the chapters).


# %%
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        ### BEGIN SOLUTION
        C, P = config.n_embd, config.block_size
        self.c_attn = nn.Linear(C, 3 * C)  # q, k, v of every head in one matmul
        self.c_proj = nn.Linear(C, C)  # mixes the heads' outputs, writes into the residual stream
        self.register_buffer("mask", torch.tril(torch.ones(P, P, dtype=torch.bool)), persistent=False)
        ### END SOLUTION

    def forward(self, x):
        """x (B, T, C) -> (B, T, C)."""
        ### BEGIN SOLUTION
        B, T, C = x.shape
        nh, hs = self.n_head, C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)  # 3 x (B, T, C)
        q = q.view(B, T, nh, hs).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, nh, hs).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, nh, hs).transpose(1, 2)  # (B, nh, T, hs)
        scores = q @ k.transpose(-2, -1) / math.sqrt(hs)  # (B, nh, T, T): row = query, column = key
        scores = scores.masked_fill(~self.mask[:T, :T], float("-inf"))  # the future gets weight 0
        weights = F.softmax(scores, dim=-1)  # each row sums to 1 over the keys
        y = weights @ v  # (B, nh, T, hs)
        y = y.transpose(1, 2).reshape(B, T, C)  # (B, T, nh * hs): heads side by side
        return self.c_proj(y)
        ### END SOLUTION


check_attention(CausalSelfAttention)

# %% [markdown]
# ## 4. GELU and the MLP
#
# *Must do · about 10 min · difficulty 1 of 5*
#
# Each block's MLP expands to 4C with `c_fc`, applies GELU, and projects back to C with `c_proj`.
# GPT-2 used the tanh approximation of GELU (Hendrycks and Gimpel, 2016):
# 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). It differs from the exact GELU x Φ(x)
# (`nn.GELU()`'s default, with erf) by at most 4.7e-4, near x = -2.7; small, but the checks see
# it.


# %%
def gelu_tanh(x):
    """GPT-2's GELU, the tanh approximation, elementwise."""
    ### BEGIN SOLUTION
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    ### END SOLUTION


check_gelu(gelu_tanh)


# %%
class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        ### BEGIN SOLUTION
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd)
        ### END SOLUTION

    def forward(self, x):
        """x (B, T, C) -> (B, T, C)."""
        ### BEGIN SOLUTION
        return self.c_proj(gelu_tanh(self.c_fc(x)))  # (B, T, 4C) -> (B, T, C)
        ### END SOLUTION


check_mlp(MLP)

# %% [markdown]
# ## 5. The block
#
# *Must do · about 10 min · difficulty 2 of 5*
#
# GPT-2 moved LayerNorm to the input of each sub-block (Radford et al., 2019, section 2.3):
# x = x + attn(ln_1(x)), then x = x + mlp(ln_2(x)). Each sub-block reads a normalised copy of the
# residual stream x and adds its output to it; the stream itself is not normalised inside the
# stack. Name the parts `ln_1`, `attn`, `ln_2`, `mlp`, built from your classes.


# %%
class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        ### BEGIN SOLUTION
        self.ln_1 = LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = LayerNorm(config.n_embd)
        self.mlp = MLP(config)
        ### END SOLUTION

    def forward(self, x):
        """x (B, T, C) -> (B, T, C)."""
        ### BEGIN SOLUTION
        x = x + self.attn(self.ln_1(x))  # attention reads a normalised copy, adds to the stream
        x = x + self.mlp(self.ln_2(x))
        return x
        ### END SOLUTION


check_block(Block)

# %% [markdown]
# ## 6. The whole GPT
#
# *Must do · about 25 min · difficulty 3 of 5*
#
# - **Modules:** `embed` (your `Embedding`), `h` (an `nn.ModuleList` of `n_layer` blocks), `ln_f`
#   (the final LayerNorm, which GPT-2 added after the last block), and `lm_head`, an
#   `nn.Linear(n_embd, vocab_size, bias=False)` that turns each position's vector into logits.
# - **Tied embeddings:** `lm_head` uses the token table itself. Make them one Parameter
#   (`self.lm_head.weight = self.embed.wte.weight`); copying the values is not tying.
# - **Initialisation**, as Hugging Face's GPT-2 and nanoGPT do it: every Linear and Embedding
#   weight from N(0, 0.02²), biases 0, LayerNorm gains 1 and biases 0; and the two projections
#   that write into the residual stream, `attn.c_proj` and `mlp.c_proj`, from
#   N(0, (0.02 / sqrt(2 · n_layer))²). The GPT-2 paper (section 2.3) scales "the weights of
#   residual layers at initialization by a factor of 1/√N where N is the number of residual
#   layers"; N = 2 · n_layer (two residual additions per block) is nanoGPT's and Hugging Face's
#   reading of it. The stream is a sum, and the variances of independent terms add: without the
#   scaling its variance at initialisation would grow with every addition. A common way: call
#   `self.apply(self._init_weights)` at the end of `__init__`, then re-draw the parameters whose
#   name ends in `c_proj.weight`.
# - **Forward:** embed, every block in order, `ln_f`, `lm_head`; return the logits (B, T, V).


# %%
class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        ### BEGIN SOLUTION
        self.embed = Embedding(config)
        self.h = nn.ModuleList([Block(config) for _ in range(config.n_layer)])
        self.ln_f = LayerNorm(config.n_embd)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.embed.wte.weight  # tied: one (V, C) matrix embeds and unembeds
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):  # attn.c_proj and mlp.c_proj add to the residual stream
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))
        ### END SOLUTION

    def _init_weights(self, module):
        """GPT-2's initialisation of one module (self.apply calls it on every submodule)."""
        ### BEGIN SOLUTION
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
        ### END SOLUTION

    def forward(self, idx):
        """idx (B, T) token ids -> logits (B, T, V)."""
        ### BEGIN SOLUTION
        x = self.embed(idx)  # (B, T, C): the residual stream starts here
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))  # (B, T, C) @ (C, V) -> (B, T, V)
        ### END SOLUTION


check_gpt(GPT)

# %% [markdown]
# Your GPT at GPT-2 small's size has as many parameters as Hugging Face's: 124,439,808 (built on
# PyTorch's `meta` device, which records shapes and allocates nothing).

# %%
from transformers import GPT2LMHeadModel

with torch.device("meta"):
    yours = sum(p.numel() for p in GPT(GPTConfig()).parameters())  # a tied Parameter counts once
    theirs = GPT2LMHeadModel(hf_config(GPTConfig())).num_parameters()
print(f"GPT-2 small: yours {yours:,} parameters, Hugging Face's {theirs:,}")
assert yours == theirs == 124_439_808

# %% [markdown]
# ## 7. The next-token loss
#
# *Must do · about 10 min · difficulty 2 of 5*
#
# The logits at position t are the model's prediction for token t + 1. So the loss of a batch
# `idx` (B, T) pairs `logits[:, t]` with `idx[:, t + 1]` for t = 0..T-2 (the last position has no
# next token) and averages the cross-entropy over those B · (T - 1) predictions. Use
# `F.cross_entropy`, which takes raw logits (it applies the log-softmax itself).


# %%
def next_token_loss(logits, idx):
    """logits (B, T, V), idx (B, T) -> the mean cross-entropy of predicting idx[:, t + 1] from logits[:, t]."""
    ### BEGIN SOLUTION
    V = logits.size(-1)
    predictions = logits[:, :-1].reshape(-1, V)  # positions 0..T-2 have a next token
    targets = idx[:, 1:].reshape(-1)  # the token that follows each of them
    return F.cross_entropy(predictions, targets)
    ### END SOLUTION


check_loss(next_token_loss)

# %% [markdown]
# At initialisation the logits are nearly equal, so the model spreads its bet over all V tokens
# and the loss is close to ln V: a number to look for on the first step of every training run.

# %%
torch.manual_seed(0)
tiny = GPT(CHECK_CONFIG)
batch = torch.randint(0, CHECK_CONFIG.vocab_size, (4, CHECK_CONFIG.block_size))
with torch.no_grad():
    initial_loss = next_token_loss(tiny(batch), batch).item()
print(f"loss at initialisation {initial_loss:.3f}, ln V = {math.log(CHECK_CONFIG.vocab_size):.3f}")
assert abs(initial_loss - math.log(CHECK_CONFIG.vocab_size)) < 0.1

# %% [markdown]
# ## 8. Loading GPT-2's weights into your model
#
# *Must do · about 15 min · difficulty 2 of 5*
#
# OpenAI released GPT-2's weights as a TensorFlow checkpoint; Hugging Face converted them, and
# `GPT2LMHeadModel.from_pretrained("gpt2").state_dict()` gives them as a dict from names such as
# `transformer.h.0.attn.c_attn.weight` to tensors. Your names are the same without the
# `transformer.` prefix, except that your `wte` and `wpe` live in `embed`:
# `embed.wte.weight` <- `transformer.wte.weight`. Two things to get right:
#
# - Hugging Face keeps OpenAI's `Conv1D` layout for the four Linear layers (`attn.c_attn`,
#   `attn.c_proj`, `mlp.c_fc`, `mlp.c_proj`): their weights are stored (in, out), `nn.Linear`'s
#   are (out, in), so they go in transposed. `c_proj` in attention is square, so forgetting the
#   transpose raises no shape error; it just computes something else.
# - Copy into your existing Parameters (`p.copy_(...)` under `torch.no_grad()`), so that `lm_head`
#   stays tied to `wte`, and fail loudly when a weight is missing or has the wrong shape: a
#   half-loaded model runs, and writes nonsense.


# %%
def load_hf_weights(model, hf_state_dict):
    """Copy a Hugging Face GPT-2 state dict into your GPT, in place; return the model."""
    ### BEGIN SOLUTION
    conv1d = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
    with torch.no_grad():
        for name, p in model.named_parameters():  # the tied lm_head.weight is listed once, as wte
            key = "transformer." + name.removeprefix("embed.")
            weight = hf_state_dict[key]  # a KeyError names a missing weight
            if name.endswith(conv1d):
                weight = weight.T  # Conv1D (in, out) -> nn.Linear (out, in)
            if weight.shape != p.shape:
                raise ValueError(f"{key} has shape {tuple(weight.shape)}, {name} needs {tuple(p.shape)}")
            p.copy_(weight)
    return model
    ### END SOLUTION


check_load(load_hf_weights, GPT)

# %% [markdown]
# ## 9. Your GPT-2 against Hugging Face's, and its first words
#
# *About 5 min · run it*
#
# Online, this fetches OpenAI's GPT-2 small from the Hugging Face Hub (about 500 MB) and loads it into
# your GPT; in a smoke run or offline it uses a small randomly initialised Hugging Face model
# instead, whose text is noise. Both models then run the same prompt in float64 on the CPU: its
# rounding error is about 1e-16 per operation, so correct code agrees with Hugging Face far below
# the 1e-8 asserted here. (In float32, rounding alone can be as large as a small bug's effect.)


# %%
import tiktoken


def pretrained_or_random(model_type="gpt2"):
    """GPT-2 from the Hub when allowed and online, else a small random Hugging Face GPT-2."""
    if LOAD_OPENAI_WEIGHTS:
        try:
            return GPT2LMHeadModel.from_pretrained(model_type), True
        except OSError as error:  # offline, or the Hub is unreachable
            print(f"Could not download {model_type!r} ({error.__class__.__name__}); using a random model.")
    torch.manual_seed(0)
    small = GPTConfig(block_size=64, vocab_size=50257, n_layer=2, n_head=4, n_embd=64)
    return GPT2LMHeadModel(hf_config(small)), False


hf_model, pretrained = pretrained_or_random()
hf_model.eval()
c = hf_model.config
config = GPTConfig(block_size=c.n_positions, vocab_size=c.vocab_size, n_layer=c.n_layer, n_head=c.n_head,
                   n_embd=c.n_embd)
model = load_hf_weights(GPT(config), hf_model.state_dict()).eval()

try:
    enc = tiktoken.get_encoding("r50k_base")  # GPT-2's tokenizer (downloads 1.6 MB once)
    prompt = torch.tensor([enc.encode("The meaning of a word is")])
except OSError:  # offline with an empty tiktoken cache: the same prompt as token ids
    enc, prompt = None, torch.tensor([[464, 3616, 286, 257, 1573, 318]])
diff = compare_logits(model.double(), hf_model.double(), prompt)
print(f"{'GPT-2 small' if pretrained else 'random GPT-2'}: max |your logits - Hugging Face's| = {diff:.2e} "
      "(float64, CPU)")
assert diff < 1e-8, "your model should compute exactly what Hugging Face's computes"
model.float()
del hf_model  # free its memory


# %% [markdown]
# A minimal sampler (sampling is the subject of the third notebook): repeatedly run the model on the
# last `block_size` tokens, take the logits of the last position, and append the most likely token
# (temperature 0) or a token drawn from the softmax of the logits divided by the temperature.

# %%
@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=0.0, generator=None):
    """Append max_new_tokens tokens to idx (B, T), greedily (temperature 0) or by sampling."""
    for _ in range(max_new_tokens):
        logits = model(idx[:, -model.config.block_size:])[:, -1, :]  # (B, V): the next token's logits
        if temperature == 0:
            next_id = logits.argmax(dim=-1, keepdim=True)  # (B, 1)
        else:
            probs = F.softmax(logits / temperature, dim=-1)
            next_id = torch.multinomial(probs, 1, generator=generator)  # (B, 1)
        idx = torch.cat([idx, next_id], dim=1)
    return idx


model.to(device)
out = generate(model, prompt.to(device), 20)
print(repr(enc.decode(out[0].tolist())) if enc else out[0].tolist())
