"""The multi-process path of the training notebook, run for real: `torchrun --nproc_per_node=2`
on CPU (gloo backend) with the smoke settings, including the checkpoint and resume halfway."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from build_tools.notebooks.execute import seed_tiktoken_cache
from tests.gpt2.course import GPT2_SRC

pytestmark = pytest.mark.timeout(240)


def test_two_cpu_processes_train_with_ddp_agree_on_the_weights_and_the_loss_falls(tmp_path):
    torchrun = Path(sys.executable).with_name("torchrun")
    env = {**os.environ, "SMOKE": "1", "DATA_DIR": str(tmp_path / "data"), "OUT_DIR": str(tmp_path / "out"),
           "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1",
           "TIKTOKEN_CACHE_DIR": str(seed_tiktoken_cache(tmp_path / "tiktoken"))}
    run = subprocess.run([str(torchrun), "--standalone", "--nproc_per_node=2", "02_train.py"], cwd=GPT2_SRC, env=env,
                         capture_output=True, text=True, timeout=200)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-3000:]
    assert "2 process(es)" in out, out[-3000:]
    # train() is called twice (stop halfway, then resume); each call ends by comparing the weights of
    # the two processes and raises if they differ.
    assert out.count("all 2 processes hold the same weights") == 2, out[-3000:]
    assert "resumed from" in out
    first, last = map(float, re.search(r"validation loss: ([\d.]+) -> ([\d.]+)", out).groups())
    assert last < first - 0.5, out[-3000:]
    assert out.count("PASS get_batch") == 1, "only rank 0 reports the checks"
    assert (tmp_path / "out" / "ckpt.pt").exists()
