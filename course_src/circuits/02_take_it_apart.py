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
# The 2-layer model of section 4 predicts the second copy of a repeated segment. Here we find out
# how: which heads attend where, which heads copy, how the layer-0 heads feed the layer-1 heads
# (K-composition), and what breaks when we remove heads. The measurements follow Elhage et al.
# (2021), *A Mathematical Framework for Transformer Circuits*, and Olsson et al. (2022),
# *In-context Learning and Induction Heads*.
#
# By default the notebook studies the model the chapters study: the weights that ship with the
# site (`attn2.bin`, trained by `export_weights.py` with notebook 01's full settings), so the head
# numbers here match the chapters. To take apart the model you grew in notebook 01 instead, set
# `OWN_MODEL = True` below.

# %%
# Setup: install what is missing (Colab has everything), then pick a device.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("torch") is None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "torch"])

import json
import math
import os
import struct
import urllib.request
from pathlib import Path

import torch

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
torch.set_num_threads(1)
print("device:", device)

# %% [markdown]
# The model (`attn_only.py`, with its hooks from `hooks.py`) is the previous notebook's, inlined
# below in the downloaded notebook. The measurements come later, after the first three exercises.

# %%
from attn_only import *  # course: inline

# %% tags=["parameters"]
SMOKE = os.environ.get("SMOKE") == "1"   # CI: the same shipped model, read from the checkout
OWN_MODEL = False                        # True: take apart attn2.pt, saved by notebook 01
HALF = 20                                # test sequences: BOS, 20 random tokens, the same 20 again

# %% [markdown]
# ## The model
#
# The weights file is 4 bytes of header length, a JSON header (the config, and each tensor's name,
# shape and offset), then every tensor as little-endian float32, row-major (the format
# `export_weights.py` writes). The notebook reads it from a checkout of the course when there is
# one (the folder you run in or one above it, or the one holding the Python environment, as in
# CI), and downloads it otherwise.

# %%
# The course's data folder online; at a venue without internet, the organizer's laptop
# (COURSE_DATA_URL=http://HOST:8000/assets/data, as the venue server prints).
COURSE_DATA_URL = os.environ.get("COURSE_DATA_URL",
                                 "https://raw.githubusercontent.com/open-ai-safety/course/main/docs/assets/data")
ATTN2_URL = f"{COURSE_DATA_URL}/circuits/attn2.bin"


def shipped_file(url):
    """The bytes of a file under docs/assets/data/circuits: from a checkout if there is one, else downloaded."""
    name = url.rsplit("/", 1)[-1]
    for root in (Path.cwd(), *Path.cwd().parents, Path(sys.prefix).parent):
        path = root / "docs" / "assets" / "data" / "circuits" / name
        if path.is_file():
            return path.read_bytes()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read()
    except OSError as err:
        raise RuntimeError(f"{name} is not in a checkout of the course and could not be downloaded "
                           f"from {url} ({err}); run notebook 01 and set OWN_MODEL = True") from err


def load_attn_only(blob):
    """An AttnOnlyTransformer from the bytes of a weights file (format above)."""
    (n,) = struct.unpack("<I", blob[:4])
    header = json.loads(blob[4:4 + n])
    flat = torch.frombuffer(bytearray(blob[4 + n:]), dtype=torch.float32)
    model = AttnOnlyTransformer(AttnOnlyConfig(**header["config"]))
    model.load_state_dict({t["name"]: flat[t["offset"]:t["offset"] + math.prod(t["shape"])].view(t["shape"])
                           for t in header["tensors"]})
    return model


if OWN_MODEL:
    saved = torch.load("attn2.pt", weights_only=False)
    model = AttnOnlyTransformer(saved["config"])
    model.load_state_dict(saved["state_dict"])
    print("loaded your own attn2.pt")
else:
    model = load_attn_only(shipped_file(ATTN2_URL))
    print("loaded the shipped attn2.bin")
model = model.to(device).eval()
cfg = model.cfg
print(cfg)

