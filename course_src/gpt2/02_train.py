# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # Train GPT-2 small
#
# The recipe that trains GPT-2 small (124M parameters) from scratch on one GPU or many: a
# tokenised dataset on disk read through a memory map, next-token cross-entropy, AdamW with
# weight-decay groups, linear warmup then cosine decay, gradient clipping, gradient accumulation
# to a fixed number of tokens per step, bf16 autocast, `torch.compile`, flash attention through
# `scaled_dot_product_attention`, a vocabulary padded to 50,304, fused AdamW, periodic validation,
# checkpoints you can resume from, and a log of tokens per second and model FLOPs utilisation
# (MFU).
#
# With `SMOKE=1` the same code trains a tiny model for a few dozen steps on a short text that
# ships inside this notebook, on a CPU, and asserts that the loss falls.
#
# **Several GPUs.** This notebook is also a script: convert it with
# `jupytext --to py:percent 02_train.ipynb -o train_gpt2.py`, then launch one process per GPU:
#
# ```
# DATASET=fineweb-edu torchrun --standalone --nproc_per_node=8 train_gpt2.py
# ```
#
# `torchrun` sets `RANK`, `LOCAL_RANK` and `WORLD_SIZE`; the code below then wraps the model in
# `DistributedDataParallel`, gives each process its own slice of every batch, and lets only rank
# 0 prepare data, print and save. From a checkout of the course, the source is the script:
# `cd course_src/gpt2 && torchrun --standalone --nproc_per_node=8 02_train.py`.
#
# **Settings** are read from the environment by the parameters cell: `DATASET` (`fineweb-edu`,
# the default; `shakespeare`, one 1 MB download; `smoke`), `DATA_DIR`, `OUT_DIR`, and `RESUME=1`
# to continue from the last checkpoint.

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
# The model is the one built in the previous notebook (`model.py`, inlined below), and the MFU
# helpers (`perf.py`). A `TrainConfig` gathers every knob of a run.

# %%
import contextlib
import json
import math
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch.distributed as dist

# %%
from model import *  # course: inline

# %%
from perf import *  # course: inline


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
TINY = TrainConfig(
    model=GPTConfig.from_preset("micro", vocab_size=50304),
    total_batch_size=2 * 4 * 32,  # two micro-batches: gradient accumulation runs in smoke tests too
    micro_batch_size=4,
    seq_len=32,
    max_lr=1e-2,  # a tiny model tolerates (and, in 20 steps, needs) a large rate
    min_lr=1e-3,
    warmup_steps=2,
    max_steps=20,
    eval_interval=10,
    eval_steps=1,
    checkpoint_interval=10,
    log_interval=5,
)

# %% tags=["parameters"]
import os

SMOKE = os.environ.get("SMOKE") == "1"  # tiny settings for CI / a laptop CPU
DATASET = os.environ.get("DATASET", "smoke" if SMOKE else "fineweb-edu")  # "smoke", "shakespeare" or "fineweb-edu"
config = TINY if SMOKE else SHAKESPEARE if DATASET == "shakespeare" else FULL
DATA_DIR = Path(os.environ.get("DATA_DIR", "data"))
OUT_DIR = Path(os.environ.get("OUT_DIR", "out/gpt2-smoke" if SMOKE else "out/gpt2-124M"))
RESUME = os.environ.get("RESUME") == "1"  # continue from OUT_DIR/ckpt.pt

# %% [markdown]
# ## Processes and devices
#
# Under `torchrun` each process drives one GPU; without it there is one process.

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
# Training reads token ids from `.bin` files of `uint16` (GPT-2's 50,257 ids fit in 16 bits),
# through `np.memmap`, so a 10B-token dataset (20 GB) is never loaded into memory. Text is
# tokenised once, with the GPT-2 tokenizer (`r50k_base` in tiktoken); `<|endoftext|>` (id
# 50256) separates documents. Each split is a list of shards `{split}_{index:06d}.bin`.

# %%
import tiktoken

ENC = tiktoken.get_encoding("r50k_base")
EOT = ENC.eot_token  # 50256
SHAKESPEARE_URL = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"


