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
# GPT-2 small when you are online and have no checkpoint; the laptop run's character-level model
# works too) and you write the decoding rules
# yourself: the top-k and top-p filters, the order in which temperature and filters apply,
# repetition and frequency penalties, beam search, and a key/value cache that makes each new
# token cost one position's work instead of the whole prefix's.
#
# | Exercise | Time | Difficulty | Priority |
# | --- | --- | --- | --- |
# | 1. Top-k and top-p filters | 15 min | 2 of 5 | must do |
# | 2. Temperature, then filters | 5 min | 1 of 5 | must do |
# | 3. Repetition and frequency penalties | 10 min | 2 of 5 | optional |
# | 4. Beam search | 20 min | 3 of 5 | optional |
# | 5. The key/value cache | 30 min | 4 of 5 | optional |
#
# **Where the answers are checked.** The checks (`sample_checks.py`, inlined in the next-but-one
# cell) contain no solution: they compare your functions with Hugging Face `transformers` (its
# logits processors, its `generate(num_beams=...)` and its uncached forward pass), with cases
# worked out by hand, and they count the positions your cached forward pass computes. The model
# is Hugging Face's `GPT2LMHeadModel`, whose module names (`transformer.h[i].attn.c_attn`, ...)
# are the ones you used in the first notebook.

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
# The training notebook's checkpoints, the first that exists: its GPU run, then its laptop run.
CHECKPOINTS = [Path(p) for p in os.environ.get(
    "CHECKPOINT", "out/smoke/ckpt.pt" if SMOKE else "out/gpt2-124M/ckpt.pt:out/laptop/ckpt.pt").split(":")]
DATA_DIR = Path(os.environ.get("DATA_DIR", "data"))  # where the training notebook put its data (and tokenizer)
ALLOW_DOWNLOAD = not SMOKE  # without a checkpoint, fall back to OpenAI's GPT-2 small (online)
NEW_TOKENS = 12 if SMOKE else 60

# %%
import json
import math
import time

import tiktoken
from transformers import GPT2Config, GPT2LMHeadModel

# %%
from sample_checks import *  # course: inline

# %%
enc = tiktoken.get_encoding("r50k_base")

# Our checkpoints store nn.Linear weights (out, in); Hugging Face's GPT-2 uses Conv1D, (in, out).
CONV1D_WEIGHTS = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")


def from_checkpoint(path):
    """A GPT2LMHeadModel holding the weights of a checkpoint written by the training notebook."""
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    c = ckpt["model_config"]
    config = GPT2Config(vocab_size=c["vocab_size"], n_positions=c["block_size"], n_embd=c["n_embd"],
                        n_layer=c["n_layer"], n_head=c["n_head"], layer_norm_epsilon=c.get("layer_norm_eps", 1e-5),
                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, activation_function="gelu_new")
    state = {name.removeprefix("_orig_mod."): tensor for name, tensor in ckpt["model"].items()}
    state = {name: tensor.t() if name.endswith(CONV1D_WEIGHTS) else tensor for name, tensor in state.items()}
    model = GPT2LMHeadModel(config)
    model.load_state_dict(state)  # strict: every weight must find its place
    return model, f"checkpoint {path} (step {ckpt['step']})"


def load_model():
    """(model, where it came from): a trained checkpoint, OpenAI's weights, or a random tiny model."""
    for path in CHECKPOINTS:
        if path.is_file():
            return from_checkpoint(path)
    if ALLOW_DOWNLOAD:
        try:
            return GPT2LMHeadModel.from_pretrained("gpt2"), "OpenAI's GPT-2 small"
        except OSError as error:
            print(f"Could not download GPT-2 ({error.__class__.__name__}).")
    torch.manual_seed(0)  # untrained: samples are noise, but every mechanism below still runs
    config = GPT2Config(n_layer=2, n_head=4, n_embd=64, n_positions=128, vocab_size=enc.n_vocab)
    return GPT2LMHeadModel(config), "a randomly initialised tiny model (no checkpoint found)"


