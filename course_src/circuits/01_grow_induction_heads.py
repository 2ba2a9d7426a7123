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
# # Grow your own induction heads
#
# We train a 2-layer attention-only transformer on random sequences in which segments occur
# again, and a 1-layer model on the same data as a control. The 2-layer model's loss on repeated
# tokens falls suddenly, part-way through training, as an *induction head* forms: the
# "phase change" of Olsson et al. (2022), *In-context Learning and Induction Heads*. The
# 1-layer model cannot form one: it has no earlier layer to tell it which token came *before*
# each earlier token.
#
# Runs on a laptop CPU: the full setting takes a few minutes; `SMOKE=1` a fraction of a minute.

# %%
# Setup: install what is missing (Colab has everything), then pick a device.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("torch") is None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "torch"])

import math
import os
import time

import torch

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
# The model is tiny: one CPU thread is about as fast as many, and it keeps runs reproducible.
torch.set_num_threads(1)
print("device:", device)

# %% [markdown]
# The model lives in `attn_only.py`: embeddings and attention layers without MLPs or LayerNorm,
# with hook points named as in TransformerLens (`blocks.1.attn.hook_pattern`, ...) from
# `hooks.py`, which adds `run_with_cache` and `run_with_hooks`. The data, the training loop and
# the scores live in `induction.py` and `scores.py`. The downloaded notebook has all four inlined
# below.

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
print(config)

# %% [markdown]
# ## The data: segments that occur again
#
# Every training sequence is BOS followed by random tokens 1..63, built left to right from chunks
# of 4 to 16 tokens: each chunk is either fresh random tokens or a copy of an earlier stretch of
# the same sequence. Chunk lengths and copy offsets vary, so no fixed offset works: the model has
# to *find* the earlier occurrence of the current token and predict what followed it.
#
# **Exercise.** Write `find_repeat(seq)`: the (first, second, length) of the longest segment that
# occurs twice without overlapping. It is how you would check the data by hand, and it is the
# search an induction head does in one step.

# %%
def find_repeat(seq):
    """(first, second, length) of the longest segment of `seq` (a list of ints) occurring twice."""
    ### BEGIN SOLUTION
    best = (None, None, 0)
    n = len(seq)
    for i in range(n):
        for j in range(i + 1, n):
            L = 0
            while j + L < n and i + L < j and seq[i + L] == seq[j + L]:
                L += 1
            if L > best[2]:
                best = (i, j, L)
    return best
    ### END SOLUTION


# %%
example = repeated_segment_batch(64, config.seq_len, 64, torch.Generator().manual_seed(0))
for seq in example[:4].tolist():
    first, second, length = find_repeat(seq)
    print(f"longest repeat: {length:2d} tokens at {first:2d} and again at {second:2d}:", seq[first:first + length])
with_repeat = sum(find_repeat(seq)[2] >= 4 for seq in example.tolist()) / len(example)
print(f"{with_repeat:.0%} of 64 sequences repeat a segment of 4 or more tokens")

# Checks: hand-made cases, then the generator's promise (most sequences repeat a segment).
assert find_repeat([0, 5, 6, 7, 9, 5, 6, 7, 2]) == (1, 5, 3), "Expected the segment [5, 6, 7] at 1 and 5."
assert find_repeat([0, 1, 2, 3])[2] == 0, "No token repeats, so the longest repeat has length 0."
assert find_repeat([0, 4, 4, 4, 4])[2] == 2, "Copies must not overlap: [4, 4] at 1 and again at 3."
assert with_repeat > 0.6, "Most sequences should repeat a segment of >= 4 tokens."

# %% [markdown]
# ## Train the 2-layer model
#
# We watch two things every `eval_every` steps, on 256 fixed sequences of the standard induction
# test (BOS, 20 random tokens, the same 20 again): the loss on the second copy, and the best
# layer-1 head's *induction score* (its mean attention from each token of the second copy to the
# token after that token's first occurrence).

# %%
t0 = time.time()
model2 = AttnOnlyTransformer(AttnOnlyConfig(n_layers=2)).to(device)
history2 = train(model2, config)
seconds2 = time.time() - t0
step = phase_change_step(history2)
print(f"2-layer: {seconds2:.0f} s; the repeated-half loss crossed halfway at step {step}")