def write_shard(tokens, path):
    tokens = np.asarray(tokens)
    assert tokens.max() < 2**16, "token ids must fit in uint16"
    path.parent.mkdir(parents=True, exist_ok=True)
    tokens.astype(np.uint16).tofile(path)


def prepare_text(text, out_dir, val_fraction=0.1):
    """Tokenise one text; the last val_fraction of its tokens is the validation split."""
    tokens = [EOT] + ENC.encode_ordinary(text)
    n_val = max(int(len(tokens) * val_fraction), 2)
    write_shard(tokens[:-n_val], out_dir / "train_000000.bin")
    write_shard(tokens[-n_val:], out_dir / "val_000000.bin")


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
            "Check your connection, or use DATASET=shakespeare (one small download) or SMOKE=1 (no download)."
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


def prepare_dataset(name, data_dir):
    """Tokenise the dataset once (rank 0); other ranks wait for its DONE marker. Returns its folder."""
    out_dir = data_dir / name
    done = out_dir / "DONE"
    if done.exists():
        return out_dir
    if not MASTER:
        while not done.exists():  # no timeout: tokenising FineWeb-Edu takes a while
            time.sleep(5)
        return out_dir
    if name == "smoke":
        prepare_text(SMOKE_TEXT, out_dir)
    elif name == "shakespeare":
        prepare_text(download_text(SHAKESPEARE_URL, data_dir / "tinyshakespeare.txt"), out_dir)
    elif name == "fineweb-edu":
        prepare_fineweb_edu(out_dir)
    else:
        raise ValueError(f"unknown DATASET {name!r}: use smoke, shakespeare or fineweb-edu")
    done.touch()
    return out_dir


# %% [markdown]
# The smoke text: a short story written for this course, so smoke runs need no download.

# %%
from smoke_corpus import *  # course: inline

# %%
data_dir = prepare_dataset(DATASET, DATA_DIR)
for shard in sorted(data_dir.glob("*.bin")):
    log(f"{shard.name}: {shard.stat().st_size // 2:,} tokens")

# %% [markdown]
# ## Batches
#
# A batch is B sequences of T tokens cut from the stream; the targets are the same tokens shifted
# by one, so every position is a next-token prediction. With W processes, process r reads the
# r-th of every W consecutive chunks, so together they cover the stream once.


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
            raise ValueError(f"{self.shards[shard]} holds {len(self.tokens)} tokens, fewer than one batch")

    def next_batch(self):
        B, T = self.B, self.T
        chunk = torch.from_numpy(self.tokens[self.position : self.position + B * T + 1].astype(np.int64))
        x = chunk[:-1].view(B, T)  # (B, T) inputs
        y = chunk[1:].view(B, T)  # (B, T) targets: the next token at each position
        self.position += B * T * self.world_size
        if self.position + B * T * self.world_size + 1 > len(self.tokens):  # next shard, wrapping around
            self.reset((self.shard + 1) % len(self.shards))
        return x, y

    def state_dict(self):
        return {"shard": self.shard, "position": int(self.position)}


# %% [markdown]
# ## Learning-rate schedule
#
# Linear warmup from near zero, so the first updates (made with noisy Adam statistics) are small,
# then cosine decay to `min_lr` = max_lr / 10. This is GPT-3's schedule (Brown et al., 2020,
# appendix B: warmup over the first 375M tokens, cosine decay to 10%), except that GPT-3 decays
# over 260B tokens and we decay over the whole run. Write `get_lr`.


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


