# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Build GPT-2, module by module
#
# You will write each piece of GPT-2 small as a plain function (embeddings, the causal mask,
# attention, multi-head attention, GELU and the MLP, LayerNorm, a pre-LN block, the full forward
# pass, and the parameter count), check each against a reference implementation, and finish by
# reproducing the logits of Hugging Face's `GPT2LMHeadModel` to within 1e-4.
#
# Every check compares your output with the reference and, when they differ, tries the usual
# mistakes (an unscaled score, an upper-triangular mask, the erf GELU, ...) and names the one
# you made.

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
LOAD_OPENAI_WEIGHTS = not SMOKE  # the last section downloads GPT-2 small (500 MB) when online

# %% [markdown]
# ## The reference and the checks
#
# The next cell holds the finished model (`model.py`: `GPTConfig`, `CausalSelfAttention`, `MLP`,
# `Block`, `GPT`) followed by the check functions. Try the exercises before reading it; the
# checks use it to compute the right answers.

# %%
import math

import torch.nn.functional as F
from model_checks import *  # course: inline

torch.manual_seed(0)

# %% [markdown]
# ## 1. Embeddings
#
# GPT-2 turns token ids `idx` (B, T) into vectors by adding two learned lookups: a row of the
# token table `wte` (V, C) for each id, and a row of the position table `wpe` (block_size, C) for
# each position 0..T-1. The sum is the start of the residual stream.


# %%
def embed(idx, wte, wpe):
    """idx (B, T) ints, wte (V, C), wpe (block_size, C) -> (B, T, C)."""
    ### BEGIN SOLUTION
    T = idx.size(1)
    return wte[idx] + wpe[:T]  # (B, T, C) + (T, C), broadcast over the batch
    ### END SOLUTION


check_embed(embed)

# %% [markdown]
# ## 2. The causal mask
#
# A language model predicts token t+1 from tokens 0..t, so position t may only attend to
# positions up to t. Return a (T, T) boolean tensor that is True where query row t may look at
# key column s.


# %%
def causal_mask(T):
    """(T, T) bool: True where the query (row) may attend to the key (column)."""
    ### BEGIN SOLUTION
    return torch.tril(torch.ones(T, T, dtype=torch.bool))
    ### END SOLUTION


check_causal_mask(causal_mask)
print(causal_mask(4).int())

# %% [markdown]
# ## 3. Scaled dot-product attention
#
# Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V (Vaswani et al., 2017, eq. 1), with the
# scores of masked positions set to -inf before the softmax so they get zero weight. Dividing
# by sqrt(d_k) keeps the scores' variance near 1 whatever the head size, so the softmax does
# not saturate at initialisation.


# %%
def attention(q, k, v, mask):
    """q, k, v (B, nh, T, hs); mask (T, T) bool -> (B, nh, T, hs)."""
    ### BEGIN SOLUTION
    hs = q.size(-1)
    scores = q @ k.transpose(-2, -1) / math.sqrt(hs)  # (B, nh, T, T)
    scores = scores.masked_fill(~mask, float("-inf"))
    weights = F.softmax(scores, dim=-1)  # each row sums to 1 over the keys
    return weights @ v  # (B, nh, T, hs)
    ### END SOLUTION


check_attention(attention)

# %% [markdown]
# ## 4. Multi-head attention
#
# GPT-2 computes queries, keys and values for all heads with one Linear, `c_attn` (C -> 3C),
# splits each into `n_head` heads of size `hs = C // n_head`, attends within each head, puts the
# heads side by side again and mixes them with `c_proj` (C -> C). Use your `attention` and
# `causal_mask`. `attn` is the reference `CausalSelfAttention` module; use only its `c_attn`,
# `c_proj` and `n_head`.


