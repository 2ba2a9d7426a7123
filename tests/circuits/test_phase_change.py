"""The phase-change study (docs/assets/data/circuits/phase_change.json) and the chapter that quotes it.

The shipped file comes from `export_weights.py phase` (5 seeds of the shipped recipe, 3 one-layer
controls, evaluated every 20 steps; minutes of CPU). CI does not retrain it: it checks the file's
internal consistency, its agreement with results.json (seed 0 is the shipped run), the chapter's
quoted numbers, and runs the same code on the notebooks' TINY setting.
"""

from __future__ import annotations

import importlib
import json
import math
import re

import pytest
import torch

from tests.circuits.circuits_src import DATA, results
from tests.circuits.circuits_src import export_weights as ew
from tests.circuits.circuits_src import induction as ind
from tests.support import ROOT

tp = importlib.import_module("train_phase")  # course_src/circuits is on sys.path (circuits_src)

PAGE = ROOT / "docs" / "circuits" / "04-grow-your-own.md"
# A number quoted in prose from a results file: **value**{: data-json="file.json:path.to.value" }
QUOTED = re.compile(r'\*\*([^*]+)\*\*\{:\s*data-json="([a-z0-9_]+\.json):([A-Za-z0-9_.]+)"\s*\}')


def phase() -> dict:
    return json.loads((DATA / "phase_change.json").read_text())


def lookup(data, path: str):
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def shown(value) -> str:
    """How a page writes a value: floats with 2 decimals, integers with thousands separators, words as they are."""
    if isinstance(value, str):
        return value
    return f"{value:.2f}" if isinstance(value, float) else f"{value:,}"


def test_every_number_the_chapter_quotes_from_a_results_file_matches_it():
    quoted = QUOTED.findall(PAGE.read_text())
    assert len(quoted) >= 8, "chapter 4 quotes the phase-change study"
    for value, name, path in quoted:
        expected = lookup(json.loads((DATA / name).read_text()), path)
        assert value == shown(expected), f"chapter 4 quotes {name}:{path} as {value}, the file says {shown(expected)}"


def test_study_has_three_to_five_seeds_evaluated_every_10_to_25_steps_and_one_layer_controls():
    p = phase()
    assert 3 <= len(p["runs_2layer"]) <= 5 and len(p["runs_1layer"]) >= 1
    assert 10 <= p["train"]["eval_every"] <= 25
    for run in p["runs_2layer"] + p["runs_1layer"]:
        steps = run["steps"]
        assert steps == list(range(0, p["train"]["steps"] + 1, p["train"]["eval_every"]))
        assert len(run["train_loss_windows"]) == p["train"]["steps"] // p["train"]["eval_every"]


def test_seed_0_is_the_shipped_run_so_its_curve_agrees_with_results_json():
    """Same recipe and seeds as attn2.bin/attn1.bin; only the evaluation is denser (it does not touch
    the training randomness), so every 100th step must match results.json's history."""
    p, r = phase(), results()
    for key, old in (("runs_2layer", r["history_2layer"]), ("runs_1layer", r["history_1layer"])):
        run = p[key][0]
        assert run["seed"] == 0
        dense = dict(zip(run["steps"], run["repeated_loss"], strict=True))
        for h in old:
            assert abs(dense[h["step"]] - h["repeated_loss"]) < 2e-3, (key, h["step"])


def test_cliff_steps_and_icl_scores_are_what_the_curves_say():
    p = phase()
    for run in p["runs_2layer"] + p["runs_1layer"]:
        history = [{"step": s, "repeated_loss": v} for s, v in zip(run["steps"], run["repeated_loss"], strict=True)]
        assert run["cliff"] == tp.cliff(history)
    heat = p["runs_2layer"][0]["loss_by_position"]
    assert [round(tp.icl_score(row), 4) for row in heat] == pytest.approx(p["runs_2layer"][0]["icl_score"], abs=2e-4)
    assert p["cliff_mid_steps"] == [r["cliff"]["mid"] for r in p["runs_2layer"]]


def test_every_two_layer_seed_has_a_phase_change_and_no_control_does():
    p = phase()
    for run in p["runs_2layer"]:
        c = run["cliff"]
        assert None not in c.values() and c["start"] <= c["mid"] <= c["end"], run["seed"]
        assert run["icl_score"][-1] < -1.0, "late tokens are predicted far better than early ones"
    for run in p["runs_1layer"]:
        assert run["cliff"]["mid"] is None, "a 1-layer model cannot do induction"
        assert max(max(v) for v in run["induction_heads_L0"]) < 0.2


WRONG_ICL = {
    "early minus late (sign flipped)": lambda c, w: sum(c[1:1 + w]) / w - sum(c[-w:]) / w,
    "window starts at position 0 (BOS's prediction)": lambda c, w: sum(c[-w:]) / w - sum(c[:w]) / w,
    "one position at each end": lambda c, w: c[-1] - c[1],
    "late window one short": lambda c, w: sum(c[-w + 1:]) / (w - 1) - sum(c[1:1 + w]) / w,
}


