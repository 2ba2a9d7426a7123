# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Train a GPT
#
# You will write the parts of a training loop (batches, the learning-rate schedule, AdamW's
# parameter groups, one optimizer step with gradient accumulation and clipping, and evaluation),
# each checked as you go, and then run them. **Must do:** exercises 1–5 (about 65 minutes), then
# the laptop run. **Optional:** the multi-GPU and full-size sections, which need GPUs. Three runs
# use the same code:
#
# | Setting | Trains | On | Time |
# | --- | --- | --- | --- |
# | `LAPTOP=1` (default without CUDA) | 1.9M-parameter GPT on Shakespeare, by characters | a CPU | minutes |
# | `SMOKE=1` | the same code, tiny, on a short story | CI, any CPU | under a minute |
# | `LAPTOP=0` (default with CUDA) | GPT-2 small (124M) on 10B tokens of FineWeb-Edu | GPUs | hours (chapter 7) |
#
# The GPT-2 recipe uses everything below plus what only pays off on a GPU: bf16 autocast,
# `torch.compile`, flash attention through `scaled_dot_product_attention`, a vocabulary padded to
# 50,304, fused AdamW, and a log of tokens per second and model FLOPs utilisation (MFU).
#
# **Several GPUs.** This notebook is also a script. From a checkout of the course:
# `cd course_src/gpt2 && torchrun --standalone --nproc_per_node=8 02_train.py`; from the
# download, convert it first with `jupytext --to py:percent 02_train.ipynb -o train_gpt2.py`.
# `torchrun` sets `RANK`, `LOCAL_RANK` and `WORLD_SIZE`; the code then wraps the model in
# `DistributedDataParallel`, gives each process its own slice of every batch, and lets only
# rank 0 prepare data, print and save. CI runs this path with two CPU processes.
#
# **Settings** are read from the environment by the parameters cell. Without a CUDA GPU, "run all"
# does the laptop run; with one, the GPT-2 recipe. Override with `LAPTOP=1` or `LAPTOP=0`, `SMOKE=1`,
# `DATASET` (`fineweb-edu`, the default; `shakespeare`, TinyShakespeare in GPT-2 tokens, one 1 MB
# download; `shakespeare-char`; `smoke`), `DATA_DIR`, `OUT_DIR`, and `RESUME=1` to continue from
# the last checkpoint.

# %%
# Install what is missing (only when an import fails), then pick the device.
import importlib.util
import subprocess
import sys

REQUIREMENTS = {"torch": "torch>=2.4", "tiktoken": "tiktoken>=0.9", "numpy": "numpy>=1.26"}
missing = [spec for module, spec in REQUIREMENTS.items() if importlib.util.find_spec(module) is None]
if missing:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *missing])

import torch

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
print(f"torch {torch.__version__} on {device}")

# %% [markdown]
# ## The model and the run's settings
#
# The next cells hold the model built in the previous notebook (`model.py`) followed by the checks
# of this notebook's exercises (`train_checks.py`: they work out the right answer from first
# principles and name the usual mistakes), then the MFU helpers (`perf.py`).

# %%
import contextlib
import functools
import inspect
import json
import math
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch.distributed as dist

# %%
from train_checks import *  # course: inline

# %%
from perf import *  # course: inline


# %% [markdown]
# A `TrainConfig` gathers every knob of a run.

# %%
@dataclass(frozen=True)
class TrainConfig:
    model: GPTConfig
    total_batch_size: int  # tokens per optimizer step, summed over micro-batches and GPUs
    micro_batch_size: int  # sequences per forward pass on one GPU
    seq_len: int  # tokens per sequence (<= model.block_size)
    max_lr: float
    min_lr: float
    warmup_steps: int
    max_steps: int
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    eval_interval: int = 250
    eval_steps: int = 20
    sample_interval: int = 0  # print a sample every this many steps (0: never)
    checkpoint_interval: int = 5000
    log_interval: int = 10
    compile: bool = True  # torch.compile, used on CUDA only
    seed: int = 1337


# GPT-2 small as in GPT-3's table of hyperparameters for its 125M model (Brown et al., 2020,
# Table 2.1: batch of 0.5M tokens, learning rate 6e-4), trained on 10B tokens of FineWeb-Edu:
# 2**19 tokens per step x 19,073 steps = 10.0B tokens. GPT-3 also sets AdamW's betas (0.9, 0.95),
# weight decay 0.1, gradient clipping at norm 1.0, warmup over 375M tokens (715 steps here) and
# cosine decay to 10% of the peak (appendix B). The vocabulary is padded from 50,257 to
# 50,304 = 393 x 128 so the embedding and output matmuls tile evenly on the GPU; the 47 extra
# tokens never occur in the data and learn to get near-zero probability.
FULL = TrainConfig(
    model=GPTConfig.from_preset("gpt2", vocab_size=50304),
    total_batch_size=2**19,
    micro_batch_size=64,  # fits an 80 GB GPU in bf16; halve it (accumulation doubles) if you run out of memory
    seq_len=1024,
    max_lr=6e-4,
    min_lr=6e-5,
    warmup_steps=715,
    max_steps=19073,
)
# TinyShakespeare (about 338k tokens) overfits GPT-2 small within a few hundred steps: smaller
# batches, a short run, and a validation split (34k tokens) that still holds a batch on 8 GPUs.
SHAKESPEARE = replace(FULL, total_batch_size=2**15, micro_batch_size=4, warmup_steps=30, max_steps=300,
                      eval_interval=50, eval_steps=5, checkpoint_interval=100)
