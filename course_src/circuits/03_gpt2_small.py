# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The same measurements on GPT-2 small
#
# GPT-2 small (124M parameters, 12 layers of 12 heads, with MLPs and LayerNorm) was trained on
# web text, not on our toy data. Does it have induction heads too? Olsson et al. (2022) found them
# in every model they studied with two or more layers. We run the tests of the previous notebook:
# induction and previous-token scores on repeated random tokens, the loss on the repeated half,
# and ablating the heads we find.
#
# This notebook downloads GPT-2's weights (about 500 MB) from the Hugging Face Hub. Offline, or
# with `SMOKE=1`, it runs the same code on a small randomly initialised GPT-2 instead, to check
# that the code works; random weights have no induction heads, so the claims are not asserted then.

# %%
# Setup: install what is missing (Colab has everything), then pick a device.
import importlib.util
import subprocess
import sys

for module, requirement in [("torch", "torch"), ("transformers", "transformers>=4.46")]:
    if importlib.util.find_spec(module) is None:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", requirement])

import os

import torch
from transformers import GPT2Config, GPT2LMHeadModel

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
print("device:", device)

# %% [markdown]
# The scores of the previous notebooks live in `scores.py` (inlined below in the downloaded
# notebook). They take tensors, not a model, so GPT-2's heads are measured by exactly the code
# that measured the toy model's: `prev_token_score`, `induction_score` and `per_token_loss`.

# %%
from scores import *  # course: inline

# %% tags=["parameters"]
SMOKE = os.environ.get("SMOKE") == "1"   # no download: a tiny random GPT-2 runs the same code
HALF = 50                                # BOS + 50 random tokens + the same 50
BATCH = 4 if SMOKE else 16

# %%
def load_gpt2():
    """GPT-2 small from the Hub, or (SMOKE / offline) a tiny random GPT-2. Returns (model, pretrained?)."""
    if not SMOKE:
        try:
            return GPT2LMHeadModel.from_pretrained("gpt2", attn_implementation="eager"), True
        except OSError as err:  # no network, or the Hub is unreachable
            print(f"Could not download GPT-2 small ({err.__class__.__name__}); using a random tiny GPT-2.")
    config = GPT2Config(n_layer=2, n_head=4, n_embd=64, n_positions=128, attn_implementation="eager")
    torch.manual_seed(0)
    return GPT2LMHeadModel(config), False


model, pretrained = load_gpt2()
model = model.to(device).eval()
n_layers, n_heads = model.config.n_layer, model.config.n_head
print(f"{'GPT-2 small' if pretrained else 'random tiny GPT-2'}: {n_layers} layers x {n_heads} heads")

# %% [markdown]
# ## Repeated random tokens
#
# GPT-2's BOS is `<|endoftext|>` (id 50256). The random tokens are drawn from ids 1000..20000,
# ordinary word pieces, so the sequence looks like gibberish text.

# %%
gen = torch.Generator().manual_seed(0)
half = torch.randint(1000, 20000, (BATCH, HALF), generator=gen)
bos = torch.full((BATCH, 1), model.config.eos_token_id, dtype=torch.long)
tokens = torch.cat([bos, half, half], dim=1).to(device)

with torch.no_grad():
    out = model(tokens, output_attentions=True)
loss_per_token = per_token_loss(out.logits, tokens).mean(0)   # (T-1,): predicting token t+1 at t
first, second = loss_per_token[1:HALF].mean().item(), loss_per_token[HALF + 1:].mean().item()
print(f"loss on first copy {first:.2f}, on second copy {second:.2f}")

# %% [markdown]
# ## Induction and previous-token scores for all 144 heads
#
# `out.attentions[layer]` has shape `(batch, head, query, key)`, the same layout as
# `blocks.{layer}.attn.hook_pattern` in our model, so the scores are the same code: `prev_token_score`
# and `induction_score` from `scores.py`. The induction score averages, over the 50 tokens of the
# second copy, the attention to the token after the earlier occurrence.

# %%
# prev_token_score and induction_score come from scores.py (inlined above): the toy model's definitions.
induction = torch.stack([induction_score(a.mean(0), HALF) for a in out.attentions])   # (layer, head)
prev = torch.stack([prev_token_score(a.mean(0)) for a in out.attentions])              # (layer, head)
top, top_prev = induction.flatten().topk(5), prev.flatten().topk(5)


def heads(best):
    """'layer.head (score)' for a topk over the flattened (layer, head) scores."""
    pairs = zip(best.values.tolist(), best.indices.tolist(), strict=True)
    return ", ".join(f"{i // n_heads}.{i % n_heads} ({v:.2f})" for v, i in pairs)


print("top induction heads:", heads(top))
print("top previous-token heads:", heads(top_prev))

try:
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, (name, s) in zip(axes, [("induction", induction), ("previous-token", prev)], strict=True):
        im = ax.imshow(s.cpu(), cmap="Blues")
        ax.set(title=f"{name} score", xlabel="head", ylabel="layer")
        fig.colorbar(im, ax=ax)
    plt.show()
except ImportError:
    pass

# %% [markdown]
# ## Ablate the induction heads
#
# Each GPT-2 attention layer concatenates its heads' outputs `z` (shape `(batch, pos, n_heads *
# d_head)`) and multiplies by `c_proj` (that is $W_O$). A forward *pre*-hook on `c_proj` can zero
# one head's slice before the multiplication: zero-ablation, the same as `hook_z` in our model.
# (We do not use the `head_mask` argument: `transformers` 5.23 accepts it and ignores it.) We remove
# the five heads with the highest induction score and measure the loss on the second copy again.

# %%
def zero_heads_hook(heads, d_head):
    """Pre-hook for attn.c_proj that zeroes the given heads' slices of its input (batch, pos, n_heads * d_head)."""
    def hook(module, inputs):
        (z,) = inputs
        z = z.clone()
        for head in heads:
            z[..., head * d_head:(head + 1) * d_head] = 0.0
        return (z,)
    return hook


def loss_on_second_copy(logits):
    return repeated_half_loss(logits, tokens, HALF).item()


d_head = model.config.n_embd // n_heads
ablate = {}
for i in top.indices.tolist():
    ablate.setdefault(i // n_heads, []).append(i % n_heads)
handles = [model.transformer.h[layer].attn.c_proj.register_forward_pre_hook(zero_heads_hook(heads, d_head))
           for layer, heads in ablate.items()]
try:
    with torch.no_grad():
        ablated_second = loss_on_second_copy(model(tokens).logits)
finally:
    for handle in handles:
        handle.remove()
with torch.no_grad():
    assert abs(loss_on_second_copy(model(tokens).logits) - second) < 1e-4, "hooks should be removed again"
print(f"second-copy loss: {second:.2f} clean, {ablated_second:.2f} with the top-5 induction heads removed")

# %%
if pretrained:
    # The claims, on the real model: it predicts the second copy, has heads that attend the
    # induction way, and leans on them.
    assert second < first - 2, "GPT-2 small should predict repeated random tokens"
    assert top.values[0] > 0.5, "GPT-2 small should have at least one strong induction head"
    assert ablated_second > second, "removing the induction heads should hurt the repeated half"
else:
    print("Random weights: the numbers above only show that the code runs.")