# %% [markdown]
# ## The 1-layer control
#
# Same data, same steps, one layer. It can learn "tokens that appeared earlier are more likely"
# (a copying head), which helps a little; it cannot learn "the token *after* the earlier copy".

# %%
model1 = AttnOnlyTransformer(AttnOnlyConfig(n_layers=1)).to(device)
history1 = train(model1, config, log=None)
print(f"1-layer control: repeated-half loss {history1[-1]['repeated_loss']:.3f}")

# %% [markdown]
# ## The phase change
#
# Loss on the repeated half, and the best previous-token (layer 0) and induction (layer 1) scores,
# over training. Before you look, predict: do the two kinds of head appear at the same step, or
# one before the other? Olsson et al. (2022) argue that each half of the circuit is of little use
# without the other, which would make them form close together. This table shows what *this* run
# did, at the resolution of its evaluations (every `eval_every` steps; set it to 20 to see more).
# The course's study of the same recipe, evaluated every 20 steps for five seeds (section 4,
# `phase_change.json`), finds the two scores passing 0.3 within one evaluation of each other in
# every seed: timing that fits the argument, but evidence, not proof.
#
# Two more things to look for. Before the cliff the loss is not flat: in the shipped run (seed 0)
# it falls from 4.15 nats at step 100 to 3.90 at step 500, the copying that the 1-layer control
# learns too (raise the logits of tokens seen earlier in the context). And after the cliff the best
# induction score can *fall* while the loss keeps improving: layer-1 heads learn to send part of
# their attention to BOS (an attention sink), and attention parked on BOS is attention not on the
# induction target.

# %%
print(" step | loss 2-layer | loss 1-layer | prev-token L0 | induction L1")
for h2, h1 in zip(history2, history1, strict=True):
    print(f"{h2['step']:5d} | {h2['repeated_loss']:12.3f} | {h1['repeated_loss']:12.3f} |"
          f" {h2['prev_token_L0']:13.2f} | {h2['induction_L1']:12.2f}")


def halfway_step(key):
    """First evaluated step at which `key` has covered half its way from its start to its end value."""
    start, end = history2[0][key], history2[-1][key]
    return next(h["step"] for h in history2 if (h[key] - start) * (end - start) >= (end - start) ** 2 / 2)


print(f"half-way steps: previous-token score {halfway_step('prev_token_L0')}, "
      f"induction score {halfway_step('induction_L1')}, repeated-half loss {halfway_step('repeated_loss')}")

try:  # a plot where matplotlib is installed (Colab, most laptops); the table above says the same
    import matplotlib.pyplot as plt
    steps = [h["step"] for h in history2]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.5))
    ax1.plot(steps, [h["repeated_loss"] for h in history2], label="2 layers")
    ax1.plot(steps, [h["repeated_loss"] for h in history1], label="1 layer")
    ax1.set(xlabel="step", ylabel="loss on repeated half", title="The phase change")
    ax1.legend()
    ax2.plot(steps, [h["prev_token_L0"] for h in history2], label="previous-token (layer 0)")
    ax2.plot(steps, [h["induction_L1"] for h in history2], label="induction (layer 1)")
    ax2.set(xlabel="step", ylabel="best head's score")
    ax2.legend()
    plt.show()
except ImportError:
    pass

# %% [markdown]
# ## The claims, checked
#
# The 2-layer model predicts the repeated half far better than the control, and it has a head
# that attends the induction way. (With `SMOKE=1` the margins are smaller but still clear.)

# %%
loss2, loss1 = history2[-1]["repeated_loss"], history1[-1]["repeated_loss"]
assert loss2 < loss1 - 1.0, f"2-layer ({loss2:.2f}) should beat the 1-layer control ({loss1:.2f}) by > 1 nat"
assert history2[-1]["induction_L1"] > 0.3, "no layer-1 head attends the induction way yet"
assert history1[-1]["repeated_loss"] > 2.5, "a 1-layer model should not be able to do induction"
print(f"repeated-half loss: 2-layer {loss2:.2f} vs 1-layer {loss1:.2f} (uniform guessing: {math.log(63):.2f})")

# %%
# Keep the model for the next notebook: 02_take_it_apart studies it with OWN_MODEL = True (in the same folder).
torch.save({"config": model2.cfg, "state_dict": model2.state_dict()}, "attn2.pt")