# The laptop run: characters, not BPE tokens. With 65 symbols the embedding and output layer are
# tiny, so almost all of the 1.9M parameters do the modelling, and every step predicts letters,
# spaces and line breaks, which is what makes a sample readable after a few minutes. (A GPT-2 BPE
# model of the same size would spend 8.0M parameters on its 50,257-row embedding alone.) The
# vocabulary size is set from the data when it is prepared.
LAPTOP = TrainConfig(
    model=GPTConfig(block_size=128, n_layer=6, n_head=5, n_embd=160),
    total_batch_size=16 * 128,
    micro_batch_size=16,
    seq_len=128,
    max_lr=2e-3,  # small models tolerate larger rates than GPT-2 small's 6e-4
    min_lr=2e-4,
    warmup_steps=50,
    max_steps=1800,
    eval_interval=100,
    eval_steps=8,
    sample_interval=200,
    checkpoint_interval=200,
    log_interval=50,
)
TINY = TrainConfig(
    model=GPTConfig.from_preset("micro"),
    total_batch_size=2 * 4 * 32,  # two micro-batches: gradient accumulation runs in smoke tests too
    micro_batch_size=4,
    seq_len=32,
    max_lr=1e-2,  # a tiny model tolerates (and, in 30 steps, needs) a large rate
    min_lr=1e-3,
    warmup_steps=2,
    max_steps=30,
    eval_interval=10,
    eval_steps=2,
    sample_interval=15,
    checkpoint_interval=15,
    log_interval=5,
)

# %% tags=["parameters"]
import os

SMOKE = os.environ.get("SMOKE") == "1"  # tiny settings for CI / a laptop CPU
# The character-level run of a few minutes: the default without a CUDA GPU; LAPTOP=0 forces the full recipe.
LAPTOP_RUN = os.environ.get("LAPTOP", "0" if device == "cuda" else "1") == "1"
DATASET = os.environ.get("DATASET", "smoke" if SMOKE else "shakespeare-char" if LAPTOP_RUN else "fineweb-edu")
config = TINY if SMOKE else LAPTOP if LAPTOP_RUN else SHAKESPEARE if DATASET == "shakespeare" else FULL
DATA_DIR = Path(os.environ.get("DATA_DIR", "data"))
OUT_DIR = Path(os.environ.get("OUT_DIR", "out/smoke" if SMOKE else "out/laptop" if LAPTOP_RUN else "out/gpt2-124M"))
RESUME = os.environ.get("RESUME") == "1"  # continue from OUT_DIR/ckpt.pt

# %% [markdown]
# ## Processes and devices
#
# Under `torchrun` each process drives one GPU (or, with the gloo backend, one CPU process);
# without it there is one process.

# %%
def setup_distributed():
    """(rank, local_rank, world_size, device); joins the process group when run by torchrun."""
    if "RANK" not in os.environ:
        return 0, 0, 1, device
    rank, local_rank, world_size = int(os.environ["RANK"]), int(os.environ["LOCAL_RANK"]), int(os.environ["WORLD_SIZE"])
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
        if not dist.is_initialized():
            dist.init_process_group(backend="nccl")
        return rank, local_rank, world_size, f"cuda:{local_rank}"
    if not dist.is_initialized():
        dist.init_process_group(backend="gloo")  # CPU processes: slow, but the same code path
    return rank, local_rank, world_size, "cpu"


RANK = int(os.environ.get("RANK", 0))
MASTER = RANK == 0  # only this process downloads, prints and saves


def log(*args):
    if MASTER:
        print(*args, flush=True)


# %% [markdown]
# ## Data: tokens on disk
#
# Training reads token ids from `.bin` files of `uint16` through `np.memmap`, so a 10B-token
# dataset (20 GB) is never loaded into memory. Each split is a list of shards
# `{split}_{index:06d}.bin`, and `tokenizer.json` beside them says how ids map to text.
#
# Two tokenizers: GPT-2's byte-pair encoding (`r50k_base` in tiktoken, 50,257 ids;
# `<|endoftext|>`, id 50256, separates documents), and, for the laptop and smoke runs, one id per
# character that occurs in the text.

# %%
import tiktoken