@pytest.mark.parametrize("mistake", list(WRONG_ICL))
def test_icl_score_on_a_curve_with_a_known_answer_tells_plausible_mistakes_apart(mistake):
    """Position 0 at 9.0, positions 1..w at 4.0, a late window whose ends differ from its mean."""
    w = tp.ICL_WINDOW
    late = [0.0] + [1.0] * (w - 2) + [0.0]
    curve = [9.0] + [4.0] * w + [3.0] * (47 - 1 - 2 * w) + late
    expected = sum(late) / w - 4.0
    assert tp.icl_score(curve) == pytest.approx(expected)
    assert WRONG_ICL[mistake](curve, w) != pytest.approx(expected), mistake


def test_the_study_runs_on_the_tiny_setting():
    """The code path of `export_weights.py phase`, on the notebooks' TINY config, one seed each."""
    torch.set_num_threads(1)
    tiny = ind.TrainConfig(steps=450, batch=64, lr=1e-2, eval_every=25)
    p = ew.rounded(tp.phase_study(tiny, [0], [0], log=None))
    two, one = p["runs_2layer"][0], p["runs_1layer"][0]
    assert two["cliff"]["mid"] is not None and one["cliff"]["mid"] is None
    assert len(two["loss_by_position"]) == len(two["steps"]) == 450 // 25 + 1
    assert all(math.isfinite(x) for x in two["train_loss_windows"])
    assert two["icl_score"][-1] < one["icl_score"][-1]


# ---------------------------------------------------------------- claims the chapter makes in words

def _first(run, series, threshold):
    return next(s for s, v in zip(run["steps"], series, strict=True) if v > threshold)


def test_previous_token_and_induction_scores_pass_0_3_within_one_evaluation_of_each_other():
    p = phase()
    for run in p["runs_2layer"]:
        prev = _first(run, [max(v) for v in run["prev_token_heads_L0"]], 0.3)
        induction = _first(run, [max(v) for v in run["induction_heads_L1"]], 0.3)
        assert abs(prev - induction) <= p["train"]["eval_every"], (run["seed"], prev, induction)
        assert abs(prev - run["cliff"]["start"]) <= 2 * p["train"]["eval_every"], "near the start of the cliff"


def test_no_bump_the_training_loss_never_rises_more_than_0_04_nats_around_the_cliff():
    p = phase()
    w = p["train"]["eval_every"]
    for run in p["runs_2layer"]:
        windows = run["train_loss_windows"]            # window j covers steps j*w .. (j+1)*w - 1
        lo, hi = (run["cliff"]["start"] - 100) // w, (run["cliff"]["end"] + 100) // w
        rises = [windows[j] - windows[j - 1] for j in range(lo + 1, hi + 1)]
        assert max(rises) < 0.04, run["seed"]
        assert abs(windows[lo] - 4.08) < 0.03 and abs(windows[hi] - 3.4) < 0.06, "from about 4.08 to about 3.4"


def test_induction_scores_peak_near_3_around_step_1000_then_fall_to_about_2_1_as_bos_attention_rises():
    run = phase()["runs_2layer"][0]
    sums = [sum(v) for v in run["induction_heads_L1"]]
    peak = max(range(len(sums)), key=sums.__getitem__)
    assert abs(sums[peak] - 3.0) < 0.1 and abs(run["steps"][peak] - 1000) <= 100
    assert abs(sums[-1] - 2.1) < 0.1
    assert len(run["bos_attention_L1"]) == len(run["steps"]) == 101, "the chapter quotes index 100 as the end"


def test_the_bos_sink_forms_in_every_seed():
    for run in phase()["runs_2layer"]:
        assert sorted(run["bos_attention_L1"][-1])[-3] >= 0.28, run["seed"]


def test_the_icl_score_drops_fastest_inside_the_cliff_in_every_seed():
    for run in phase()["runs_2layer"]:
        icl, steps = run["icl_score"], run["steps"]
        j = min(range(1, len(icl)), key=lambda i: icl[i] - icl[i - 1])
        assert run["cliff"]["start"] <= steps[j] <= run["cliff"]["end"], run["seed"]


def test_fixed_model_claims_of_the_chapter():
    fixed = json.loads((DATA / "fixed_results.json").read_text())
    assert fixed["history"][30]["step"] == 3000, "the chapter quotes history.30 as the loss after 3,000 steps"
    assert min(fixed["fixed"]["prev_token_by_position"][:-1]) >= 0.97


@pytest.mark.parametrize("page", ["04-grow-your-own.md", "bigrams-and-skip-trigrams.md"])
def test_code_fences_pair_up_so_no_prose_ends_up_inside_a_block(page):
    fences = re.findall(r"^```(.*)$", (ROOT / "docs" / "circuits" / page).read_text(), flags=re.M)
    assert len(fences) % 2 == 0
    assert all(opening.startswith("pyodide") for opening in fences[::2]), fences[::2]
    assert not any(closing for closing in fences[1::2]), "a fence closes with a bare ```"
