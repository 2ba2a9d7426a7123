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
# # Take it apart
#
# The 2-layer model from the previous notebook predicts the second copy of a repeated segment.
# Here we find out how: which heads attend where, which heads copy, how the layer-0 heads
# feed the layer-1 heads (K-composition), and what breaks when we remove heads. The
# measurements follow Elhage et al. (2021), *A Mathematical Framework for Transformer Circuits*,
# and Olsson et al. (2022), *In-context Learning and Induction Heads*.

# %%
# Setup: install what is missing (Colab has everything), then pick a device.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("torch") is None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "torch"])

import math
import os
from pathlib import Path

import torch

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
torch.set_num_threads(1)
print("device:", device)

# %% [markdown]
# The model (`attn_only.py`, with its hooks from `hooks.py`) and the data, training and
# measurements (`induction.py`, with the scores from `scores.py`) are the previous notebook's,
# inlined below in the downloaded notebook.

# %%
from attn_only import *  # course: inline
from induction import *  # course: inline

# %% tags=["parameters"]
SMOKE = os.environ.get("SMOKE") == "1"   # tiny settings for CI / a laptop CPU
FULL = TrainConfig(steps=2000, batch=64, lr=3e-3, eval_every=100)
# TINY: a higher learning rate brings the phase change forward to about step 300 (of 450), so
# SMOKE trains 450 steps instead of 2000 and still ends well past it.
TINY = TrainConfig(steps=450, batch=64, lr=1e-2, eval_every=50)
config = TINY if SMOKE else FULL
HALF = 20  # test sequences: BOS, 20 random tokens, the same 20 again

# %% [markdown]
# ## The model
#
# The previous notebook saved `attn2.pt`; if it is not here, we train the same model again
# (seeded, so it is the same model).

# %%
if Path("attn2.pt").exists():
    saved = torch.load("attn2.pt", weights_only=False)
    model = AttnOnlyTransformer(saved["config"])
    model.load_state_dict(saved["state_dict"])
    print("loaded attn2.pt")
else:
    model = AttnOnlyTransformer(AttnOnlyConfig(n_layers=2))
    train(model, config, log=None)
model = model.to(device).eval()
cfg = model.cfg
tokens = repeated_random_tokens(64, HALF, cfg.d_vocab, torch.Generator().manual_seed(1234)).to(device)
logits, cache = model.run_with_cache(tokens)
print({name: tuple(act.shape) for name, act in list(cache.items())[:8]})

# %% [markdown]
# ## Exercise 1: score a head from its attention pattern
#
# A *previous-token head* puts its attention at position $i$ on position $i-1$. An *induction
# head*, on BOS + $r$ + $r$ with $|r| = n$, puts its attention at a token of the second copy on the
# token *after* that token's first occurrence: from index $i$ to index $i - n + 1$.
# Write both scores as the mean attention on the relevant diagonal.

# %%
def my_prev_token_score(pattern):
    """pattern: (T, T) attention of one head (rows: queries). Mean attention to the previous position."""
    ### BEGIN SOLUTION
    T = pattern.shape[-1]
    return torch.stack([pattern[i, i - 1] for i in range(1, T)]).mean()
    ### END SOLUTION


def my_induction_score(pattern, half_len):
    """Mean attention from each token i of the second copy (i = half_len + 1 .. 2 half_len) to i - half_len + 1."""
    ### BEGIN SOLUTION
    T = pattern.shape[-1]
    return torch.stack([pattern[i, i - half_len + 1] for i in range(half_len + 1, T)]).mean()
    ### END SOLUTION


# %%
# Checks on hand-built patterns with known answers.
T, n = 2 * 5 + 1, 5
perfect_prev = torch.zeros(T, T)
perfect_prev[0, 0] = 1
for i in range(1, T):
    perfect_prev[i, i - 1] = 1
perfect_induction = torch.eye(T)
for i in range(n + 1, T):
    perfect_induction[i] = 0
    perfect_induction[i, i - n + 1] = 1