ENC = tiktoken.get_encoding("r50k_base")
EOT = ENC.eot_token  # 50256
SHAKESPEARE_URL = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
# The laptop corpus ships with the course (docs/assets/data/gpt2/, with its provenance); outside a
# checkout it is read from the course's repository, or, at a venue without internet, from the
# organizer's laptop (COURSE_DATA_URL=http://HOST:8000/assets/data, as the venue server prints).
COURSE_DATA = Path("../../docs/assets/data/gpt2")
COURSE_DATA_URL = os.environ.get("COURSE_DATA_URL",
                                 "https://raw.githubusercontent.com/open-ai-safety/course/main/docs/assets/data")


class CharTokenizer:
    """One id per distinct character of a text, in sorted order."""

    def __init__(self, chars):
        self.chars = "".join(chars)
        self.ids = {c: i for i, c in enumerate(self.chars)}
        self.vocab_size = len(self.chars)

    def encode(self, text):
        return [self.ids[c] for c in text]

    def decode(self, ids):
        return "".join(self.chars[i] for i in ids)


class GPT2Tokenizer:
    vocab_size = ENC.n_vocab  # 50,257

    def encode(self, text):
        return ENC.encode_ordinary(text)

    def decode(self, ids):
        return ENC.decode([i for i in ids if i < ENC.n_vocab])  # padded ids never decode


def load_tokenizer(data_dir):
    meta = json.loads((Path(data_dir) / "tokenizer.json").read_text())
    return CharTokenizer(meta["chars"]) if meta["kind"] == "char" else GPT2Tokenizer()


def write_shard(tokens, path):
    tokens = np.asarray(tokens)
    assert tokens.max() < 2**16, "token ids must fit in uint16"
    path.parent.mkdir(parents=True, exist_ok=True)
    tokens.astype(np.uint16).tofile(path)


def prepare_text(text, out_dir, val_fraction=0.1):
    """Tokenise one text with GPT-2's BPE; the last val_fraction of its tokens is the validation split."""
    tokens = [EOT] + ENC.encode_ordinary(text)
    n_val = max(int(len(tokens) * val_fraction), 2)
    write_shard(tokens[:-n_val], out_dir / "train_000000.bin")
    write_shard(tokens[-n_val:], out_dir / "val_000000.bin")
    (out_dir / "tokenizer.json").write_text(json.dumps({"kind": "gpt2"}))


def prepare_chars(train_text, val_text, out_dir):
    """Tokenise two texts character by character."""
    tokenizer = CharTokenizer(sorted(set(train_text + val_text)))
    write_shard(tokenizer.encode(train_text), out_dir / "train_000000.bin")
    write_shard(tokenizer.encode(val_text), out_dir / "val_000000.bin")
    (out_dir / "tokenizer.json").write_text(json.dumps({"kind": "char", "chars": tokenizer.chars}))


def download_text(url, path):
    import urllib.request

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            urllib.request.urlretrieve(url, path)
        except OSError as error:
            raise RuntimeError(
                f"Could not download {url} ({error}). You seem to be offline: download the file "
                f"elsewhere and put it at {path.resolve()}, or run with SMOKE=1 (embedded text)."
            ) from error
    return path.read_text(encoding="utf-8")


def course_text(name, data_dir):
    """A text file of the course's data folder: from the checkout if there is one, else downloaded."""
    local = COURSE_DATA / name
    if local.exists():
        return local.read_text(encoding="utf-8")
    return download_text(f"{COURSE_DATA_URL}/gpt2/{name}", data_dir / name)


def prepare_fineweb_edu(out_dir, shard_tokens=10**8, max_tokens=10**10, batch_docs=1024):
    """Stream FineWeb-Edu's 10B-token sample (Penedo et al., 2024) into uint16 shards.

    The first shard is the validation split. Tokenising 10B tokens takes an hour or more even
    with tiktoken's threads; max_tokens stops earlier for a shorter run.
    """
    if importlib.util.find_spec("datasets") is None:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "datasets>=2.19"])
    from datasets import load_dataset

    try:
        docs = load_dataset("HuggingFaceFW/fineweb-edu", name="sample-10BT", split="train", streaming=True)
        docs_iter = iter(docs)
        first = next(docs_iter)
    except Exception as error:  # datasets raises several network error types
        raise RuntimeError(
            f"Could not stream FineWeb-Edu from the Hugging Face Hub ({error.__class__.__name__}: {error}). "
            "Check your connection, or use LAPTOP=1 or SMOKE=1 (no download)."
        ) from error
    buffer = np.empty(shard_tokens, dtype=np.uint16)
    shard, filled, total = 0, 0, 0

    def add(texts):
        """Tokenise a batch of documents (threads) and append them to the shards."""
        nonlocal shard, filled, total
        for ids in ENC.encode_ordinary_batch(texts, num_threads=os.cpu_count()):
            doc = np.array([EOT] + ids, dtype=np.uint16)  # every id < 50,257 < 2**16
            while len(doc):
                take = min(len(doc), shard_tokens - filled)
                buffer[filled : filled + take] = doc[:take]
                filled, doc, total = filled + take, doc[take:], total + take
                if filled == shard_tokens:
                    flush()

    def flush():
        nonlocal shard, filled
        split = "val" if shard == 0 else "train"
        write_shard(buffer[:filled], out_dir / f"{split}_{shard:06d}.bin")
        log(f"wrote {split} shard {shard} ({filled:,} tokens, {total:,} in all)")
        shard, filled = shard + 1, 0

    batch = [first["text"]]
    for doc in docs_iter:
        batch.append(doc["text"])
        if len(batch) == batch_docs:
            add(batch)
            batch = []
            if total >= max_tokens:
                break
    add(batch)
    if filled:
        flush()
    (out_dir / "tokenizer.json").write_text(json.dumps({"kind": "gpt2"}))