def tokenizer_for(vocab_size, data_dir):
    """(encode, decode) for a model with vocab_size outputs: the characters of the laptop run when a
    prepared data set has exactly that many (its tokenizer.json), otherwise GPT-2's BPE."""
    metas = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(data_dir).glob("*/tokenizer.json"))]
    chars = next((m["chars"] for m in metas if m.get("kind") == "char" and len(m["chars"]) == vocab_size), None)
    if chars is not None:
        return (lambda text: [chars.index(c) for c in text if c in chars]), (lambda ids: "".join(chars[i] for i in ids))
    # A padded vocabulary (50,304) has ids the tokenizer does not know: skip them.
    return enc.encode, (lambda ids: enc.decode([i for i in ids if i < enc.n_vocab]))


model, origin = load_model()
model = model.to(device).eval()
encode, decode = tokenizer_for(model.config.vocab_size, DATA_DIR)
print(f"Sampling from {origin}: {sum(p.numel() for p in model.parameters()):,} parameters")

prompt = "The clockmaker said that"
idx = torch.tensor([encode(prompt)], device=device)  # (1, T)


def show(tokens):
    return decode(tokens.tolist())


with torch.no_grad():
    logits = model(idx).logits[:, -1, :]  # (1, V): the next-token logits after the prompt

# %% [markdown]
# ## Greedy decoding and temperature
#
# Greedy decoding takes the most likely token every time; it is deterministic and tends to
# repeat itself. Sampling divides the logits by a temperature first: below 1 sharpens the
# distribution, above 1 flattens it. The entropy (in nats) shows how spread out the next-token
# distribution is.

# %%
for temperature in (0.5, 1.0, 2.0):
    probs = torch.softmax(logits / temperature, dim=-1)
    entropy = -(probs * probs.clamp_min(1e-12).log()).sum().item()
    print(f"temperature {temperature}: entropy {entropy:.2f} nats, top token p = {probs.max().item():.3f}")

# %% [markdown]
# ## Exercise 1: top-k and top-p filters
#
# *Must do · about 15 min · difficulty 2 of 5*
#
# Both filters set the logits of excluded tokens to `-inf`, so the softmax gives them zero
# probability. Top-k keeps the k largest logits in each row (Fan et al., 2018); when k is at
# least the vocabulary size it keeps everything. Top-p (Holtzman et al., 2020) keeps the smallest
# set of most likely tokens whose probabilities add up to at least p: sort by probability, and
# keep a token if the mass of the tokens before it is still below p.


# %%
def top_k_filter(logits, k):
    """logits (B, V) -> (B, V) with all but the k largest per row set to -inf."""
    ### BEGIN SOLUTION
    k = min(k, logits.size(-1))  # a k beyond the vocabulary keeps everything
    kth_largest = torch.topk(logits, k, dim=-1).values[:, [-1]]  # (B, 1)
    return logits.masked_fill(logits < kth_largest, float("-inf"))
    ### END SOLUTION


def top_p_filter(logits, p):
    """logits (B, V) -> (B, V) keeping the smallest most-likely set with probability >= p."""
    ### BEGIN SOLUTION
    sorted_logits, order = torch.sort(logits, descending=True, dim=-1)  # (B, V)
    probs = torch.softmax(sorted_logits, dim=-1)
    mass_before = probs.cumsum(dim=-1) - probs  # probability of the strictly more likely tokens
    drop_sorted = mass_before >= p
    drop = drop_sorted.scatter(-1, order, drop_sorted)  # back to vocabulary order
    return logits.masked_fill(drop, float("-inf"))
    ### END SOLUTION


check_top_k_filter(top_k_filter)
check_top_p_filter(top_p_filter)
for k in (1, 10, 50):
    print(f"top-k {k:>3}: keeps {torch.isfinite(top_k_filter(logits, k)).sum().item()} tokens")
for p in (0.5, 0.9, 0.99):
    print(f"top-p {p}: keeps {torch.isfinite(top_p_filter(logits, p)).sum().item()} tokens")

# %% [markdown]
# ## Exercise 2: temperature, then filters
#
# *Must do · about 5 min · difficulty 1 of 5*
#
# The order matters. Divide by the temperature **first**, then filter, then take the softmax.
# For top-k the order makes no difference (dividing by a positive number keeps the ranking), but
# for top-p it does: the nucleus is the smallest set holding mass p *of the distribution you will
# sample from*, and a temperature above 1 spreads that mass over more tokens. Hugging Face applies
# its processors in this order too (temperature, top-k, top-p).


# %%
def next_token_probs(logits, temperature, top_k=None, top_p=None):
    """logits (B, V) -> probabilities (B, V): temperature, then top-k, then top-p, then softmax."""
    ### BEGIN SOLUTION
    logits = logits / temperature
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    return torch.softmax(logits, dim=-1)
    ### END SOLUTION


