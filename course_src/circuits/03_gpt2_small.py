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

import copy
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
# `blocks.{layer}.attn.hook_pattern` in our model, so the scores are the same code:
# `prev_token_score` and `induction_score` from `scores.py`, the definitions of section 5 (the
# induction score averages over the 50 queries of the second copy the attention to the token after
# the earlier occurrence).

# %%
induction = torch.stack([induction_score(a.mean(0), HALF) for a in out.attentions])   # (layer, head)
prev = torch.stack([prev_token_score(a.mean(0)) for a in out.attentions])              # (layer, head)

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
# ## Exercise 1: find the heads from their scores
#
# Write `top_heads(scores, k)`: the `k` heads with the highest score in a `(n_layers, n_heads)`
# table, as `(layer, head)` pairs, best first.

# %%
def top_heads(scores, k):
    """[(layer, head), ...] of the k largest entries of scores (n_layers, n_heads), largest first."""
    ### BEGIN SOLUTION
    n_heads = scores.shape[1]
    return [(i // n_heads, i % n_heads) for i in scores.flatten().topk(k).indices.tolist()]
    ### END SOLUTION


# %%
def check_top_heads(fn):
    # 3 layers of 5 heads (not square, so layer and head cannot be confused), all scores distinct
    table = torch.tensor([[0.10, 0.90, 0.20, 0.30, 0.05],
                          [0.80, 0.15, 0.25, 0.70, 0.35],
                          [0.40, 0.45, 0.95, 0.12, 0.60]])
    got = [tuple(int(x) for x in pair) for pair in fn(table, 4)]
    right = [(2, 2), (0, 1), (1, 0), (1, 3)]
    mistakes = {
        "split the flat index by the number of layers instead of the number of heads per layer":
            [divmod(i, 3) for i in (12, 1, 5, 8)],
        "return (head, layer) instead of (layer, head)": [(h, layer) for layer, h in right],
        "sort smallest first": [(0, 4), (0, 0), (2, 3), (1, 1)],
        "take the best head of each layer instead of the best heads overall": [(0, 1), (1, 0), (2, 2)],
    }
    if got != right:
        why = next((why for why, value in mistakes.items() if got == value), None)
        hint = f" Did you {why}?" if why else ""
        raise AssertionError(f"On a 3 x 5 table you return {got}, expected {right}.{hint}")


check_top_heads(top_heads)
top_induction, top_prev = top_heads(induction, 5), top_heads(prev, 5)
print("top induction heads:", ", ".join(f"{layer}.{h} ({induction[layer, h]:.2f})" for layer, h in top_induction))
print("top previous-token heads:", ", ".join(f"{layer}.{h} ({prev[layer, h]:.2f})" for layer, h in top_prev))

# %% [markdown]
# ## Exercise 2: ablate heads in a model you did not write
#
# Each GPT-2 attention layer concatenates its heads' outputs `z` into one tensor of shape
# `(batch, pos, n_heads * d_head)`, head 0 first, and multiplies it by `attn.c_proj` (that is
# $W_O$, with a bias). A forward *pre*-hook on `c_proj` sees that input before the multiplication
# and may return a replacement (as a tuple). Write `zero_heads_hook(heads, d_head)`: a pre-hook that
# zero-ablates the heads in `heads` (indices within one layer), the same as `hook_z` in our model.
# (We do not use the `head_mask` argument: `transformers` 5.24, the version this course tests
# with, accepts it and leaves the output unchanged.)

# %%
def zero_heads_hook(heads, d_head):
    """Pre-hook for attn.c_proj that zeroes the given heads' slices of its input (batch, pos, n_heads * d_head)."""
    ### BEGIN SOLUTION
    def hook(module, inputs):
        (z,) = inputs
        z = z.clone()
        for head in heads:
            z[..., head * d_head:(head + 1) * d_head] = 0.0
        return (z,)
    return hook
    ### END SOLUTION


# %%
def check_model():
    """A tiny random GPT-2 for the checks: no biases and no LayerNorm shift, random LayerNorm scales."""
    config = GPT2Config(n_layer=2, n_head=4, n_embd=32, n_positions=32, vocab_size=50, bos_token_id=0,
                        eos_token_id=0, attn_implementation="eager")
    with torch.random.fork_rng():              # leave the notebook's random state alone
        torch.manual_seed(1)
        model = GPT2LMHeadModel(config).eval()
        with torch.no_grad():
            for name, p in model.named_parameters():
                if name.endswith(".bias"):
                    p.zero_()
                elif ".ln_" in name:
                    p.uniform_(0.5, 1.5)
        tokens = torch.randint(0, 50, (2, 12))
    return model, tokens


def check_zero_heads_hook(fn):
    model, toks = check_model()
    d_head, layer = model.config.n_embd // model.config.n_head, 1
    with torch.no_grad():
        clean = model(toks).logits
    for heads in ([], [2], [0, 3]):
        # the reference: a copy whose W_O has zero rows where these heads' z would enter
        reference = copy.deepcopy(model)
        with torch.no_grad():
            for head in heads:
                reference.transformer.h[layer].attn.c_proj.weight[head * d_head:(head + 1) * d_head] = 0.0
            expected = reference(toks).logits
            handle = model.transformer.h[layer].attn.c_proj.register_forward_pre_hook(fn(heads, d_head))
            try:
                got = model(toks).logits
            finally:
                handle.remove()
        if not torch.allclose(got, expected, atol=1e-5):
            unchanged = torch.allclose(got, clean, atol=1e-5)
            raise AssertionError(
                f"Zeroing heads {heads} of layer {layer} gives other logits than removing their rows of W_O"
                + (": your hook changed nothing. Does it return the new input as a tuple?" if unchanged else
                   ". Head h is the slice h * d_head:(h + 1) * d_head of the last axis (not the position "
                   "axis, not every n_heads-th entry); zero every head in the list."))


check_zero_heads_hook(zero_heads_hook)

# %% [markdown]
# Now remove the five heads with the highest induction score and measure the loss on the second
# copy again.

# %%
def loss_on_second_copy(logits):
    return repeated_half_loss(logits, tokens, HALF).item()


d_head = model.config.n_embd // n_heads
ablate = {}
for layer, head in top_induction:
    ablate.setdefault(layer, []).append(head)
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

# %% [markdown]
# ## Exercise 3: a head's QK and OV matrices, LayerNorm included
#
# In our model a head's $W_{QK} = W_Q W_K^T$ and $W_{OV} = W_V W_O$ were read straight from the
# weights. GPT-2 stores them differently: `attn.c_attn.weight` is `(d_model, 3 d_model)`, the
# queries, keys and values side by side (in that order), each split into `n_heads` contiguous
# blocks of `d_head` columns; `attn.c_proj.weight` is `(d_model, d_model)` with the heads' `z` as
# its *rows* (`transformers`' `Conv1D` computes `x @ weight + bias`, the transpose of
# `nn.Linear`). And each layer first applies LayerNorm, `ln_1`: it centres and scales the residual
# vector to $\hat x$, then multiplies by a learned scale $\gamma$ and adds a shift $\beta$. Write
# `head_matrices(model, layer, head)`, returning `(W_QK, W_OV)`, each `(d_model, d_model)`, for a
# head reading $\hat x$: the scale $\gamma$ folded in, so that (without biases and $\beta$) the
# attention scores are $\hat x_i W_{QK} \hat x_j^T / \sqrt{d_\text{head}}$ and the head writes
# $\sum_j a_{ij} \hat x_j W_{OV}$.

# %%
def head_matrices(model, layer, head):
    """(W_QK, W_OV) of one GPT-2 head, each (d_model, d_model), with ln_1's scale folded in."""
    ### BEGIN SOLUTION
    block = model.transformer.h[layer]
    d_model = model.config.n_embd
    d_head = d_model // model.config.n_head
    cols = slice(head * d_head, (head + 1) * d_head)
    W = block.ln_1.weight[:, None] * block.attn.c_attn.weight              # (d_model, 3 d_model), gamma folded in
    W_Q, W_K, W_V = (W[:, i * d_model:(i + 1) * d_model][:, cols] for i in range(3))  # each (d_model, d_head)
    W_O = block.attn.c_proj.weight[cols]                                   # (d_head, d_model)
    return (W_Q @ W_K.T).detach(), (W_V @ W_O).detach()
    ### END SOLUTION


# %%
def check_head_matrices(fn):
    model, toks = check_model()
    n_heads = model.config.n_head
    d_head = model.config.n_embd // n_heads
    for layer in range(model.config.n_layer):
        block, seen = model.transformer.h[layer], {}
        gamma = block.ln_1.weight.detach()

        def save_x_hat(module, inputs, output, seen=seen):  # ln_1's output is x_hat * gamma (no shift)
            seen["x_hat"] = output / module.weight

        def save_z(module, inputs, seen=seen):
            seen["z"] = inputs[0]

        hooks = [block.ln_1.register_forward_hook(save_x_hat), block.attn.c_proj.register_forward_pre_hook(save_z)]
        try:
            with torch.no_grad():
                patterns = model(toks, output_attentions=True).attentions[layer]        # (B, nh, T, T)
        finally:
            for h in hooks:
                h.remove()
        x_hat, T = seen["x_hat"], toks.shape[1]
        causal = torch.ones(T, T, dtype=torch.bool).tril()

        def pattern_from(W_QK, x_hat=x_hat, causal=causal):
            scores = x_hat @ W_QK @ x_hat.transpose(-1, -2) / d_head ** 0.5                # (B, T, T)
            return scores.masked_fill(~causal, float("-inf")).softmax(-1)

        for head in range(n_heads):
            W_QK, W_OV = (torch.as_tensor(M, dtype=torch.float32) for M in fn(model, layer, head))
            where = f"head {layer}.{head}"
            assert W_QK.shape == W_OV.shape == (model.config.n_embd,) * 2, f"{where}: both should be (d_model, d_model)"
            if not torch.allclose(pattern_from(W_QK), patterns[:, head], atol=1e-5):
                for why, M in (("swap the query and key sides? W_QK = W_Q W_K^T, with Q the first third of "
                                 "c_attn and K the second", W_QK.T),
                               ("leave out ln_1's scale? Fold gamma into the rows of W_Q and of W_K",
                                gamma[:, None] * W_QK * gamma[None, :]),
                               ("fold ln_1's scale into one side only? Both W_Q and W_K read the scaled vector",
                                W_QK * gamma[None, :]),
                               ("fold ln_1's scale into one side only? Both W_Q and W_K read the scaled vector",
                                gamma[:, None] * W_QK)):
                    if torch.allclose(pattern_from(M), patterns[:, head], atol=1e-5):
                        raise AssertionError(f"{where}: your W_QK does not give the model's attention. Did you {why}.")
                raise AssertionError(f"{where}: your W_QK does not give the model's attention pattern. Q, K and V "
                                     "are the three d_model-wide thirds of c_attn in that order, and head h is the "
                                     "contiguous columns h * d_head:(h + 1) * d_head of each.")
            write = seen["z"][..., head * d_head:(head + 1) * d_head] @ block.attn.c_proj.weight[
                head * d_head:(head + 1) * d_head]                                           # (B, T, d_model)
            if not torch.allclose(patterns[:, head] @ x_hat @ W_OV, write, atol=1e-5):
                if torch.allclose(patterns[:, head] @ x_hat @ (gamma[:, None] * W_OV), write, atol=1e-5):
                    raise AssertionError(f"{where}: your W_OV leaves out ln_1's scale; fold gamma into W_V's rows.")
                raise AssertionError(f"{where}: your W_OV does not give what the head writes. W_V is the third "
                                     "third of c_attn; W_O is the head's d_head *rows* of c_proj.weight (Conv1D "
                                     "computes x @ weight, so its weight is not transposed like nn.Linear's).")


check_head_matrices(head_matrices)

# %% [markdown]
# ## K-composition in GPT-2 small
#
# With the matrices, section 3's composition score applies: how much of an induction head's key
# side reads what a previous-token head writes. One number means little on its own (section 3), so
# each score below is ranked among the K-composition scores of *every* head in earlier layers into
# the same induction head. (LayerNorm's centring and the size of the residual stream are left out:
# a first look, not a proof.)

# %%
with torch.no_grad():
    matrices = {(layer, h): head_matrices(model, layer, h) for layer in range(n_layers) for h in range(n_heads)}
    for b in top_induction[:3]:
        W_QK_b = matrices[b][0]
        earlier = {a: composition_score(matrices[a][1], W_QK_b.T).item() for a in matrices if a[0] < b[0]}
        if not earlier:
            print(f"induction head {b[0]}.{b[1]} is in layer 0: nothing before it to compose with")
            continue
        ranked = sorted(earlier, key=earlier.get, reverse=True)
        found = [f"{a[0]}.{a[1]} ({earlier[a]:.3f}, rank {ranked.index(a) + 1} of {len(ranked)})"
                 for a in top_prev if a in earlier]
        print(f"into induction head {b[0]}.{b[1]}: from previous-token heads {', '.join(found) or '(none earlier)'}; "
              f"median of all earlier heads {sorted(earlier.values())[len(earlier) // 2]:.3f}")

# %% [markdown]
# Do the previous-token heads rank near the top? Olsson et al. (2022) and ARENA's chapter 1.2 read
# the same evidence in GPT-2 small; compare what you get. A high rank is a hint, not a proof: the
# causal test is to ablate the previous-token heads and watch the induction heads' *attention* (their
# induction score) fall, with the hook of exercise 2.

# %%
if pretrained:
    # The claims, on the real model: it predicts the second copy, has heads that attend the
    # induction way, and leans on them.
    assert second < first - 2, "GPT-2 small should predict repeated random tokens"
    assert induction[top_induction[0]] > 0.5, "GPT-2 small should have at least one strong induction head"
    assert ablated_second > second, "removing the induction heads should hurt the repeated half"
else:
    print("Random weights: the numbers above only show that the code runs.")
