"""Training throughput of GPT-2 small: tokens/s and MFU of one optimizer step, per optimisation.

Runs the step of course_src/gpt2 (model.py) on random tokens with each speed-up switched on in
turn, in the order of karpathy/build-nanogpt: fp32 baseline, TF32 matmuls, bf16 autocast,
torch.compile, flash attention (scaled_dot_product_attention), vocabulary padded to 50,304,
fused AdamW. Prints a Markdown table.

    .venv/bin/python bench/train_throughput.py                   # GPT-2 small, B=16, T=1024, ladder
    .venv/bin/python bench/train_throughput.py --batch 64        # on an 80 GB GPU
    .venv/bin/python bench/train_throughput.py --only --bf16 --sdpa --compile --pad-vocab --fused-adamw
    .venv/bin/python bench/train_throughput.py --tiny            # CPU smoke test: tiny model, few steps

MFU uses the course's one FLOP convention (model.py's flops_per_token: 6N + 12 L d T per token, N
without the position table; chapter 7 and the training notebook's log use the same), counted for
the 50,257 real tokens even when the vocabulary is padded.

CUDA-only switches (TF32, torch.compile, fused AdamW) are reported as skipped on other devices;
`--compile-on-cpu` runs torch.compile there too (slow to compile).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "course_src" / "gpt2"))
from model import GPT, GPTConfig, count_params, flops_per_token  # noqa: E402
from perf import device_peak_flops, mfu  # noqa: E402


@dataclass(frozen=True)
class Settings:
    tf32: bool = False
    bf16: bool = False
    compile: bool = False
    sdpa: bool = False
    pad_vocab: bool = False
    fused_adamw: bool = False


LADDER = [
    ("fp32 baseline", Settings()),
    ("+ TF32 matmuls", Settings(tf32=True)),
    ("+ bf16 autocast", Settings(tf32=True, bf16=True)),
    ("+ torch.compile", Settings(tf32=True, bf16=True, compile=True)),
    ("+ flash attention (SDPA)", Settings(tf32=True, bf16=True, compile=True, sdpa=True)),
    ("+ vocab 50304", Settings(tf32=True, bf16=True, compile=True, sdpa=True, pad_vocab=True)),
    ("+ fused AdamW", Settings(tf32=True, bf16=True, compile=True, sdpa=True, pad_vocab=True, fused_adamw=True)),
]
CUDA_ONLY = ("tf32", "compile", "fused_adamw")


def pick_device(name: str | None) -> str:
    if name:
        return name
    return "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"


def unsupported(settings: Settings, device_type: str, compile_on_cpu: bool) -> list[str]:
    """The switches of settings that do nothing (or do not exist) on this device."""
    if device_type == "cuda":
        return []
    skipped = [name for name in CUDA_ONLY if getattr(settings, name)]
    if compile_on_cpu and "compile" in skipped:
        skipped.remove("compile")
    return skipped


def train_step(model, step_model, optimizer, autocast, x, y):
    """One optimizer step; `step_model` is `model` itself or its torch.compile wrapper."""
    optimizer.zero_grad(set_to_none=True)
    with autocast:
        _, loss = step_model(x, y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return loss


def measure(base: GPTConfig, settings: Settings, device: str, batch: int, seq: int, steps: int, warmup: int) -> dict:
    """Mean tokens/s over `steps` optimizer steps after `warmup` untimed ones."""
    device_type = device.split(":")[0]
    torch.backends.cuda.matmul.allow_tf32 = settings.tf32
    torch.backends.cudnn.allow_tf32 = settings.tf32
    config = replace(base, vocab_size=50304 if settings.pad_vocab else 50257)
    torch.manual_seed(0)
    model = GPT(config).to(device).use_attention("sdpa" if settings.sdpa else "manual")
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=6e-4, betas=(0.9, 0.95), fused=settings.fused_adamw or None)
    step_model = torch.compile(model) if settings.compile else model
    autocast = torch.autocast(device_type, dtype=torch.bfloat16) if settings.bf16 else contextlib.nullcontext()
    x = torch.randint(0, 50257, (batch, seq), device=device)
    y = torch.randint(0, 50257, (batch, seq), device=device)

    def sync():
        if device_type == "cuda":
            torch.cuda.synchronize()

    for _ in range(warmup):
        train_step(model, step_model, optimizer, autocast, x, y)
    sync()
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = train_step(model, step_model, optimizer, autocast, x, y)
    sync()
    seconds = (time.perf_counter() - t0) / steps
    tokens_per_s = batch * seq / seconds
    # Useful work only: the 47 padding tokens of the 50304 vocabulary do not count.
    useful_flops = flops_per_token(replace(base, vocab_size=50257), seq)
    result = {"ms_per_step": 1000 * seconds, "tokens_per_s": tokens_per_s, "loss": loss.item(),
              "mfu": mfu(useful_flops, tokens_per_s, device_peak_flops(device))}
    del model, step_model, optimizer
    if device_type == "cuda":
        torch.cuda.empty_cache()
    torch._dynamo.reset()
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="tiny model, few steps: a CPU smoke test")
    parser.add_argument("--preset", default="gpt2", help="model size (GPTConfig preset), default gpt2 (124M)")
    parser.add_argument("--batch", type=int, default=None, help="sequences per step (default 16; 4 with --tiny)")
    parser.add_argument("--seq", type=int, default=None, help="tokens per sequence (default 1024; 64 with --tiny)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps (default 20; 3 with --tiny)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps first (default 5; 1 with --tiny)")
    parser.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best available)")
    parser.add_argument("--compile-on-cpu", action="store_true", help="also run torch.compile off CUDA")
    parser.add_argument("--only", action="store_true", help="measure one setting, given by the flags below")
    for name in asdict(Settings()):
        parser.add_argument(f"--{name.replace('_', '-')}", action="store_true", help=f"with --only: switch {name} on")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)

    tiny = args.tiny
    base = GPTConfig.from_preset("tiny" if tiny else args.preset)
    batch = args.batch or (4 if tiny else 16)
    seq = args.seq or (64 if tiny else 1024)
    steps = args.steps or (3 if tiny else 20)
    warmup = args.warmup if args.warmup is not None else (1 if tiny else 5)
    device = pick_device(args.device)
    device_type = device.split(":")[0]
    name = torch.cuda.get_device_name(device) if device_type == "cuda" else device
    if args.only:
        rows = [("selected", Settings(**{k: getattr(args, k) for k in asdict(Settings())}))]
    else:
        rows = LADDER

    print(f"# GPT training step: {args.preset if not tiny else 'tiny'} ({count_params(base):,} params), "
          f"B={batch}, T={seq}, {steps} timed steps, {name}, torch {torch.__version__}\n")
    print("| configuration | ms/step | tokens/s | speed-up | MFU | loss |")
    print("|---|---:|---:|---:|---:|---:|")
    results, baseline = [], None
    for label, settings in rows:
        skipped = unsupported(settings, device_type, args.compile_on_cpu)
        effective = replace(settings, **{k: False for k in skipped})
        if skipped and results and effective == results[-1]["effective"]:
            print(f"| {label} | skipped ({', '.join(skipped)}: CUDA only) | | | | |")
            continue
        r = measure(base, effective, device, batch, seq, steps, warmup)
        baseline = baseline or r["tokens_per_s"]
        mfu_text = f"{100 * r['mfu']:.1f}%" if r["mfu"] is not None else "n/a"
        note = f" (without {', '.join(skipped)})" if skipped else ""
        print(f"| {label}{note} | {r['ms_per_step']:.1f} | {r['tokens_per_s']:,.0f} | "
              f"{r['tokens_per_s'] / baseline:.2f}x | {mfu_text} | {r['loss']:.3f} |", flush=True)
        results.append({"label": label, "effective": effective, **r})
    if args.json:
        args.json.write_text(json.dumps([{**r, "effective": asdict(r["effective"])} for r in results], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