check_next_token_probs(next_token_probs)

# %% [markdown]
# ## Exercise 3: repetition and frequency penalties
#
# *Optional · about 10 min · difficulty 2 of 5*
#
# Greedy and low-temperature decoding fall into loops. Two common remedies lower the logits of
# tokens that already occur in the text so far (`generated`, prompt included):
#
# - the **repetition penalty** of CTRL (Keskar et al., 2019): for every token that occurred at
#   least once, divide its logit by the penalty θ if the logit is positive and multiply it by θ
#   if negative, so that it always becomes less likely (θ = 1.2 in the paper);
# - the **frequency and presence penalties** of OpenAI's API: subtract
#   `frequency × count + presence × (count > 0)` from each token's logit, where `count` is how
#   often the token occurred, so that a token used five times is pushed down five times as hard.
#
# Each row of the batch has its own history. Do not modify `logits` in place.


# %%
def repetition_penalty(logits, generated, penalty):
    """logits (B, V), generated (B, T) token ids -> (B, V) with CTRL's penalty on tokens seen."""
    ### BEGIN SOLUTION
    seen = torch.gather(logits, 1, generated)  # (B, T) the logits of the tokens seen (repeats repeat)
    penalised = torch.where(seen > 0, seen / penalty, seen * penalty)
    return logits.scatter(1, generated, penalised)  # writing a repeated token twice writes the same value
    ### END SOLUTION


def frequency_penalty(logits, generated, frequency, presence):
    """logits (B, V), generated (B, T) -> logits - frequency * count - presence * (count > 0)."""
    ### BEGIN SOLUTION
    counts = torch.zeros_like(logits).scatter_add(1, generated, torch.ones_like(generated, dtype=logits.dtype))
    return logits - frequency * counts - presence * (counts > 0).to(logits.dtype)
    ### END SOLUTION


check_repetition_penalty(repetition_penalty)
check_frequency_penalty(frequency_penalty)

# %% [markdown]
# ## A generation loop from your parts
#
# `generate` runs the model on the text so far (the last `n_positions` tokens), applies your
# penalties to the last position's logits, and picks the next token: the arg-max when
# `temperature=0` (greedy), otherwise a sample from `next_token_probs`. A seeded
# `torch.Generator` makes a sample reproducible, which is what you want when comparing settings.
# `use_cache=True` switches to your key/value cache from exercise 5.


# %%
@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=1.0, top_k=None, top_p=None,
             repetition=1.0, frequency=0.0, presence=0.0, use_cache=False, generator=None):
    """Append max_new_tokens tokens to idx (B, T). temperature=0 means greedy."""
    context = model.config.n_positions
    cache = KVCache(model.config.n_layer) if use_cache else None
    fresh = idx  # the tokens the model has not processed yet
    for _ in range(max_new_tokens):
        if cache is not None and idx.size(1) > context:
            cache = None  # past the context window every position shifts: recompute without a cache
        if cache is not None:
            logits = forward_with_cache(model, fresh, cache)[:, -1, :]
        else:
            logits = model(idx[:, -context:]).logits[:, -1, :]  # (B, V)
        if repetition != 1.0:
            logits = repetition_penalty(logits, idx, repetition)
        if frequency or presence:
            logits = frequency_penalty(logits, idx, frequency, presence)
        if temperature == 0:
            next_id = logits.argmax(dim=-1, keepdim=True)  # (B, 1)
        else:
            probs = next_token_probs(logits, temperature, top_k, top_p)
            next_id = torch.multinomial(probs, num_samples=1, generator=generator)  # (B, 1)
        idx = torch.cat([idx, next_id], dim=1)
        fresh = next_id
    return idx


def distinct(tokens):
    """Fraction of distinct tokens among the generated ones: low means loops."""
    new = tokens[idx.size(1) :].tolist()
    return len(set(new)) / len(new)


def sample(seed, **settings):
    generator = torch.Generator(device=device).manual_seed(seed)
    return generate(model, idx, NEW_TOKENS, generator=generator, **settings)