# %%
def multi_head_attention(x, attn):
    """x (B, T, C) -> (B, T, C)."""
    ### BEGIN SOLUTION
    B, T, C = x.shape
    nh = attn.n_head
    q, k, v = attn.c_attn(x).split(C, dim=2)  # 3 x (B, T, C)
    q = q.view(B, T, nh, C // nh).transpose(1, 2)  # (B, nh, T, hs)
    k = k.view(B, T, nh, C // nh).transpose(1, 2)  # (B, nh, T, hs)
    v = v.view(B, T, nh, C // nh).transpose(1, 2)  # (B, nh, T, hs)
    y = attention(q, k, v, causal_mask(T))  # (B, nh, T, hs)
    y = y.transpose(1, 2).reshape(B, T, C)  # (B, T, nh * hs)
    return attn.c_proj(y)
    ### END SOLUTION


with torch.no_grad():
    check_multi_head_attention(multi_head_attention)

# %% [markdown]
# ## 5. GELU and the MLP
#
# Each block's MLP expands to 4C, applies GELU, and projects back to C. GPT-2 used the tanh
# approximation of GELU (Hendrycks & Gimpel, 2016):
# 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). It differs from the exact erf form by up to
# about 1e-3, enough to break the 1e-4 logit match at the end.


# %%
def gelu_tanh(x):
    ### BEGIN SOLUTION
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    ### END SOLUTION


def mlp(x, mlp_module):
    """x (B, T, C) -> (B, T, C), using mlp_module.c_fc and mlp_module.c_proj."""
    ### BEGIN SOLUTION
    return mlp_module.c_proj(gelu_tanh(mlp_module.c_fc(x)))  # (B, T, 4C) -> (B, T, C)
    ### END SOLUTION


check_gelu(gelu_tanh)
check_mlp(mlp)

# %% [markdown]
# ## 6. LayerNorm
#
# LayerNorm (Ba et al., 2016) normalises each position's vector over its C channels to mean 0
# and variance 1, then applies a learned gain and bias: y = (x - mean) / sqrt(var + eps) * w + b,
# with the biased variance (divide by C, not C - 1).


# %%
def layer_norm(x, weight, bias, eps=1e-5):
    """x (..., C), weight (C,), bias (C,) -> (..., C)."""
    ### BEGIN SOLUTION
    mean = x.mean(dim=-1, keepdim=True)  # (..., 1)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # (..., 1), biased
    return (x - mean) / torch.sqrt(var + eps) * weight + bias
    ### END SOLUTION


check_layer_norm(layer_norm)

# %% [markdown]
# ## 7. A pre-LN block
#
# GPT-2 moved LayerNorm to the input of each sub-block (Radford et al., 2019, section 2.3):
# x = x + attn(ln_1(x)), then x = x + mlp(ln_2(x)). The residual stream itself is never
# normalised inside the stack, which keeps a clean path for gradients.


# %%
def block_forward(x, block):
    """x (B, T, C) -> (B, T, C) using block.ln_1, block.attn, block.ln_2, block.mlp and your functions."""
    ### BEGIN SOLUTION
    eps = block.ln_1.eps
    x = x + multi_head_attention(layer_norm(x, block.ln_1.weight, block.ln_1.bias, eps), block.attn)
    x = x + mlp(layer_norm(x, block.ln_2.weight, block.ln_2.bias, eps), block.mlp)
    return x
    ### END SOLUTION


with torch.no_grad():
    check_block(block_forward)

# %% [markdown]
# ## 8. The whole forward pass
#
# Embed, run every block, apply the final LayerNorm `ln_f` (GPT-2's addition), and unembed with
# `lm_head`, whose weight is the token table `wte` itself (tied embeddings).


# %%
def gpt_forward(idx, model):
    """idx (B, T) -> logits (B, T, V), using model's weights and your functions."""
    ### BEGIN SOLUTION
    tr = model.transformer
    x = embed(idx, tr.wte.weight, tr.wpe.weight)  # (B, T, C)
    for block in tr.h:
        x = block_forward(x, block)
    x = layer_norm(x, tr.ln_f.weight, tr.ln_f.bias, tr.ln_f.eps)
    return x @ tr.wte.weight.T  # (B, T, C) @ (C, V) -> (B, T, V)
    ### END SOLUTION


with torch.no_grad():
    check_gpt_forward(gpt_forward)

# %% [markdown]
# ## 9. Counting parameters
#
# From a `GPTConfig` alone, count GPT-2's parameters: embeddings, per block two LayerNorms
# (gain and bias), `c_attn` and `c_proj` with biases, the MLP's two Linears with biases, the final
# LayerNorm, and no separate `lm_head` (it is `wte`).


# %%
def count_parameters(config):
    ### BEGIN SOLUTION
    C, V, L = config.n_embd, config.vocab_size, config.n_layer
    embeddings = V * C + config.block_size * C
    per_block = (
        2 * C  # ln_1
        + C * 3 * C + 3 * C  # c_attn
        + C * C + C  # attn.c_proj
        + 2 * C  # ln_2
        + C * 4 * C + 4 * C  # c_fc
        + 4 * C * C + C  # mlp.c_proj
    )
    return embeddings + L * per_block + 2 * C  # + ln_f
    ### END SOLUTION


check_count_parameters(count_parameters)
gpt2_small = GPTConfig.from_preset("gpt2")
n = count_parameters(gpt2_small)
per_block = (
    n - 2 * gpt2_small.n_embd - (gpt2_small.vocab_size + gpt2_small.block_size) * gpt2_small.n_embd
) // gpt2_small.n_layer
print(f"GPT-2 small: {n:,} parameters")
print(f"  token embeddings {gpt2_small.vocab_size * gpt2_small.n_embd:,}, "
      f"positions {gpt2_small.block_size * gpt2_small.n_embd:,}")
print(f"  per block {per_block:,} (12 C^2 + 13 C), x {gpt2_small.n_layer} blocks")
assert n == count_params(gpt2_small) == 124_439_808

# %% [markdown]
# ## 10. The same logits as Hugging Face's GPT-2
#
# A randomly initialised `transformers.GPT2LMHeadModel` (a small config, nothing downloaded) is
# an independent implementation of the same architecture. Copy its weights into the reference
# `GPT` with `GPT.from_hf_state_dict` (Hugging Face stores the Linear weights as `Conv1D`,
# transposed) and compare the logits of the reference and of your `gpt_forward`.

# %%
from transformers import GPT2Config, GPT2LMHeadModel

hf_config = GPT2Config(n_layer=2, n_head=4, n_embd=64, n_positions=64, vocab_size=50257)
torch.manual_seed(0)
hf_model = GPT2LMHeadModel(hf_config).eval()
model = GPT.from_hf_state_dict(hf_model.state_dict(), GPTConfig.from_hf_config(hf_config)).eval()

idx = torch.randint(0, hf_config.vocab_size, (2, 48))
with torch.no_grad():
    hf_logits = hf_model(idx).logits  # (B, T, V)
    ref_logits, _ = model(idx)
    your_logits = gpt_forward(idx, model)
ref_diff = (ref_logits - hf_logits).abs().max().item()
your_diff = (your_logits - hf_logits).abs().max().item()
print(f"max |logits - HF logits|: reference {ref_diff:.2e}, yours {your_diff:.2e}")
assert ref_diff <= 1e-4 and your_diff <= 1e-4, "the logits should match Hugging Face's to 1e-4 in fp32"

# %% [markdown]
# Both attention paths of the reference give the same logits: `"sdpa"` calls
# `F.scaled_dot_product_attention(..., is_causal=True)` (a fused kernel on GPU), `"manual"` spells
# out the maths and keeps the attention pattern for inspection.

# %%
with torch.no_grad():
    manual_logits, _ = model.use_attention("manual")(idx)
    model.use_attention("sdpa")
pattern = model.transformer.h[0].attn.last_pattern  # (B, nh, T, T)
print(f"manual vs sdpa: {(manual_logits - ref_logits).abs().max().item():.2e}; pattern {tuple(pattern.shape)}")
assert torch.allclose(manual_logits, ref_logits, atol=1e-5)
assert torch.all(pattern[0, 0].triu(diagonal=1) == 0), "no weight on future positions"

# %% [markdown]
# ## 11. OpenAI's weights (online)
#
# With the real GPT-2 small checkpoint (downloaded from the Hugging Face Hub), the from-scratch
# model should agree with `transformers` on real text, and greedy continuation should read like
# English. Skipped in smoke runs and offline.

# %%
import tiktoken


def load_openai_gpt2(model_type="gpt2"):
    """(GPT.from_pretrained(model_type), the same checkpoint in transformers), or (None, None) offline."""
    try:
        ours = GPT.from_pretrained(model_type).eval()  # downloads through transformers, transposes Conv1D
        theirs = GPT2LMHeadModel.from_pretrained(model_type).eval()  # from the local cache now
    except OSError as error:  # no network, or the Hub is unreachable
        print(f"Could not download {model_type!r} ({error.__class__.__name__}); skipping this section.")
        return None, None
    return ours, theirs


if LOAD_OPENAI_WEIGHTS:
    gpt2, gpt2_hf = load_openai_gpt2("gpt2")
    if gpt2 is not None:
        gpt2.to(device)
        gpt2_hf.to(device)
        assert gpt2.num_params() == 124_439_808
        enc = tiktoken.get_encoding("r50k_base")
        prompt = torch.tensor([enc.encode("The meaning of a word is")], device=device)
        with torch.no_grad():
            diff = (gpt2(prompt)[0] - gpt2_hf(prompt).logits).abs().max().item()
        print(f"GPT-2 small, max |logits - HF logits| = {diff:.2e}")
        assert diff < 1e-3
        print(enc.decode(gpt2.generate(prompt, 20, temperature=0)[0].tolist()))
else:
    print("Smoke run: skipping the download of OpenAI's GPT-2 weights.")