def prepare_dataset(name, data_dir):
    """Tokenise the dataset once (rank 0); other ranks wait for its DONE marker. Returns its folder."""
    out_dir = data_dir / name
    done = out_dir / "DONE"
    if done.exists():
        return out_dir
    if not MASTER:
        while not done.exists():  # no timeout: tokenising FineWeb-Edu takes a while
            time.sleep(1)
        return out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    if name == "smoke":
        cut = int(len(SMOKE_TEXT) * 0.8)
        prepare_chars(SMOKE_TEXT[:cut], SMOKE_TEXT[cut:], out_dir)
    elif name == "shakespeare-char":
        train_text, val_text = (course_text(f"shakespeare_{split}.txt", data_dir) for split in ("train", "val"))
        prepare_chars(train_text, val_text, out_dir)
    elif name == "shakespeare":
        prepare_text(download_text(SHAKESPEARE_URL, data_dir / "tinyshakespeare.txt"), out_dir)
    elif name == "fineweb-edu":
        prepare_fineweb_edu(out_dir)
    else:
        raise ValueError(f"unknown DATASET {name!r}: use smoke, shakespeare-char, shakespeare or fineweb-edu")
    done.touch()
    return out_dir


# %% [markdown]
# The smoke text: a short story written for this course, so smoke runs need no download.

# %%
from smoke_corpus import *  # course: inline

# %%
data_dir = prepare_dataset(DATASET, DATA_DIR)
tokenizer = load_tokenizer(data_dir)
if isinstance(tokenizer, CharTokenizer):  # the model's vocabulary is the data's characters
    config = replace(config, model=replace(config.model, vocab_size=tokenizer.vocab_size))
for shard in sorted(data_dir.glob("*.bin")):
    log(f"{shard.name}: {shard.stat().st_size // 2:,} tokens")
log(f"vocabulary: {tokenizer.vocab_size:,} ids; model vocabulary {config.model.vocab_size:,}")

# %% [markdown]
# ## Exercise 1: batches
#
# *Must do · about 10 min · difficulty 1 of 5*
#
# A batch is B sequences of T tokens cut from the token stream, and its targets: at every
# position the token that comes next. Write `get_batch(tokens, position, B, T)`, which returns
# `x` and `y`, two `(B, T)` int64 tensors made from the tokens starting at `position`. Row `b` of
# `x` holds the T tokens from `position + b*T`; `y` holds, at each place, the token that follows
# the one in `x`. (Hint: how many tokens do you need to read?)


# %%
def get_batch(tokens, position, B, T):
    """tokens: a 1-D array of ids; returns inputs x and next-token targets y, each (B, T) int64."""
    ### BEGIN SOLUTION
    chunk = torch.from_numpy(np.asarray(tokens[position : position + B * T + 1]).astype(np.int64))
    return chunk[:-1].view(B, T), chunk[1:].view(B, T)
    ### END SOLUTION


check_get_batch(get_batch)

# %% [markdown]
# The loader walks through the shards with your `get_batch`. With W processes, process r reads
# the r-th of every W consecutive chunks, so together they cover the stream once; when the next
# chunk (B*T tokens plus the one extra target) would run past the end of a shard, it moves on
# to the next shard, wrapping around to the first.


# %%
class TokenLoader:
    def __init__(self, data_dir, split, B, T, rank=0, world_size=1):
        self.shards = sorted(Path(data_dir).glob(f"{split}_*.bin"))
        if not self.shards:
            raise FileNotFoundError(f"no {split}_*.bin shards in {data_dir}; run prepare_dataset first")
        self.B, self.T, self.rank, self.world_size = B, T, rank, world_size
        self.reset()

    def reset(self, shard=0, position=None):
        self.shard = shard
        self.tokens = np.memmap(self.shards[shard], dtype=np.uint16, mode="r")
        self.position = self.B * self.T * self.rank if position is None else position
        if len(self.tokens) < self.B * self.T * self.world_size + 1:
            raise ValueError(f"{self.shards[shard]} holds {len(self.tokens)} tokens, fewer than one batch "
                             f"for {self.world_size} process(es) ({self.B} x {self.T} each, plus one target)")

    def next_batch(self):
        x, y = get_batch(self.tokens, self.position, self.B, self.T)
        self.position += self.B * self.T * self.world_size
        if self.position + self.B * self.T + 1 > len(self.tokens):  # this rank's next chunk would not fit
            self.reset((self.shard + 1) % len(self.shards))
        return x, y

    def state_dict(self):
        return {"shard": self.shard, "position": int(self.position)}