# %% [markdown]
# ## Exercises 1 and 2: score a head from its attention pattern
#
# A *previous-token head* puts its attention at position $i$ on position $i-1$. An *induction
# head*, on BOS + $r$ + $r$ with $|r| = n$, puts its attention at a token of the second copy on the
# token *after* that token's first occurrence: from index $i$ to index $i - n + 1$.
# Write both scores as the mean attention on the relevant diagonal: the previous-token score over
# every query that has a previous position ($i = 1 \dots T-1$), the induction score over the
# queries of the second copy ($i = n + 1 \dots 2n$).

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
# Checks on hand-built patterns with known answers (float64, so a wrong index cannot hide in rounding).
def expect(got, expected, mistakes, where, tol=1e-9):
    """Fail unless got == expected; name the mistake whose value `got` matches, if one does."""
    got = float(got)
    if abs(got - expected) < tol:
        return
    why = next((why for why, value in mistakes.items() if abs(got - value) < tol), None)
    hint = f" Did you {why}?" if why else ""
    raise AssertionError(f"On {where} your score is {got:.4f}, expected {expected:.4f}.{hint}")


def hand_built_patterns(n=5):
    """Causal (T, T) patterns, T = 2n + 1: perfect previous-token and induction heads, uniform, random."""
    T = 2 * n + 1
    causal = torch.ones(T, T, dtype=torch.float64).tril()
    prev, induction = torch.zeros(T, T, dtype=torch.float64), torch.eye(T, dtype=torch.float64)
    prev[0, 0] = 1
    for i in range(1, T):
        prev[i, i - 1] = 1
    for i in range(n + 1, T):
        induction[i] = 0
        induction[i, i - n + 1] = 1
    rand = torch.rand(T, T, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * causal
    # the random pattern first: on it every mistake below gives its own value, so it is named
    return {"a random causal pattern": rand / rand.sum(-1, keepdim=True),
            "a perfect previous-token head": prev, "a perfect induction head": induction,
            "a head attending to itself": torch.eye(T, dtype=torch.float64),
            "uniform causal attention": causal / causal.sum(-1, keepdim=True)}


def mean(xs):
    return sum(xs) / len(xs)


def check_prev_token_score(fn):
    for where, p in hand_built_patterns().items():
        T = p.shape[0]
        diag = [p[i, i - 1].item() for i in range(1, T)]
        expect(fn(p), mean(diag), {
            "divide by T instead of the T - 1 queries that have a previous position": sum(diag) / T,
            "skip query 1 (it has a previous position: 0)": mean(diag[1:]),
            "take the largest entry instead of the mean": max(diag),
            "read p[i - 1, i]: rows are queries, columns are keys": mean([p[i - 1, i].item() for i in range(1, T)]),
            "average only over the second half": mean(diag[T // 2:]),
        }, where)


def check_induction_score(fn, n=5):
    for where, p in hand_built_patterns(n).items():
        T = p.shape[0]

        def diagonal(offset, first, p=p, T=T):
            return [p[i, i - offset].item() for i in range(first, T)]

        right = diagonal(n - 1, n + 1)
        expect(fn(p, n), mean(right), {
            "look at i - n, the earlier copy of the same token (a duplicate-token head), not the token after it":
                mean(diagonal(n, n + 1)),
            "look at i - n - 1 instead of i - n + 1": mean(diagonal(n + 1, n + 1)),
            "start at query n, the last token of the first copy": mean(diagonal(n - 1, n)),
            "average the whole diagonal from query n - 1": mean(diagonal(n - 1, n - 1)),
            "skip the first query of the second copy": mean(right[1:]),
            "divide by T instead of the n queries of the second copy": sum(right) / T,
            "take the largest entry instead of the mean": max(right),
        }, where)


check_prev_token_score(my_prev_token_score)
check_induction_score(my_induction_score)
print("both scores pass")

# %% [markdown]
# ## Exercise 3: how often is the diagonal the top entry?
#
# A head's *full OV circuit* (below) is a square matrix: row $t$ says which logits go up when the
# head attends to token $t$. Write `my_diagonal_top1(M)`: the fraction of rows $t = 1 \dots n-1$
# whose largest entry is $M_{tt}$ ("attending to $t$ raises $t$'s logit more than any other"),
# read along the rows, not down the columns. Row 0 is BOS, which no head copies, so it is left out.

# %%
def my_diagonal_top1(M):
    """Fraction of rows t = 1 .. n-1 of the square matrix M (a tensor) whose largest entry is M[t, t]."""
    ### BEGIN SOLUTION
    rows = torch.arange(1, M.shape[0], device=M.device)
    return (M[1:].argmax(dim=1) == rows).double().mean().item()
    ### END SOLUTION


# %%
def check_diagonal_top1(fn):
    # Rows and columns give different answers here: of rows 1..4 only row 1 peaks off the diagonal
    # (3 of 4 pass), while columns 2, 3 and 4 peak in row 1 (1 of 4 pass).
    M = torch.tensor([[9.0, 0, 0, 0, 0], [0, 1, 5, 6, 7], [0, 0, 2, 0, 0], [0, 0, 0, 3, 0], [0, 0, 0, 0, 4]])
    expect(fn(M), 0.75, {
        "read down the columns (argmax over dim 0) instead of along the rows (a row is one attended-to token)": 0.25,
        "count the rows instead of taking the fraction": 3,
        "include row 0 (BOS)": 0.8,
    }, "a 5 x 5 matrix whose row 1 peaks off the diagonal")
    # A large negative diagonal entry lowers that logit: it is not copying.
    expect(fn(torch.tensor([[0.0, 0, 0], [0, -9, 1], [0, 0, 2]])), 0.5,
           {"compare absolute values (a negative diagonal entry suppresses its token, it does not copy it)": 1.0},
           "[[0, 0, 0], [0, -9, 1], [0, 0, 2]]")


check_diagonal_top1(my_diagonal_top1)

# %% [markdown]
# Now the measurements of the previous notebooks, in `induction.py` (with the scores of
# `scores.py`), inlined below in the downloaded notebook; `scores.py` holds the course's one
# definition of each score, which your functions must agree with (they are checked against it next).

# %%
from induction import *  # course: inline

# %%
tokens = repeated_random_tokens(64, HALF, cfg.d_vocab, torch.Generator().manual_seed(1234)).to(device)
logits, cache = model.run_with_cache(tokens)
print({name: tuple(act.shape) for name, act in list(cache.items())[:8]})

# %% [markdown]
# ## Attention patterns and per-head scores
#
# One score per head, averaged over 64 test sequences, with your functions; `head_scores` from
# `induction.py` computes the same table, all heads at once. The previous-token heads sit in
# layer 0, the induction heads in layer 1.

# %%
patterns = {(layer, head): cache[f"blocks.{layer}.attn.hook_pattern"][:, head].mean(0)
            for layer in range(cfg.n_layers) for head in range(cfg.n_heads)}     # (T, T) each
induction = [[my_induction_score(patterns[layer, h], HALF).item() for h in range(cfg.n_heads)]
             for layer in range(cfg.n_layers)]
prev = [[my_prev_token_score(patterns[layer, h]).item() for h in range(cfg.n_heads)] for layer in range(cfg.n_layers)]
assert torch.allclose(torch.tensor([induction, prev]), torch.tensor(head_scores(model, tokens, HALF)), atol=1e-5), \
    "your scores should match the library's"
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
# The full OV circuit $W_E W_{OV} W_U$ maps "which token was attended to" (row) to "which logits go
# up" (column). A copying head raises the logit of the token it attends to: its matrix has a strong
# diagonal and mostly positive eigenvalues. The copying score is
# $\sum_i \lambda_i / \sum_i |\lambda_i|$ (`copying_score`); beside it, your `my_diagonal_top1`.

# %%
for layer in range(cfg.n_layers):
    for head in range(cfg.n_heads):
        M = full_ov_circuit(model, layer, head)
        assert abs(my_diagonal_top1(M) - diagonal_top1(M)) < 1e-12, "your diagonal_top1 should match the library's"
        print(f"head {layer}.{head}: copying score {copying_score(M):+.2f}, "
              f"diagonal is the row's top entry for {my_diagonal_top1(M):.0%} of tokens")
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
# ## Ablations: zero, mean, and mean at each position
#
# Zero-ablation sets heads' outputs `z` to zero with hooks on `blocks.{layer}.attn.hook_z`
# (shape `(batch, pos, head, d_head)`). Mean-ablation (`ablation_losses(..., "mean")`) replaces them
# with their average over the test batch *and all positions*: that removes what the head says about
# each particular sequence, but it also throws away anything the head writes that depends on the
# position, and a head in a model with learned position embeddings can write a different constant
# at each position. Here is the table for every head, with the loss on the second copy:

# %%
with torch.no_grad():
    clean = repeated_half_loss(model(tokens), tokens, HALF).item()
_, zero_ablated = ablation_losses(model, tokens, HALF, "zero")
_, mean_ablated = ablation_losses(model, tokens, HALF, "mean")
print(f"clean repeated-half loss {clean:.2f}")
for layer in range(cfg.n_layers):
    for h in range(cfg.n_heads):
        print(f"head {layer}.{h} removed: zero-ablation {zero_ablated[layer][h]:.2f}, "
              f"mean-ablation {mean_ablated[layer][h]:.2f}")

# %% [markdown]
# ## Exercise 4: mean-ablation at each position, on the training distribution
#
# Write `mean_ablated_loss(model, tokens, heads, reference)`: the repeated-half loss of `tokens`
# when every head in `heads` (a list of `(layer, head)`) outputs, at each position $t$, its mean
# `z` at position $t$ over a `reference` batch, instead of its own. The reference batch is data
# from the training distribution (`repeated_segment_batch`), not the test sequences: we want to
# remove what the head computes on *these* sequences, keeping what it does on average at each
# position. Several heads are replaced in the same forward pass; the means come from a clean run
# on the reference batch.

# %%
def mean_ablated_loss(model, tokens, heads, reference):
    """Repeated-half loss of tokens (B, 1 + 2 HALF) with each (layer, head) in `heads` replaced by
    its per-position mean z over `reference` (B', T' >= T) from a clean run."""
    ### BEGIN SOLUTION
    T = tokens.shape[1]
    with torch.no_grad():
        _, ref = model.run_with_cache(reference[:, :T], names_filter=lambda name: name.endswith("hook_z"))

        def replace(head, mean_z):                 # mean_z: (T, d_head), broadcast over the batch
            def hook(z, hook):
                z = z.clone()
                z[:, :, head] = mean_z
                return z
            return hook

        hooks = [(f"blocks.{layer}.attn.hook_z", replace(head, ref[f"blocks.{layer}.attn.hook_z"][:, :, head].mean(0)))
                 for layer, head in heads]
        return repeated_half_loss(model.run_with_hooks(tokens, hooks), tokens, HALF).item()
    ### END SOLUTION


# %%
training_batch = repeated_segment_batch(256, cfg.n_ctx, cfg.d_vocab, torch.Generator().manual_seed(7)).to(device)


def reference_mean_ablated_loss(model, tokens, heads, reference, per_position=True):
    """The check's own implementation (per_position=False: one mean over batch and positions)."""
    T = tokens.shape[1]
    with torch.no_grad():
        _, ref = model.run_with_cache(reference[:, :T], names_filter=lambda name: name.endswith("hook_z"))
        by_point = {}
        for layer, head in heads:
            z = ref[f"blocks.{layer}.attn.hook_z"][:, :, head]               # (B', T, d_head)
            by_point.setdefault(layer, {})[head] = z.mean(0) if per_position else z.mean((0, 1))

        def hook(z, hook):
            z = z.clone()
            for head, mean_z in by_point[int(hook.name.split(".")[1])].items():
                z[:, :, head] = mean_z
            return z

        logits = model.run_with_hooks(tokens, [(f"blocks.{layer}.attn.hook_z", hook) for layer in by_point])
        return repeated_half_loss(logits, tokens, HALF).item()


def check_mean_ablated_loss(fn):
    test = tokens[:16]
    for heads in ([(0, 3)], [(0, 2), (0, 3)], [(0, 0), (1, 2)]):
        last_per_layer = list({layer: (layer, head) for layer, head in heads}.values())
        right = reference_mean_ablated_loss(model, test, heads, training_batch)
        expect(fn(model, test, heads, training_batch), right, {
            "average over the positions as well as the batch (one constant instead of one per position)":
                reference_mean_ablated_loss(model, test, heads, training_batch, per_position=False),
            "take the means from the test tokens instead of the reference batch":
                reference_mean_ablated_loss(model, test, heads, test),
            "set the outputs to zero (zero-ablation)": ablated_loss(model, test, HALF, heads, "zero"),
            "keep one head per layer (a dict from layer to head overwrites the others)":
                reference_mean_ablated_loss(model, test, last_per_layer, training_batch),
        }, f"heads {heads}", tol=1e-4)


check_mean_ablated_loss(mean_ablated_loss)
per_position = [[mean_ablated_loss(model, tokens, [(layer, h)], training_batch) for h in range(cfg.n_heads)]
                for layer in range(cfg.n_layers)]
print("loss on the second copy with one head removed (clean {:.2f})".format(clean))
print("head   zero   mean (test batch, all positions)   mean per position (training data)")
for layer in range(cfg.n_layers):
    for h in range(cfg.n_heads):
        print(f"{layer}.{h}   {zero_ablated[layer][h]:5.2f}   {mean_ablated[layer][h]:32.2f}"
              f"   {per_position[layer][h]:33.2f}")

# %% [markdown]
# Look at head 0.0 in the shipped model: zero-ablating it *lowers* the loss on the second copy,
# while either mean-ablation raises it. Zero is not "no information": it is an input the later
# heads never saw in training. Head 0.0 has the largest Q-composition into the layer-1 heads (the
# table above), and the next cell shows what its output does there: with it zeroed, three layer-1
# heads stop sending a third of their attention to BOS (an *attention sink*) and attend to the
# induction target instead, which helps on this test, while the loss on training data gets worse.
# An ablation answers "what happens with this input"; the answer depends on what you put in the
# head's place.

# %%
def with_heads_zeroed(heads, batch):
    """Layer-1 patterns (nh, T, T), averaged over `batch`, and the mean loss over all positions."""
    saved = {}

    def save(pattern, hook):
        saved["pattern"] = pattern.mean(0)

    hooks = [(f"blocks.{layer}.attn.hook_z", ablate_head_hook(head)) for layer, head in heads]
    with torch.no_grad():
        logits = model.run_with_hooks(batch, [*hooks, ("blocks.1.attn.hook_pattern", save)])
    return saved["pattern"], per_token_loss(logits, batch).mean().item()


for label, heads in (("clean", []), ("0.0 zeroed", [(0, 0)])):
    pattern, _ = with_heads_zeroed(heads, tokens)
    _, train_loss = with_heads_zeroed(heads, training_batch)
    to_bos = pattern[:, HALF + 1:, 0].mean(-1)       # second-copy queries' attention to BOS, per head
    print(f"{label:10s}: layer-1 attention to BOS {[round(x, 2) for x in to_bos.tolist()]}, induction scores "
          f"{[round(x, 2) for x in induction_score(pattern, HALF).tolist()]}, loss on training data {train_loss:.2f}")
    if label == "clean":
        clean_bos, clean_train = to_bos, train_loss
if not OWN_MODEL:  # the claims above are about the shipped model
    assert zero_ablated[0][0] < clean < mean_ablated[0][0], "head 0.0: zero- and mean-ablation should disagree in sign"
    assert to_bos.max() < clean_bos.max() / 3 and train_loss > clean_train, \
        "0.0 zeroed: less BOS attention, worse training loss"

# %% [markdown]
# ## Removing the circuit
#
# One head alone may matter little when training has spread the job over several (the others
# still do it). Remove all induction heads together, then all previous-token heads together.

# %%
without_induction = ablated_loss(model, tokens, HALF, ind_heads)
without_prev = ablated_loss(model, tokens, HALF, prev_heads)
print(f"all induction heads {ind_heads} removed: {without_induction:.2f}")
print(f"all previous-token heads {prev_heads} removed: {without_prev:.2f}   (guessing: {math.log(63):.2f})")

# %% [markdown]
# Removing either group sends the second copy back towards guessing. Both halves of the circuit
# are needed.

# %%
assert without_induction > clean + 1.0, "removing the induction heads should break the repeated half"
assert without_prev > clean + 1.0, "removing the previous-token heads should break induction too"
