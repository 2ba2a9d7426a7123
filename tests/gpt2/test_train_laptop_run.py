"""The laptop run quoted in chapter 5: the page's figures, sample and loss curve are those of the
results file that the training notebook wrote (LAPTOP=1), and the run used the notebook's LAPTOP
settings. CI does not rerun it (it takes minutes); the SMOKE run executes the same code, tiny."""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass

from tests.gpt2.course import GPT2_SRC, definitions, model
from tests.support import ROOT

loss_curve = importlib.import_module("loss_curve")  # course_src/gpt2, put on sys.path by tests.gpt2.course
DATA = ROOT / "docs/assets/data/gpt2"
RESULTS = json.loads((DATA / "laptop_run.json").read_text(encoding="utf-8"))
PAGE = (ROOT / "docs/gpt2/05-training.md").read_text(encoding="utf-8")
FLAT = re.sub(r"\s+", " ", PAGE)  # the prose, with its line breaks as spaces


def test_the_page_quotes_the_measured_figures_and_names_the_hardware():
    r = RESULTS
    for quoted in [f"{r['cpu_s'] / 60:.1f} minutes of CPU time", f"{r['wall_s'] / 60:.0f} minutes of wall time",
                   f"from {r['val_loss'][0]:.2f} to {r['final_val_loss']:.2f}", f"{r['steps']:,} steps",
                   f"{r['tokens'] / 1e6:.1f}M characters", r["hardware"]["cpu"], f"torch {r['torch']}",
                   f"load average {r['hardware']['load_average_at_end'][0]:.0f}",
                   f"{r['hardware']['cpu_count']} cores", f"{r['hardware']['torch_threads']} thread"]:
        assert quoted in FLAT, f"chapter 5 should quote {quoted!r} from laptop_run.json"


def test_the_page_shows_the_final_sample_verbatim():
    step, text = RESULTS["samples"][-1]
    assert step == RESULTS["steps"]
    shown = "\n".join(text.strip("\n").splitlines()[:8])
    assert shown in PAGE


def test_the_loss_curve_is_drawn_from_the_results():
    r = RESULTS
    svg = loss_curve.loss_curve_svg(r["train_step"], r["train_loss"], r["val_step"], r["val_loss"])
    assert (DATA / "laptop_run_loss.svg").read_text(encoding="utf-8") == svg
    assert "laptop_run_loss.svg" in PAGE


def test_the_run_used_the_notebooks_laptop_settings():
    namespace = {"dataclass": dataclass, "GPTConfig": model.GPTConfig}
    laptop = definitions("02_train.py", ["TrainConfig", "LAPTOP"], namespace)["LAPTOP"]
    m = RESULTS["model"]
    assert (m["n_layer"], m["n_head"], m["n_embd"], m["block_size"]) == \
        (laptop.model.n_layer, laptop.model.n_head, laptop.model.n_embd, laptop.model.block_size)
    assert RESULTS["steps"] == laptop.max_steps and RESULTS["tokens"] == laptop.max_steps * laptop.total_batch_size
    assert (GPT2_SRC / "02_train.py").exists()