for settings in ({"temperature": 0}, {"temperature": 0, "repetition": 1.3},
                 {"temperature": 0, "frequency": 0.5, "presence": 0.5},
                 {"temperature": 1.0}, {"temperature": 0.8, "top_k": 50}, {"temperature": 1.0, "top_p": 0.9}):
    out = sample(42, **settings)
    assert out.shape == (1, idx.size(1) + NEW_TOKENS)
    assert torch.equal(out, sample(42, **settings)), "the same seed must give the same sample"
    print(f"{settings}: distinct {distinct(out[0]):.2f}: {show(out[0])!r}")

# %% [markdown]
# ## Exercise 4: beam search
#
# *Optional · about 20 min · difficulty 3 of 5*
#
# Greedy decoding commits to the best next token; a sequence whose first token is second-best
# can still be more likely overall. Beam search keeps the `num_beams` most likely sequences so
# far. At each step it extends every beam by every token, scores each extension by the summed
# log-probability of its new tokens (the beam's score plus the new token's log-probability),
# and keeps the `num_beams` best of all `num_beams × V` extensions. Start from a single beam
# (the prompt): starting from `num_beams` copies of it would pick the same token in each copy.
#
# Beam search finds likelier text, which for open-ended writing is often duller text (Holtzman et
# al., 2020, found it repetitive); it shines where one right answer exists, as in translation.
# The check compares your beams with Hugging Face's `generate(num_beams=...)`.


# %%
@torch.no_grad()
def beam_search(model, idx, max_new_tokens, num_beams):
    """idx (1, T) -> (sequences (num_beams, T + max_new_tokens), scores (num_beams,)), best first.

    A beam's score is the summed log-probability of its new tokens."""
    ### BEGIN SOLUTION
    seqs = idx  # (1, T): one beam to start with
    scores = torch.zeros(1, dtype=torch.float64, device=idx.device)
    for _ in range(max_new_tokens):
        logp = model(seqs[:, -model.config.n_positions :]).logits[:, -1, :].double().log_softmax(-1)  # (n, V)
        total = (scores[:, None] + logp).flatten()  # (n * V,): every one-token extension
        scores, flat = total.topk(min(num_beams, total.numel()))  # sorted, best first
        beam, token = flat // logp.size(1), flat % logp.size(1)
        seqs = torch.cat([seqs[beam], token[:, None]], dim=1)  # (num_beams, t + 1)
    return seqs, scores
    ### END SOLUTION


check_beam_search(beam_search)
beams, beam_scores = beam_search(model, idx, NEW_TOKENS, 4)
greedy = generate(model, idx, NEW_TOKENS, temperature=0)
with torch.no_grad():
    greedy_logp = model(greedy).logits.double().log_softmax(-1)[0, idx.size(1) - 1 : -1]
greedy_score = greedy_logp.gather(-1, greedy[0, idx.size(1) :, None]).sum().item()
print(f"greedy    log p = {greedy_score:8.2f}: {show(greedy[0])!r}")
print(f"beam of 4 log p = {beam_scores[0].item():8.2f}: {show(beams[0])!r}")

# %% [markdown]
# ## Exercise 5: the key/value cache
#
# *Optional · about 30 min · difficulty 4 of 5*
#
# Without a cache, generating token t+1 runs the model on all t tokens so far, although only the
# last position's output is used. The keys and values of the earlier positions do not change
# (each depends only on its own token and the positions before it), so they can be stored. With a
# cache each step runs the model on **one** new position: its query attends to the cached keys
# and values plus its own.
#
# Write:
#
# - `KVCache(n_layer)`: one `(k, v)` pair per layer, each `(B, nh, T_past, hs)`; `update(layer, k, v)`
#   appends this step's keys and values along the time dimension and returns all of them;
#   `past_len()` says how many positions are cached.
# - `forward_with_cache(model, idx, cache)`: the forward pass of GPT-2 for the **new** tokens
#   `idx` (B, T) only, returning their logits (B, T, V). Three things change from the first
#   notebook's forward pass: the new tokens sit at positions `past .. past+T-1` (not 0..T-1) in the
#   position embedding; each layer's keys and values go through the cache before attention; and
#   the mask is `(T, past+T)`: the query at position `past+i` sees keys `0 .. past+i`.
#
# Use the model's modules: `model.transformer.wte`, `.wpe`, `.h[i].ln_1`, `.h[i].attn.c_attn`
# (q, k, v side by side, (B, T, 3C)), `.h[i].attn.c_proj`, `.h[i].ln_2`, `.h[i].mlp`, `.ln_f` and
# `model.lm_head`; the number of heads is `model.config.n_head`. The check feeds a sequence in
# chunks of 5, 1, 3, 1, 1 and 2 tokens, compares every logit with the uncached forward pass in
# float64, and counts the positions each call computes.


