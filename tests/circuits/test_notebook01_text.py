"""Notebook 01's prose about the phase change quotes the course's study (phase_change.json), as
chapter 4 does; test_phase_change.py checks the claims themselves against the same file."""

from __future__ import annotations

import json

from tests.circuits.circuits_src import CIRCUITS_SRC, DATA


def test_notebook_01_quotes_the_slope_before_the_cliff_and_the_study_from_phase_change_json():
    source = (CIRCUITS_SRC / "01_grow_induction_heads.py").read_text()
    text = " ".join(line.lstrip("# ") for line in source.splitlines())
    study = json.loads((DATA / "phase_change.json").read_text())
    run = study["runs_2layer"][0]
    assert run["seed"] == 0
    at = {step: loss for step, loss in zip(run["steps"], run["repeated_loss"], strict=True)}
    assert f"falls from {at[100]:.2f} nats at step 100 to {at[500]:.2f} at step 500" in text
    seeds = {3: "three", 4: "four", 5: "five"}[len(study["runs_2layer"])]
    assert f"every {study['train']['eval_every']} steps for {seeds} seeds" in text
    assert "within one evaluation of each other" in text and "evidence, not proof" in text
    assert "attention sink" in text and "job" not in text