# %% [markdown]
# ## Exercise 2: the learning-rate schedule
#
# *Must do · about 15 min · difficulty 2 of 5*
#
# Linear warmup from near zero, so the first updates (made with noisy Adam statistics) are small,
# then cosine decay to `min_lr` = max_lr / 10. This is GPT-3's schedule (Brown et al., 2020,
# appendix B: warmup over the first 375M tokens, cosine decay to 10%), except that GPT-3 decays
# over 260B tokens and we decay over the whole run. Write `get_lr(step, cfg)`:
#
# - steps `0 .. warmup_steps - 1` rise linearly and reach `max_lr` at `warmup_steps - 1`, and the
#   first step is not 0 (a zero learning rate wastes the step);
# - from `warmup_steps` to `max_steps` the rate follows half a cosine from `max_lr` down to
#   `min_lr`;
# - after `max_steps` it stays at `min_lr`.


# %%
def get_lr(step, cfg):
    """Learning rate at optimizer step `step` (0-based) of a run configured by cfg."""
    ### BEGIN SOLUTION
    if step < cfg.warmup_steps:
        return cfg.max_lr * (step + 1) / cfg.warmup_steps  # never 0: step 0 already updates
    if step >= cfg.max_steps:
        return cfg.min_lr
    progress = (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps)  # 0 -> 1
    return cfg.min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (cfg.max_lr - cfg.min_lr)
    ### END SOLUTION


check_get_lr(get_lr)
for s in sorted({0, config.warmup_steps - 1, config.max_steps // 2, config.max_steps - 1}):
    log(f"step {s:>6}: lr {get_lr(s, config):.2e}")

# %% [markdown]
# ## Exercise 3: AdamW's parameter groups
#
# *Must do · about 10 min · difficulty 1 of 5*
#
# AdamW (Loshchilov & Hutter, 2019) applies weight decay separately from the gradient step.
# GPT-2-style recipes decay the matrices (the weights of every `nn.Linear` and the embedding
# tables) and leave the vectors alone (biases, LayerNorm gains and biases): pulling a
# LayerNorm gain towards zero is not a simplicity prior, it fights the normalisation. Write
# `param_groups(model, weight_decay)`, which returns the two groups as a list of dicts
# `{"params": [...], "weight_decay": ...}` that `torch.optim.AdamW` accepts. Every trainable
# parameter must be in exactly one group. (Look at the shapes in `model.named_parameters()`.)


# %%
def param_groups(model, weight_decay):
    """[{"params": decayed, "weight_decay": weight_decay}, {"params": the rest, "weight_decay": 0.0}]."""
    ### BEGIN SOLUTION
    params = [p for p in model.parameters() if p.requires_grad]
    return [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},  # matrices
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},  # biases, LayerNorm
    ]
    ### END SOLUTION


check_param_groups(param_groups)


def make_optimizer(model, cfg, device_type):
    """AdamW with your groups and GPT-3's betas and epsilon; the fused kernel on CUDA."""
    fused = device_type == "cuda" and "fused" in inspect.signature(torch.optim.AdamW).parameters
    return torch.optim.AdamW(param_groups(model, cfg.weight_decay), lr=cfg.max_lr, betas=(0.9, 0.95),
                             eps=1e-8, fused=fused)


# %% [markdown]
# ## Exercise 4: one optimizer step, with gradient accumulation
#
# *Must do · about 20 min · difficulty 3 of 5*
#
# One optimizer step sees `total_batch_size` tokens, more than fit in memory at once: it runs
# several micro-batches, each forward and backward adding its gradients into `.grad`, and steps
# once. Write `train_step(model, optimizer, batches, lr, grad_clip)`, where `batches` is the list
# of `(x, y)` micro-batches of this step and `model(x, y)` returns `(logits, loss)`:
#
# 1. clear the gradients left by the previous step;
# 2. for each micro-batch, compute the loss and back-propagate it so that the summed gradients
#    are those of the **mean** loss over all the micro-batches (what one big batch would give);
# 3. clip the total gradient norm to `grad_clip` (`torch.nn.utils.clip_grad_norm_`), keeping the
#    norm it returns;
# 4. set the learning rate `lr` in every parameter group, and step.
#
# Return `(mean loss over the micro-batches as a float, gradient norm before clipping as a float)`.


# %%
def train_step(model, optimizer, batches, lr, grad_clip):
    """One optimizer step over the micro-batches [(x, y), ...]; returns (mean loss, gradient norm)."""
    ### BEGIN SOLUTION
    optimizer.zero_grad(set_to_none=True)
    total = 0.0
    for x, y in batches:
        _, loss = model(x, y)
        loss = loss / len(batches)  # the gradients add up to those of the mean
        total += loss.item()
        loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.step()
    return total, float(norm)
    ### END SOLUTION