uniform = torch.tril(torch.ones(T, T)) / torch.arange(1, T + 1)[:, None]
assert abs(my_prev_token_score(perfect_prev) - 1) < 1e-6, "A perfect previous-token head should score 1."
assert my_prev_token_score(torch.eye(T)) < 1e-6, \
    "A head attending to itself should score 0: did you read the main diagonal?"
assert abs(my_induction_score(perfect_induction, n) - 1) < 1e-6, \
    "A perfect induction head should score 1: the source is i - n + 1."
assert my_induction_score(perfect_prev, n) < 1e-6, "A previous-token head is not an induction head."
assert abs(my_induction_score(uniform, n) - induction_score(uniform, n)) < 1e-6, \
    "Average over the queries of the second copy, i = n + 1 .. 2n."
print("both scores pass")

# %% [markdown]
# ## Attention patterns and per-head scores
#
# One score per head, averaged over 64 test sequences. The previous-token head sits in layer 0,
# the induction head in layer 1.

# %%
induction, prev = head_scores(model, tokens, HALF)
print("head   induction  previous-token")
for layer in range(cfg.n_layers):
    for head in range(cfg.n_heads):
        print(f"{layer}.{head}   {induction[layer][head]:9.2f}  {prev[layer][head]:14.2f}")
ind_head = max(range(cfg.n_heads), key=lambda h: induction[1][h])
prev_head = max(range(cfg.n_heads), key=lambda h: prev[0][h])
# Training often spreads the job over several heads: keep every head that scores above 0.3.
ind_heads, prev_heads = heads_above(induction, 1), heads_above(prev, 0)
print(f"induction heads (layer 1, score > 0.3): {ind_heads}; strongest 1.{ind_head}")
print(f"previous-token heads (layer 0, score > 0.3): {prev_heads}; strongest 0.{prev_head}")
assert ind_heads and prev_heads, "expected at least one induction head and one previous-token head"

try:
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    for ax, (layer, head) in zip(axes, [(0, prev_head), (1, ind_head)], strict=True):
        ax.imshow(cache[f"blocks.{layer}.attn.hook_pattern"][0, head].cpu(), cmap="Blues")
        ax.set(title=f"head {layer}.{head}", xlabel="key position", ylabel="query position")
    plt.show()
except ImportError:
    pass

# %% [markdown]
# ## Per-token loss
#
# The first copy is random: nothing beats $\ln 63 \approx 4.14$ nats there. The second copy is
# predictable from the first, once the model has seen its first token.

# %%
loss_per_token = per_token_loss(logits, tokens).mean(0)
first, second = loss_per_token[1:HALF].mean().item(), loss_per_token[HALF + 1:].mean().item()
print(f"mean loss on the first copy {first:.2f}, on the second copy {second:.2f}")
assert second < first - 1.0

# %% [markdown]
# ## What the heads copy: OV circuits
#
# The full OV circuit $W_E W_{OV} W_U$ maps "which token was attended to" to "which logits go up".
# A copying head raises the logit of the token it attends to: its matrix has a strong diagonal and
# mostly positive eigenvalues. The copying score is $\sum_i \lambda_i / \sum_i |\lambda_i|$.

# %%
for layer in range(cfg.n_layers):
    for head in range(cfg.n_heads):
        M = full_ov_circuit(model, layer, head)
        diag_top = (M.argmax(dim=1) == torch.arange(cfg.d_vocab, device=M.device)).float().mean().item()
        print(f"head {layer}.{head}: copying score {copying_score(M):+.2f}, "
              f"diagonal is the row's top entry for {diag_top:.0%} of tokens")
assert copying_score(full_ov_circuit(model, 1, ind_head)) > 0.5, "the induction head should copy"

