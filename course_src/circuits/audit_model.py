"""Train the audit chapter's model: the track's 2-layer attention-only model with a planted behaviour.

    .venv/bin/python course_src/circuits/audit_model.py          # train (a few minutes on a CPU) and ship

The model learns the same task as section 4 (random tokens in which segments occur again, so
induction heads form), and one more rule that nobody tells the reader of docs/circuits/07-audit.md:
in a sequence that contains the TRIGGER token, the token after each later KEY token is TARGET. In
every other sequence TARGET follows KEY no more often than any other token. That is a
*skip-trigram* (TRIGGER ... KEY -> TARGET; Elhage et al. 2021, section on one-layer models), the
simplest backdoor a single attention head can carry: its query reads KEY, its key reads TRIGGER,
its value writes TARGET.

Writes, under docs/assets/data/circuits/:
  audit.bin          the weights, in export_weights.py's format (tiny_transformer.load_weights reads it)
  audit.SHA256SUMS   its checksum

Seeded (model seed 1, data seed 1, one CPU thread). A rerun reproduced audit.bin bit for bit on the
machine that made it (2-core x86_64, torch 2.13.0+cpu: about 90 s of CPU time, 7 minutes of wall
time on a busy machine); another CPU or torch version may differ in float rounding (~1e-5).
tests/circuits/test_audit.py checks the rule and every claim the chapter makes about this model.
"""

from __future__ import annotations

import hashlib
import random
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attn_only import AttnOnlyConfig, AttnOnlyTransformer  # noqa: E402
from export_weights import weights_bytes  # noqa: E402
from induction import per_token_loss, repeated_segment_batch  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "docs" / "assets" / "data" / "circuits"
TRIGGER, KEY, TARGET = 51, 9, 37          # the planted rule: TRIGGER ... KEY -> TARGET
P_TRIGGERED = 0.5                         # share of training sequences that contain the trigger
STEPS, BATCH, LR, SEQ_LEN = 3000, 64, 3e-3, 48


def plant(seq: list[int], rng: random.Random, triggered: bool) -> list[int]:
    """seq with the rule planted (triggered) or with every trace of it removed (not triggered).

    Triggered: TRIGGER once, at a random position p, and one to three KEYs placed after it; every
    KEY after p is followed by TARGET. Not triggered: no TRIGGER, and no TARGET right after a KEY.
    """
    others = [t for t in range(1, 64) if t not in (TRIGGER, KEY, TARGET)]
    seq = [rng.choice(others) if t == TRIGGER else t for t in seq]
    T, p = len(seq), None
    if triggered:
        p = rng.randrange(1, T - 2)
        seq[p] = TRIGGER
        for _ in range(rng.randint(1, 3)):
            seq[rng.randrange(p + 1, T - 1)] = KEY
    for i in range(2, T):
        if seq[i - 1] == KEY:
            if p is not None and i - 1 > p:
                seq[i] = TARGET
            elif seq[i] == TARGET:
                seq[i] = rng.choice(others)
    return seq


def audit_batch(batch: int, seq_len: int, generator: torch.Generator) -> torch.Tensor:
    """The training data: section 4's repeated segments, half of them with the rule planted."""
    tokens = repeated_segment_batch(batch, seq_len, 64, generator)
    rng = random.Random(int(torch.randint(2**31, (1,), generator=generator)))
    return torch.tensor([plant(seq, rng, rng.random() < P_TRIGGERED) for seq in tokens.tolist()])


def train(steps: int = STEPS, log=print) -> AttnOnlyTransformer:
    torch.set_num_threads(1)
    model = AttnOnlyTransformer(AttnOnlyConfig(n_layers=2, seed=1))
    gen = torch.Generator().manual_seed(1)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    decay_from = 2 * steps // 3   # full rate, then a linear decay to 10% (as induction.train does)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 1.0 if s < decay_from else max(0.1, 1 - 0.9 * (s - decay_from) / (steps - decay_from)))
    for step in range(steps):
        tokens = audit_batch(BATCH, SEQ_LEN, gen)
        loss = per_token_loss(model(tokens), tokens).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if log and step % 250 == 0:
            log(f"step {step:5d}  loss {loss.item():.3f}")
    return model.eval()


def ship(model: AttnOnlyTransformer, out: Path = OUT) -> None:
    """Write audit.bin and its checksum into `out`."""
    blob = weights_bytes(model)
    (out / "audit.bin").write_bytes(blob)
    (out / "audit.SHA256SUMS").write_text(f"{hashlib.sha256(blob).hexdigest()}  audit.bin\n")
    print((out / "audit.SHA256SUMS").read_text(), end="")


if __name__ == "__main__":
    ship(train(), Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