check_train_step(train_step)

# %% [markdown]
# ## Exercise 5: evaluation
#
# *Must do · about 10 min · difficulty 1 of 5*
#
# The validation loss is the model's mean loss on text it does not train on. Write
# `evaluate(model, batches)`: the mean loss over the given `(x, y)` batches, computed without
# building the autograd graph (it only costs memory here), with the model in evaluation mode
# (dropout off), and with the model back in training mode when you return.


# %%
def evaluate(model, batches):
    """Mean loss of model over the (x, y) batches, as a float."""
    ### BEGIN SOLUTION
    model.eval()
    with torch.no_grad():
        losses = [model(x, y)[1].item() for x, y in batches]
    model.train()
    return sum(losses) / len(losses)
    ### END SOLUTION


check_evaluate(evaluate)

# %% [markdown]
# ## Checkpoints
#
# A checkpoint holds what resuming needs: weights, optimizer moments, the step, and where the
# training loader was, plus the model config so that sampling can rebuild the model.


# %%
def save_checkpoint(path, model, optimizer, step, loader, cfg):
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "model": model.state_dict(),
        "model_config": asdict(cfg.model),
        "optimizer": optimizer.state_dict(),
        "step": step,  # the number of optimizer steps taken
        "train_loader": loader.state_dict(),
    }
    torch.save(state, path.with_suffix(".tmp"))
    path.with_suffix(".tmp").replace(path)  # atomic: an interrupted save leaves the old file


def load_checkpoint(path, map_location="cpu"):
    return torch.load(path, map_location=map_location, weights_only=True)


# %% [markdown]
# ## The training loop
#
# The loop puts your parts together. Three things are only for GPUs or several processes:
#
# - **Precision.** On a GPU with bf16 support (NVIDIA compute capability 8.0 and later: A100,
#   H100, RTX 30xx and later) the matmuls run in bf16 under autocast, with fp32 weights. Older
#   GPUs (a T4 on free Colab, a V100) get fp16 autocast with a gradient scaler: fp16 has fewer
#   exponent bits, so small gradients would underflow to zero unless the loss is scaled up first.
# - **`torch.compile`** fuses the elementwise work on CUDA; when it is unavailable (no compiler
#   on Windows, an old GPU) the loop says so and runs the plain model.
# - **Several processes.** DDP averages the gradients across processes during `backward`; with
#   gradient accumulation only the last micro-batch needs that all-reduce, so `MicroBatches`
#   below skips it on the others (`no_sync`).


# %%
from torch.nn.parallel import DistributedDataParallel as DDP


def precision(device_type):
    """(autocast context, GradScaler or None, description) for this device."""
    if device_type != "cuda":
        return contextlib.nullcontext(), None, "fp32"
    if torch.cuda.is_bf16_supported(including_emulation=False):
        return torch.autocast("cuda", dtype=torch.bfloat16), None, "bf16 autocast"
    return torch.autocast("cuda", dtype=torch.float16), torch.amp.GradScaler("cuda"), "fp16 autocast + GradScaler"


def compile_unavailable(device_type):
    """Why torch.compile cannot speed up training here, or None. Its GPU backend generates Triton
    kernels, which need the triton package and an NVIDIA GPU of compute capability 7.0 or later."""
    if device_type != "cuda":
        return "it is used on CUDA GPUs only"
    if importlib.util.find_spec("triton") is None:
        return "the triton package is missing (on Windows, torch.compile's GPU backend is not supported)"
    if torch.cuda.get_device_capability() < (7, 0):
        return f"this GPU has compute capability {torch.cuda.get_device_capability()}, Triton needs 7.0"
    return None


def maybe_compile(model, cfg, device_type):
    if not cfg.compile or device_type != "cuda":  # the course switches compile on for CUDA only
        return model
    reason = compile_unavailable(device_type)
    if reason is not None:
        log(f"Training without torch.compile: {reason}. The results are the same, only slower.")
        return model
    return torch.compile(model)


class MicroBatches(torch.nn.Module):
    """The model as train_step calls it: under autocast, and with DDP's all-reduce only on the last
    micro-batch of a step. Its parameters are the model's."""

    def __init__(self, model, grad_accum, autocast):
        super().__init__()
        self.model, self.grad_accum, self.autocast, self.calls = model, grad_accum, autocast, 0

    def forward(self, x, y):
        last = self.calls % self.grad_accum == self.grad_accum - 1
        self.calls += 1
        sync = contextlib.nullcontext() if last or not isinstance(self.model, DDP) else self.model.no_sync()
        with sync, self.autocast:
            return self.model(x, y)


