"""How long the 2-layer attention-only model takes to form induction heads on this CPU.

    .venv/bin/python bench/circuits_phase_change.py            # full setting (notebook 01's FULL)
    .venv/bin/python bench/circuits_phase_change.py --smoke    # notebook 01's TINY (its SMOKE setting)

Trains with the same code and seeds as course_src/circuits/export_weights.py on one thread and
prints the step and the time (wall and CPU) at which the loss on the repeated half first falls
below 2.0 nats (guessing is ln 63 = 4.14), plus the time of the whole run. CPU time is the fairer
figure on a shared machine: wall time grows with other people's load, CPU time much less.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "course_src" / "circuits"))
from attn_only import AttnOnlyConfig, AttnOnlyTransformer  # noqa: E402
from induction import TrainConfig, phase_change_step, train  # noqa: E402
from train_phase import cliff  # noqa: E402

THRESHOLD = 2.0  # nats on the repeated half


def main(smoke: bool) -> None:
    torch.set_num_threads(1)
    # TINY and FULL as in course_src/circuits/01_grow_induction_heads.py, evaluated every 25 steps.
    cfg = (TrainConfig(steps=450, batch=64, lr=1e-2, eval_every=25) if smoke
           else TrainConfig(steps=2000, batch=64, lr=3e-3, eval_every=25))
    model = AttnOnlyTransformer(AttnOnlyConfig(n_layers=2))
    marks = {}
    wall0, cpu0 = time.perf_counter(), time.process_time()

    def log(line: str) -> None:
        loss = float(line.split("loss")[1].split()[0])
        if loss < THRESHOLD and "wall" not in marks:
            marks.update(step=int(line.split()[1]), wall=time.perf_counter() - wall0, cpu=time.process_time() - cpu0)

    history = train(model, cfg, log=log)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(f"setting: {'SMOKE' if smoke else 'FULL'} ({cfg.steps} steps, batch {cfg.batch}, lr {cfg.lr}), 1 thread")
    if marks:
        print(f"repeated-half loss < {THRESHOLD} nats at step {marks['step']}: "
              f"{marks['wall']:.1f} s wall, {marks['cpu']:.1f} s CPU")
    else:
        print(f"repeated-half loss never fell below {THRESHOLD} nats")
    print(f"halfway phase-change step (as in results.json): {phase_change_step(history)}; "
          f"cliff (below 75/50/25% of ln 63, as in phase_change.json): {cliff(history)}")
    print(f"whole run: {wall:.1f} s wall, {cpu:.1f} s CPU, {1000 * cpu / cfg.steps:.1f} ms CPU per step; "
          f"final repeated-half loss {history[-1]['repeated_loss']:.3f}, induction {history[-1]['induction_L1']:.2f}")


if __name__ == "__main__":
    main(smoke="--smoke" in sys.argv[1:])
