# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Sample from GPT-2
#
# A language model gives a probability for every possible next token; a decoding rule turns
# those into text. This notebook loads the model trained in the previous notebook (or OpenAI's
# GPT-2 small when you are online and have no checkpoint), and compares greedy decoding,
# temperature, top-k and top-p (nucleus) sampling. You will write the two filters and a
# generation loop with a key/value cache, which makes each new token cost one position's work
# instead of the whole prefix's.

# %%
# Install what is missing (only when an import fails), then pick the device.
import importlib.util
import subprocess
import sys

REQUIREMENTS = {"torch": "torch>=2.4", "tiktoken": "tiktoken>=0.9", "transformers": "transformers>=4.46"}
missing = [spec for module, spec in REQUIREMENTS.items() if importlib.util.find_spec(module) is None]
if missing:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *missing])

import torch

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
print(f"torch {torch.__version__} on {device}")

# %% tags=["parameters"]
import os
from pathlib import Path

SMOKE = os.environ.get("SMOKE") == "1"  # tiny settings for CI / a laptop CPU
CHECKPOINT = Path(os.environ.get("CHECKPOINT", "out/gpt2-smoke/ckpt.pt" if SMOKE else "out/gpt2-124M/ckpt.pt"))
ALLOW_DOWNLOAD = not SMOKE  # without a checkpoint, fall back to OpenAI's GPT-2 small (online)
NEW_TOKENS = 12 if SMOKE else 60

# %%
import time

import tiktoken

# %%
from model import *  # course: inline

# %%
enc = tiktoken.get_encoding("r50k_base")


def load_model():
    """(model, where it came from): the trained checkpoint, OpenAI's weights, or a random tiny model."""
    if CHECKPOINT.exists():
        ckpt = torch.load(CHECKPOINT, map_location="cpu", weights_only=True)
        model = GPT(GPTConfig(**ckpt["model_config"]))
        model.load_state_dict(ckpt["model"])
        return model, f"checkpoint {CHECKPOINT} (step {ckpt['step']})"
    if ALLOW_DOWNLOAD:
        try:
            return GPT.from_pretrained("gpt2"), "OpenAI's GPT-2 small"
        except OSError as error:
            print(f"Could not download GPT-2 ({error.__class__.__name__}).")
    torch.manual_seed(0)  # untrained: samples are noise, but every mechanism below still runs
    model = GPT(GPTConfig.from_preset("tiny", vocab_size=50304))
    return model, "a randomly initialised tiny model (no checkpoint found)"


model, origin = load_model()
model = model.to(device).eval()
print(f"Sampling from {origin}: {model.num_params():,} parameters")

prompt = "The clockmaker said that"
idx = torch.tensor([enc.encode(prompt)], device=device)  # (1, T)


def show(tokens):
    """Decode, skipping the ids of a padded vocabulary that the tokenizer does not have."""
    return enc.decode([t for t in tokens.tolist() if t < enc.n_vocab])


# %% [markdown]
# ## Greedy decoding and temperature
#
# Greedy decoding takes the most likely token every time (`temperature=0` in `generate`); it is
# deterministic and tends to repeat itself. Sampling divides the logits by a temperature first:
# below 1 sharpens the distribution, above 1 flattens it. The entropy (in nats) shows how
# spread out the next-token distribution is.

# %%
greedy = model.generate(idx, NEW_TOKENS, temperature=0)
assert greedy.shape == (1, idx.size(1) + NEW_TOKENS)
print("greedy:", repr(show(greedy[0])))

with torch.no_grad():
    logits = model(idx)[0][:, -1, :]  # (1, V): the next-token logits after the prompt
for temperature in (0.5, 1.0, 2.0):
    probs = torch.softmax(logits / temperature, dim=-1)
    entropy = -(probs * probs.clamp_min(1e-12).log()).sum().item()
    print(f"temperature {temperature}: entropy {entropy:.2f} nats, top token p = {probs.max().item():.3f}")

# %% [markdown]
# ## Exercise: top-k and top-p filters
#
# Both filters set the logits of excluded tokens to `-inf`, so the softmax gives them zero
# probability. Top-k keeps the k largest logits in each row (Fan et al., 2018). Top-p (Holtzman
# et al., 2019) keeps the smallest set of most likely tokens whose probabilities add up to at
# least p: sort by probability, and keep a token if the mass of the tokens before it is still
# below p.


# %%
def top_k_filter(logits, k):
    """logits (B, V) -> (B, V) with all but the k largest per row set to -inf."""
    ### BEGIN SOLUTION
    kth_largest = torch.topk(logits, k, dim=-1).values[:, [-1]]  # (B, 1)
    return logits.masked_fill(logits < kth_largest, float("-inf"))
    ### END SOLUTION


def top_p_filter(logits, p):
    """logits (B, V) -> (B, V) keeping the smallest most-likely set with probability >= p."""
    ### BEGIN SOLUTION
    sorted_logits, order = torch.sort(logits, descending=True, dim=-1)  # (B, V)
    probs = torch.softmax(sorted_logits, dim=-1)
    mass_before = probs.cumsum(dim=-1) - probs
    drop = (mass_before >= p).scatter(-1, order, mass_before >= p)  # back to vocabulary order
    return logits.masked_fill(drop, float("-inf"))
    ### END SOLUTION