def check_get_lr(get_lr):
    cfg = replace(FULL, warmup_steps=10, max_steps=110, max_lr=1.0, min_lr=0.1)
    lr = [get_lr(step, cfg) for step in range(120)]
    assert lr[0] > 0, "the first step has lr 0 and does nothing: warm up as max_lr * (step + 1) / warmup_steps"
    assert abs(lr[9] - 1.0) < 1e-9 and abs(lr[4] - 0.5) < 1e-9, \
        "warmup should rise linearly to max_lr at step warmup_steps - 1"
    assert abs(lr[60] - 0.55) < 1e-9, "halfway through the decay a cosine schedule is at (max_lr + min_lr) / 2"
    assert lr[35] > 0.82, "a cosine decays slowly at first (0.87 a quarter of the way); is this a linear decay?"
    assert all(a >= b for a, b in zip(lr[9:], lr[10:], strict=False)), \
        "after warmup the learning rate should never increase"
    assert abs(lr[109] - 0.1) < 1e-3 and all(x == 0.1 for x in lr[110:]), \
        "the schedule should end at min_lr and stay there"
    print("PASS get_lr: linear warmup, cosine decay to min_lr")


check_get_lr(get_lr)
for s in sorted({0, config.warmup_steps - 1, config.max_steps // 2, config.max_steps - 1}):
    log(f"step {s:>6}: lr {get_lr(s, config):.2e}")

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
# One optimizer step sees `total_batch_size` tokens: `grad_accum` micro-batches per process,
# each of B x T tokens, losses divided by `grad_accum` so the gradients add up to the mean.
# With DDP the gradients are averaged across processes only on the last micro-batch
# (`no_sync` skips the all-reduce on the others). On CUDA the matmuls run in bf16 under autocast
# (weights stay fp32), TF32 is allowed for what remains in fp32, and `torch.compile` fuses the
# elementwise work.


# %%
from torch.nn.parallel import DistributedDataParallel as DDP


@torch.no_grad()
def evaluate(model, loader, steps, autocast):
    model.eval()
    loader.reset()  # the same validation tokens every time, so values are comparable
    total = torch.zeros((), device=next(model.parameters()).device)
    for _ in range(steps):
        x, y = loader.next_batch()
        x, y = x.to(total.device), y.to(total.device)
        with autocast:
            _, loss = model(x, y)
        total += loss / steps
    if dist.is_initialized():
        dist.all_reduce(total, op=dist.ReduceOp.AVG)
    model.train()
    return total.item()


def train(cfg, data_dir, out_dir, resume=False, stop_at=None):
    """Train; returns the history (lists of step, loss, lr, tokens/s, MFU, and val losses).

    stop_at: stop after this many steps (as if interrupted); the schedule still targets max_steps.
    """
    rank, local_rank, world_size, dev = setup_distributed()
    device_type = "cuda" if dev.startswith("cuda") else "cpu"
    torch.manual_seed(cfg.seed + rank)
    tokens_per_micro = cfg.micro_batch_size * cfg.seq_len * world_size
    assert cfg.total_batch_size % tokens_per_micro == 0, "total_batch_size must be a multiple of B * T * world_size"
    grad_accum = cfg.total_batch_size // tokens_per_micro
    if device_type == "cuda":
        torch.set_float32_matmul_precision("high")  # TF32 for the fp32 matmuls left outside autocast
    autocast = torch.autocast(device_type, dtype=torch.bfloat16) if device_type == "cuda" else contextlib.nullcontext()

    model = GPT(cfg.model).to(dev)
    optimizer = model.configure_optimizers(cfg.weight_decay, cfg.max_lr, device_type=device_type)
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
    raw_model = model  # for checkpoints and FLOP counts, without compile/DDP wrappers
    if cfg.compile and device_type == "cuda":
        model = torch.compile(model)
    if world_size > 1:
        model = DDP(model, device_ids=[local_rank] if device_type == "cuda" else None)
    model_flops = raw_model.estimate_flops_per_token(cfg.seq_len)  # per token, 6N + attention
    peak = device_peak_flops(dev)
    log(f"{raw_model.num_params():,} parameters, {grad_accum} micro-batches of {cfg.micro_batch_size}x{cfg.seq_len} "
        f"per process, {world_size} process(es), {cfg.total_batch_size:,} tokens per step")

    history = {"step": [], "loss": [], "lr": [], "tokens_per_s": [], "mfu": [], "val_step": [], "val_loss": []}
    end = cfg.max_steps if stop_at is None else min(stop_at, cfg.max_steps)
    for step in range(start_step, end):
        if step % cfg.eval_interval == 0:
            val_loss = evaluate(model, val_loader, cfg.eval_steps, autocast)
            history["val_step"].append(step)
            history["val_loss"].append(val_loss)
            log(f"step {step:>6} | val loss {val_loss:.4f}")

        t0 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss_sum = torch.zeros((), device=dev)
        for micro in range(grad_accum):
            x, y = train_loader.next_batch()
            x, y = x.to(dev, non_blocking=True), y.to(dev, non_blocking=True)
            sync = world_size == 1 or micro == grad_accum - 1
            with (contextlib.nullcontext() if sync else model.no_sync()), autocast:
                _, loss = model(x, y)
                loss = loss / grad_accum  # gradients of a mean over all micro-batches
            loss_sum += loss.detach()
            loss.backward()
        if world_size > 1:
            dist.all_reduce(loss_sum, op=dist.ReduceOp.AVG)
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)  # clip to norm 1.0 (GPT-3)
        lr = get_lr(step, cfg)
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.step()
        if device_type == "cuda":
            torch.cuda.synchronize()  # wait for the GPU before reading the clock
        dt = time.perf_counter() - t0
        tokens_per_s = cfg.total_batch_size / dt
        step_mfu = mfu(model_flops, tokens_per_s, peak, world_size)
        history["step"].append(step)
        history["loss"].append(loss_sum.item())
        history["lr"].append(lr)
        history["tokens_per_s"].append(tokens_per_s)
        history["mfu"].append(step_mfu)
        if step % cfg.log_interval == 0 or step == end - 1:
            mfu_text = f"{100 * step_mfu:.1f}%" if step_mfu is not None else "n/a (peak unknown)"
            log(f"step {step:>6} | loss {loss_sum.item():.4f} | lr {lr:.2e} | norm {grad_norm:.2f} | "
                f"{dt * 1000:.0f} ms | {tokens_per_s:,.0f} tok/s | MFU {mfu_text}")
        done = step + 1
        if MASTER and (done % cfg.checkpoint_interval == 0 or done == end):
            save_checkpoint(ckpt_path, raw_model, optimizer, done, train_loader, cfg)

    if end == cfg.max_steps:
        val_loss = evaluate(model, val_loader, cfg.eval_steps, autocast)
        history["val_step"].append(end)
        history["val_loss"].append(val_loss)
        log(f"step {end:>6} | val loss {val_loss:.4f} (final)")
    if MASTER:
        (out_dir / "history.json").write_text(json.dumps(history))
    return history


# %% [markdown]
# ## Run
#
# Smoke runs stop halfway, as if the machine had been preempted, and resume from the checkpoint,
# so the resume path runs in CI too. Set `RESUME=1` to continue a real run.

# %%
if SMOKE and not RESUME:
    first = train(config, data_dir, OUT_DIR, stop_at=config.max_steps // 2)
    rest = train(config, data_dir, OUT_DIR, resume=True)
    assert rest["step"][0] == first["step"][-1] + 1, "resume should continue from the saved step"
    history = {key: first[key] + rest[key] for key in first}
else:
    history = train(config, data_dir, OUT_DIR, resume=RESUME)

# %% [markdown]
# ## Did it learn?
#
# A model that knows nothing assigns every token probability 1/V, a loss of ln(50,304) = 10.83
# nats. The validation loss must fall well below that.

# %%
initial_val, final_val = history["val_loss"][0], history["val_loss"][-1]
log(f"validation loss: {initial_val:.3f} -> {final_val:.3f} (uniform guess: {math.log(config.model.vocab_size):.3f})")
steady = history["tokens_per_s"][len(history["tokens_per_s"]) // 2 :]  # skip compile/warm-up steps
log(f"median throughput: {sorted(steady)[len(steady) // 2]:,.0f} tokens/s")
assert final_val < initial_val - 2.0, "the validation loss should fall by more than 2 nats"
assert (OUT_DIR / "ckpt.pt").exists(), "a checkpoint should have been written"
if dist.is_initialized():
    dist.destroy_process_group()