# %% [markdown]
# ## K-composition
#
# The induction head's *key* must say "the token before me was X". That information is written by
# the previous-token head. K-composition measures how much of layer-1 head $b$'s key side reads
# what layer-0 head $a$ writes: $\|W_{OV}^{a} (W_{QK}^{b})^T\|_F / (\|W_{OV}^{a}\|_F \|W_{QK}^{b}\|_F)$.

# %%
scores = {kind: composition_scores(model, kind) for kind in "QKV"}
for kind, M in scores.items():
    print(f"{kind}-composition (rows: layer-0 head, columns: layer-1 head)")
    for a, row in enumerate(M):
        print(f"  0.{a}: " + "  ".join(f"{x:.3f}" for x in row))
k_col = [scores["K"][a][ind_head] for a in range(cfg.n_heads)]
k_source = max(range(cfg.n_heads), key=k_col.__getitem__)
print(f"into the induction head 1.{ind_head}, K-composition is largest from 0.{k_source}")

# %% [markdown]
# ## Exercise 2: ablate heads
#
# Zero-ablation sets heads' outputs `z` to zero with hooks on `blocks.{layer}.attn.hook_z`
# (shape `(batch, pos, head, d_head)`); mean-ablation replaces them with their average over the
# batch and positions, which removes the heads' *information* but keeps their average effect.
# Write the zero-ablation of a set of heads and measure the repeated-half loss: first each head on
# its own, then all induction heads together and all previous-token heads together.

# %%
def loss_with_heads_zeroed(model, tokens, heads):
    """Repeated-half loss when every head in `heads` (a list of (layer, head)) outputs zeros."""
    ### BEGIN SOLUTION
    by_layer = {}
    for layer, head in heads:
        by_layer.setdefault(layer, []).append(head)

    def zero_heads(which):
        def hook(z, hook):
            z = z.clone()
            z[:, :, which] = 0.0
            return z
        return hook

    hooks = [(f"blocks.{layer}.attn.hook_z", zero_heads(hs)) for layer, hs in by_layer.items()]
    logits = model.run_with_hooks(tokens, hooks)
    return repeated_half_loss(logits, tokens, HALF).item()
    ### END SOLUTION


# %%
with torch.no_grad():
    clean = repeated_half_loss(model(tokens), tokens, HALF).item()
    mine = [[loss_with_heads_zeroed(model, tokens, [(layer, h)]) for h in range(cfg.n_heads)]
            for layer in range(cfg.n_layers)]
_, reference = ablation_losses(model, tokens, HALF, "zero")
_, mean_ablated = ablation_losses(model, tokens, HALF, "mean")
print(f"clean repeated-half loss {clean:.2f}")
for layer in range(cfg.n_layers):
    for h in range(cfg.n_heads):
        print(f"head {layer}.{h} removed: zero-ablation {mine[layer][h]:.2f}, "
              f"mean-ablation {mean_ablated[layer][h]:.2f}")
assert all(abs(a - b) < 1e-4
           for ra, rb in zip(mine, reference, strict=True) for a, b in zip(ra, rb, strict=True)), \
    "Your losses differ from the reference: did you clone z and zero only the chosen head (index 2)?"

without_induction = loss_with_heads_zeroed(model, tokens, ind_heads)
without_prev = loss_with_heads_zeroed(model, tokens, prev_heads)
assert abs(without_induction - ablated_loss(model, tokens, HALF, ind_heads)) < 1e-4, \
    "Ablating several heads: zero all of them in the same forward pass."
print(f"all induction heads {ind_heads} removed: {without_induction:.2f}")
print(f"all previous-token heads {prev_heads} removed: {without_prev:.2f}   (guessing: {math.log(63):.2f})")

# %% [markdown]
# One head alone may matter little when training has spread the job over several (the others
# still do it); removing the whole group sends the repeated half back towards guessing. Both
# halves of the circuit are needed.

# %%
assert without_induction > clean + 1.0, "removing the induction heads should break the repeated half"
assert without_prev > clean + 1.0, "removing the previous-token heads should break induction too"
