"""Chapters 5 and 7: the browser exercises' checks catch plausible wrong answers and name them; every
exercise has a time, a difficulty and a must-do/optional mark, and each chapter a must-do line."""

from __future__ import annotations

import re

import pytest

from tests.page_checks import failed_messages as page_failed_messages
from tests.support import ROOT


def failed_messages(chapter: str, block_id: str, code: str) -> str:
    return page_failed_messages(f"gpt2/{chapter}", block_id, code)


LOADER = '''
def next_batch(tokens, position, B, T):
    buf = tokens[position : position + B * T + 1]
    inputs = [buf[r * T : (r + 1) * T] for r in range(B)]
    targets = [buf[r * T + 1 : (r + 1) * T + 1] for r in range(B)]
    position += {advance}
    if {wrap}:
        position = 0
    return inputs, targets, position
'''
LOADER_MISTAKES = {
    "wrap test without the extra target": (dict(advance="B * T", wrap="position + B * T > len(tokens)"), "B\\*T \\+ 1"),
    "wrap one batch too early": (dict(advance="B * T", wrap="position + B * T + 1 >= len(tokens)"), "do not wrap yet"),
    "advance by B*T + 1": (dict(advance="B * T + 1", wrap="position + B * T + 1 > len(tokens)"), "advance by B\\*T"),
    "never wrap": (dict(advance="B * T", wrap="False"), "wrap to 0"),
}


@pytest.mark.parametrize("mistake", sorted(LOADER_MISTAKES))
def test_loader_exercise_names_the_mistake(mistake):
    parts, named = LOADER_MISTAKES[mistake]
    assert re.search(named, failed_messages("05-training.md", "loader", LOADER.format(**parts)))


SCHEDULE = '''
import math
MAX_LR, MIN_LR = 6e-4, 6e-5
WARMUP_STEPS, MAX_STEPS = 715, 19073

def get_lr(step):
    if step < WARMUP_STEPS:
        return MAX_LR * (step + 1) / WARMUP_STEPS
    if step > MAX_STEPS:
        return {after}
    progress = (step - WARMUP_STEPS) / (MAX_STEPS - WARMUP_STEPS)
    return {decay}
'''
COSINE = "MIN_LR + 0.5 * (1 + math.cos(math.pi * progress)) * (MAX_LR - MIN_LR)"
SCHEDULE_MISTAKES = {
    "linear decay": (dict(after="MIN_LR", decay="MAX_LR - progress * (MAX_LR - MIN_LR)"), "straight line"),
    "decay to zero": (dict(after="0.0", decay="0.5 * (1 + math.cos(math.pi * progress)) * MAX_LR"), "not to MIN_LR"),
    "cosine keeps going": (dict(after=COSINE.replace("progress", "(step - WARMUP_STEPS) / (MAX_STEPS - WARMUP_STEPS)"),
                                decay=COSINE), "stay at MIN_LR"),
}


@pytest.mark.parametrize("mistake", sorted(SCHEDULE_MISTAKES))
def test_schedule_exercise_names_the_mistake(mistake):
    parts, named = SCHEDULE_MISTAKES[mistake]
    assert named in failed_messages("05-training.md", "lr-schedule", SCHEDULE.format(**parts))


BUDGET_MISTAKES = {
    "no factor 6": ("n_params * n_tokens / (n_gpus * peak_flops_per_gpu * mfu) / 3600", "factor 6"),
    "one GPU": ("6 * n_params * n_tokens / (peak_flops_per_gpu * mfu) / 3600", "all the GPUs"),
    "no MFU": ("6 * n_params * n_tokens / (n_gpus * peak_flops_per_gpu) / 3600", "Divide by the MFU"),
    "seconds": ("6 * n_params * n_tokens / (n_gpus * peak_flops_per_gpu * mfu)", "divide by 3600"),
    "minutes": ("6 * n_params * n_tokens / (n_gpus * peak_flops_per_gpu * mfu) / 60", "not 60"),
}


@pytest.mark.parametrize("mistake", sorted(BUDGET_MISTAKES))
def test_budget_exercise_names_the_mistake(mistake):
    body, named = BUDGET_MISTAKES[mistake]
    code = f"def training_hours(n_params, n_tokens, n_gpus, peak_flops_per_gpu, mfu):\n    return {body}\n"
    assert named in failed_messages("07-checking-and-scaling.md", "budget", code)


@pytest.mark.parametrize("chapter", ["05-training.md", "07-checking-and-scaling.md"])
def test_every_exercise_has_a_time_a_difficulty_and_a_must_do_mark(chapter):
    text = (ROOT / "docs" / "gpt2" / chapter).read_text(encoding="utf-8")
    exercises = re.findall(r"^### Exercise", text, re.M)
    marks = re.findall(r"^\*(Must do|Optional) · about (\d+) min · difficulty [1-5] of 5\*$", text, re.M)
    assert len(marks) == len(exercises) > 0, "every exercise has a time, a difficulty and must do / optional"
    assert re.search(r"^\*\*Must do:\*\* .+\*\*Optional:\*\*", text, re.M | re.S), "the chapter's must-do line"


@pytest.mark.parametrize("source, must_do", [
    ("docs/gpt2/05-training.md", "exercises (about {} minutes)"),
    ("docs/gpt2/07-checking-and-scaling.md", "exercises (about {} minutes)"),
    ("course_src/gpt2/02_train.py", "exercises 1–5 (about {} minutes)"),
])
def test_the_must_do_line_adds_up_the_must_do_exercises(source, must_do):
    text = (ROOT / source).read_text(encoding="utf-8")
    minutes = sum(int(m) for m in re.findall(r"^(?:# )?\*Must do · about (\d+) min", text, re.M))
    assert must_do.format(minutes) in re.sub(r"\s*\n#? ?", " ", text)