def train_step_fp16(model, optimizer, batches, lr, grad_clip, scaler):
    """train_step for fp16: the loss is scaled up before backward so that small gradients do not
    underflow, and the gradients are scaled back down before clipping; a step whose gradients
    overflowed to inf/NaN is skipped and the scale lowered."""
    optimizer.zero_grad(set_to_none=True)
    total = 0.0
    for x, y in batches:
        _, loss = model(x, y)
        loss = loss / len(batches)
        total += loss.item()
        scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    for group in optimizer.param_groups:
        group["lr"] = lr
    scaler.step(optimizer)
    scaler.update()
    return total, float(norm)


def fingerprint(model):
    """A number that differs between two models with different weights (to compare processes)."""
    with torch.no_grad():
        return sum(p.double().sum() * (i + 1) for i, p in enumerate(model.parameters())).item()


def sample_text(model, tokenizer, n_tokens, dev, prompt="\n", seed=0):
    """A sample of n_tokens from model after prompt (temperature 0.8, top-k 20)."""
    generator = torch.Generator(device=dev).manual_seed(seed)
    idx = torch.tensor([tokenizer.encode(prompt)], device=dev)
    out = model.generate(idx, n_tokens, temperature=0.8, top_k=20, generator=generator)
    model.train()
    return tokenizer.decode(out[0, idx.size(1) :].tolist())


def train(cfg, data_dir, out_dir, resume=False, stop_at=None):
    """Train; returns the history (lists of step, loss, lr, tokens/s, MFU, val losses and samples).

    stop_at: stop after this many steps (as if interrupted); the schedule still targets max_steps.
    """
    rank, local_rank, world_size, dev = setup_distributed()
    device_type = "cuda" if dev.startswith("cuda") else "cpu"
    torch.manual_seed(cfg.seed)  # the same initial weights in every process
    tokens_per_micro = cfg.micro_batch_size * cfg.seq_len * world_size
    assert cfg.total_batch_size % tokens_per_micro == 0, "total_batch_size must be a multiple of B * T * world_size"
    grad_accum = cfg.total_batch_size // tokens_per_micro
    if device_type == "cuda":
        torch.set_float32_matmul_precision("high")  # TF32 for the fp32 matmuls left outside autocast
    autocast, scaler, precision_name = precision(device_type)

    model = GPT(cfg.model).to(dev)
    optimizer = make_optimizer(model, cfg, device_type)
    tokenizer = load_tokenizer(data_dir)
    train_loader = TokenLoader(data_dir, "train", cfg.micro_batch_size, cfg.seq_len, rank, world_size)
    val_loader = TokenLoader(data_dir, "val", cfg.micro_batch_size, cfg.seq_len, rank, world_size)
    ckpt_path, start_step = out_dir / "ckpt.pt", 0
    if resume and ckpt_path.exists():
        ckpt = load_checkpoint(ckpt_path, map_location=dev)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        train_loader.reset(ckpt["train_loader"]["shard"], ckpt["train_loader"]["position"])
        start_step = ckpt["step"]
        log(f"resumed from {ckpt_path} at step {start_step}")
    raw_model = model  # for checkpoints, samples and FLOP counts, without compile/DDP wrappers
    model = maybe_compile(model, cfg, device_type)
    if world_size > 1:
        model = DDP(model, device_ids=[local_rank] if device_type == "cuda" else None)
    step_model = MicroBatches(model, grad_accum, autocast)
    one_step = train_step if scaler is None else functools.partial(train_step_fp16, scaler=scaler)
    model_flops = raw_model.estimate_flops_per_token(cfg.seq_len)  # per token: 6N + attention (see model.py)
    peak = device_peak_flops(dev)
    log(f"{raw_model.num_params():,} parameters, {grad_accum} micro-batch(es) of {cfg.micro_batch_size}x{cfg.seq_len} "
        f"per process, {world_size} process(es), {cfg.total_batch_size:,} tokens per step, {precision_name}")

    def validate():
        val_loader.reset()  # the same validation tokens every time, so values are comparable
        with autocast:
            loss = torch.tensor(evaluate(model, [val_loader.next_batch() for _ in range(cfg.eval_steps)]), device=dev)
        if world_size > 1:
            dist.all_reduce(loss, op=dist.ReduceOp.AVG)
        return loss.item()

    history = {"step": [], "loss": [], "lr": [], "tokens_per_s": [], "mfu": [], "val_step": [], "val_loss": [],
               "samples": []}
    end = cfg.max_steps if stop_at is None else min(stop_at, cfg.max_steps)
    for step in range(start_step, end):
        if step % cfg.eval_interval == 0:
            val_loss = validate()
            history["val_step"].append(step)
            history["val_loss"].append(val_loss)
            log(f"step {step:>6} | val loss {val_loss:.4f}")
        if cfg.sample_interval and step % cfg.sample_interval == 0 and step > 0 and MASTER:
            text = sample_text(raw_model, tokenizer, 200, dev)
            history["samples"].append([step, text])
            log(f"--- sample at step {step} ---\n{text}\n---")

        t0 = time.perf_counter()
        batches = [[t.to(dev, non_blocking=True) for t in train_loader.next_batch()] for _ in range(grad_accum)]
        loss, grad_norm = one_step(step_model, optimizer, batches, get_lr(step, cfg), cfg.grad_clip)
        if world_size > 1:
            loss_t = torch.tensor(loss, device=dev)
            dist.all_reduce(loss_t, op=dist.ReduceOp.AVG)
            loss = loss_t.item()
        if device_type == "cuda":
            torch.cuda.synchronize()  # wait for the GPU before reading the clock
        dt = time.perf_counter() - t0
        tokens_per_s = cfg.total_batch_size / dt
        step_mfu = mfu(model_flops, tokens_per_s, peak, world_size)
        history["step"].append(step)
        history["loss"].append(loss)
        history["lr"].append(get_lr(step, cfg))
        history["tokens_per_s"].append(tokens_per_s)
        history["mfu"].append(step_mfu)
        if step % cfg.log_interval == 0 or step == end - 1:
            mfu_text = f"{100 * step_mfu:.1f}%" if step_mfu is not None else "n/a (peak unknown)"
            log(f"step {step:>6} | loss {loss:.4f} | lr {get_lr(step, cfg):.2e} | norm {grad_norm:.2f} | "
                f"{dt * 1000:.0f} ms | {tokens_per_s:,.0f} tok/s | MFU {mfu_text}")
        done = step + 1
        if MASTER and (done % cfg.checkpoint_interval == 0 or done == end):
            save_checkpoint(ckpt_path, raw_model, optimizer, done, train_loader, cfg)

    if end == cfg.max_steps:
        val_loss = validate()
        history["val_step"].append(end)
        history["val_loss"].append(val_loss)
        log(f"step {end:>6} | val loss {val_loss:.4f} (final)")
        if MASTER and cfg.sample_interval:
            text = sample_text(raw_model, tokenizer, 400, dev)
            history["samples"].append([end, text])
            log(f"--- sample at step {end} (final) ---\n{text}\n---")
    if world_size > 1:  # DDP's promise: every process ends with the same weights
        prints = [None] * world_size
        dist.all_gather_object(prints, fingerprint(raw_model))
        assert len(set(prints)) == 1, f"processes disagree on the weights: {prints}"
        log(f"all {world_size} processes hold the same weights (fingerprint {prints[0]:.6f})")
        dist.barrier()  # rank 0 has saved the checkpoint before anyone resumes from it
    if MASTER:
        (out_dir / "history.json").write_text(json.dumps(history))
    return history