# %%
class KVCache:
    """Keys and values of the positions seen so far, one (k, v) pair per layer."""

    def __init__(self, n_layer):
        ### BEGIN SOLUTION
        self.layers = [None] * n_layer
        ### END SOLUTION

    def past_len(self):
        """How many positions are cached."""
        ### BEGIN SOLUTION
        return 0 if self.layers[0] is None else self.layers[0][0].size(2)
        ### END SOLUTION

    def update(self, layer, k, v):
        """Append k, v (B, nh, T, hs) to layer's cache; return all of them (B, nh, T_past + T, hs)."""
        ### BEGIN SOLUTION
        if self.layers[layer] is not None:
            k_past, v_past = self.layers[layer]
            k, v = torch.cat([k_past, k], dim=2), torch.cat([v_past, v], dim=2)
        self.layers[layer] = (k, v)
        return k, v
        ### END SOLUTION


def forward_with_cache(model, idx, cache):
    """idx (B, T) new token ids -> logits (B, T, V), using and extending cache."""
    ### BEGIN SOLUTION
    B, T = idx.shape
    C, nh = model.config.n_embd, model.config.n_head
    past = cache.past_len()  # read before layer 0 extends the cache
    pos = torch.arange(past, past + T, device=idx.device)  # (T,): the new tokens' positions
    x = model.transformer.wte(idx) + model.transformer.wpe(pos)  # (B, T, C)
    mask = torch.ones(T, past + T, dtype=torch.bool, device=idx.device).tril(diagonal=past)  # (T, past + T)
    for layer, block in enumerate(model.transformer.h):
        q, k, v = block.attn.c_attn(block.ln_1(x)).split(C, dim=2)  # (B, T, C) each
        q, k, v = (t.view(B, T, nh, C // nh).transpose(1, 2) for t in (q, k, v))  # (B, nh, T, hs)
        k, v = cache.update(layer, k, v)  # (B, nh, past + T, hs)
        scores = q @ k.transpose(-2, -1) / math.sqrt(C // nh)  # (B, nh, T, past + T)
        attn = scores.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (attn @ v).transpose(1, 2).reshape(B, T, C)  # heads side by side again
        x = x + block.attn.c_proj(y)
        x = x + block.mlp(block.ln_2(x))
    return model.lm_head(model.transformer.ln_f(x))
    ### END SOLUTION


check_kv_cache(KVCache, forward_with_cache)
cached = generate(model, idx, NEW_TOKENS, temperature=0, use_cache=True)
assert torch.equal(cached, greedy), "with a cache, greedy decoding must produce exactly the same tokens"
print("PASS greedy generation with your cache gives the same tokens as without it")

# %% [markdown]
# ## What the cache saves
#
# Generating n tokens after a prompt of P tokens without a cache runs the weights on
# P + (P+1) + ... + (P+n-1) = nP + n(n-1)/2 positions, quadratic in n; with the cache on
# P + n - 1, linear. (Attention itself still reads all cached keys at every step, so its part of
# the work stays quadratic, but for GPT-2 small at these lengths the weight matrices dominate.)
# The counts below are measured by hooks on every layer's `c_attn`; the times depend on your
# hardware.

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


n = min(NEW_TOKENS * (2 if SMOKE else 4), model.config.n_positions - idx.size(1))
P = idx.size(1)
for use_cache in (False, True):
    counter = PositionCounter(model)
    generate(model, idx, n, temperature=0, use_cache=use_cache)
    counter.close()
    positions = counter.positions // model.config.n_layer
    expected = P + n - 1 if use_cache else n * P + n * (n - 1) // 2
    assert positions == expected, (use_cache, positions, expected)
    print(f"use_cache={use_cache!s:5}: {positions:>6,} positions for {n} new tokens")
t_plain = seconds(lambda: generate(model, idx, n, temperature=0, use_cache=False))
t_cache = seconds(lambda: generate(model, idx, n, temperature=0, use_cache=True))
print(f"{n} new tokens: {t_plain * 1000:.0f} ms without cache, "
      f"{t_cache * 1000:.0f} ms with cache ({t_plain / t_cache:.1f}x)")