def check_filters():
    toy = torch.log(torch.tensor([[0.05, 0.5, 0.3, 0.15], [0.3, 0.25, 0.35, 0.1]]))  # (2, 4), no ties
    kept = lambda out: torch.isfinite(out).tolist()  # noqa: E731
    got = top_k_filter(toy, 2)
    assert kept(got) == [[False, True, True, False], [True, False, True, False]], \
        f"top_k_filter(k=2) kept {kept(got)}: keep the 2 largest logits of each row, set the rest to -inf"
    assert torch.equal(got[torch.isfinite(got)], toy[torch.isfinite(got)]), \
        "top_k_filter must not change the kept logits"
    got = top_p_filter(toy, 0.7)
    assert kept(got)[0] != [False, True, False, False], \
        "top-p stopped before reaching p: keep the token that crosses p (0.5 + 0.3 >= 0.7)"
    assert kept(got)[0] != [False, True, True, True], \
        "top-p kept too many: stop at the first token where the mass reaches p"
    assert kept(got) == [[False, True, True, False], [True, True, True, False]], f"top_p_filter(p=0.7) kept {kept(got)}"
    assert kept(top_p_filter(toy, 0.01)) == [[False, True, False, False], [False, False, True, False]], \
        "the most likely token must always survive top-p"
    # On real logits, the reference filter_logits (model.py) must agree.
    assert torch.equal(top_k_filter(logits, 50), filter_logits(logits, top_k=50)), \
        "top_k_filter differs from filter_logits on the model's logits"
    assert torch.equal(top_p_filter(logits, 0.9), filter_logits(logits, top_p=0.9)), \
        "top_p_filter differs from filter_logits on the model's logits"
    print("PASS top_k_filter and top_p_filter")


check_filters()
for k in (1, 10, 50):
    print(f"top-k {k:>3}: keeps {torch.isfinite(top_k_filter(logits, k)).sum().item()} tokens")
for p in (0.5, 0.9, 0.99):
    print(f"top-p {p}: keeps {torch.isfinite(top_p_filter(logits, p)).sum().item()} tokens")

# %% [markdown]
# ## Sampling, reproducibly
#
# `generate` samples with `torch.multinomial`; passing a seeded `torch.Generator` makes a sample
# reproducible, which is what you want when comparing settings.

# %%
def sample(seed, **settings):
    generator = torch.Generator(device=device).manual_seed(seed)
    return model.generate(idx, NEW_TOKENS, generator=generator, **settings)


for settings in ({"temperature": 1.0}, {"temperature": 0.8, "top_k": 50}, {"temperature": 1.0, "top_p": 0.9}):
    out = sample(42, **settings)
    assert out.shape == (1, idx.size(1) + NEW_TOKENS)
    assert torch.equal(out, sample(42, **settings)), "the same seed must give the same sample"
    print(f"{settings}: {show(out[0])!r}")

# %% [markdown]
# ## Exercise: generation with a key/value cache
#
# At each step only the new token's query is needed, but it attends to the keys and values of
# every earlier position, which do not change. `KVCache` (in `model.py`) stores them per layer;
# `model(tokens, kv_cache=cache)` appends the new positions and returns their logits. Write
# greedy generation that feeds the prompt once, then one token per step.


# %%
def greedy_with_cache(model, idx, max_new_tokens):
    """Greedy decoding, one forward pass over the prompt then one position per new token."""
    cache = KVCache(model.config.n_layer)
    ### BEGIN SOLUTION
    with torch.no_grad():
        logits, _ = model(idx, kv_cache=cache)  # (B, T, V): the prompt, once
        for _ in range(max_new_tokens):
            next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)  # (B, 1)
            idx = torch.cat([idx, next_id], dim=1)
            logits, _ = model(next_id, kv_cache=cache)  # (B, 1, V): only the new position
    return idx
    ### END SOLUTION


cached = greedy_with_cache(model, idx, NEW_TOKENS)
uncached = model.generate(idx, NEW_TOKENS, temperature=0, use_cache=False)
assert cached.shape == uncached.shape, f"expected shape {tuple(uncached.shape)}, got {tuple(cached.shape)}"
assert torch.equal(cached, uncached), "with a cache, greedy decoding must produce exactly the same tokens"
print("PASS greedy_with_cache matches generation without a cache")

# %% [markdown]
# How much the cache saves grows with the length of the text: without it, step t recomputes all
# t positions.

# %%
def seconds(fn, repeats=1 if SMOKE else 3):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        if device == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return best


n = min(NEW_TOKENS * (2 if SMOKE else 4), model.config.block_size - idx.size(1))
t_cache = seconds(lambda: model.generate(idx, n, temperature=0, use_cache=True))
t_plain = seconds(lambda: model.generate(idx, n, temperature=0, use_cache=False))
print(f"{n} new tokens: {t_plain * 1000:.0f} ms without cache, "
      f"{t_cache * 1000:.0f} ms with cache ({t_plain / t_cache:.1f}x)")