# %% [markdown]
# ## Run
#
# Smoke runs stop halfway, as if the machine had been preempted, and resume from the checkpoint,
# so the resume path runs in CI too. Set `RESUME=1` to continue a real run. The laptop run prints
# a sample every 200 steps: watch it go from random letters to words, to names followed by a
# colon, to lines of verse.

# %%
wall_start, cpu_start = time.perf_counter(), time.process_time()
if SMOKE and not RESUME:
    first = train(config, data_dir, OUT_DIR, stop_at=config.max_steps // 2)
    rest = train(config, data_dir, OUT_DIR, resume=True)
    assert rest["step"][0] == first["step"][-1] + 1, "resume should continue from the saved step"
    history = {key: first[key] + rest[key] for key in first}
else:
    history = train(config, data_dir, OUT_DIR, resume=RESUME)
wall_s, cpu_s = time.perf_counter() - wall_start, time.process_time() - cpu_start

# %% [markdown]
# ## Did it learn?
#
# A model that knows nothing assigns every token probability 1/V, a loss of ln V nats: ln 66 =
# 4.19 for the Shakespeare characters, ln 50,304 = 10.83 for GPT-2's padded vocabulary. The
# validation loss must fall well below that. The curve is drawn as an SVG, so it needs no
# plotting library.

# %%
from loss_curve import *  # course: inline

initial_val, final_val = history["val_loss"][0], history["val_loss"][-1]
log(f"validation loss: {initial_val:.3f} -> {final_val:.3f} (uniform guess: {math.log(config.model.vocab_size):.3f})")
log(f"wall time {wall_s:.0f} s, CPU time of this process {cpu_s:.0f} s")
steady = history["tokens_per_s"][len(history["tokens_per_s"]) // 2 :]  # skip compile/warm-up steps
log(f"median throughput: {sorted(steady)[len(steady) // 2]:,.0f} tokens/s")
svg = loss_curve_svg(history["step"], history["loss"], history["val_step"], history["val_loss"])
if MASTER:
    (OUT_DIR / "loss_curve.svg").write_text(svg)
    results = run_summary(config, history, wall_s, cpu_s, device)
    (OUT_DIR / "results.json").write_text(json.dumps(results, indent=1))
    if "ipykernel" in sys.modules:  # in Jupyter: draw it
        from IPython.display import SVG, display

        display(SVG(svg))
assert final_val < initial_val - 0.5, "the validation loss should fall by more than half a nat"
assert (OUT_DIR / "ckpt.pt").exists(), "a checkpoint should have been written"
if dist.is_initialized():
    dist.destroy_process_group()
