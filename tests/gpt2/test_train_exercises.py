"""The training notebook's exercise checks (course_src/gpt2/train_checks.py) pass the notebook's
solutions and catch the mistakes learners make, each with a message that names the mistake."""

from __future__ import annotations

import importlib
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.gpt2.course import definitions, model

train_checks = importlib.import_module("train_checks")  # course_src/gpt2, put on sys.path by tests.gpt2.course

NAMES = ["get_batch", "get_lr", "param_groups", "train_step", "evaluate"]


@pytest.fixture(scope="module")
def solution():
    namespace = {"math": math, "np": np, "torch": torch, "GPT": model.GPT, "GPTConfig": model.GPTConfig}
    return definitions("02_train.py", NAMES, namespace)


def test_the_checks_pass_the_notebook_solutions(solution):
    for name in NAMES:
        getattr(train_checks, f"check_{name}")(solution[name])


def caught(check, wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check(wrong)


# ----------------------------------------------------------------------------------------------
# Batches


def _chunk(tokens, position, n):
    return torch.from_numpy(np.asarray(tokens[position : position + n]).astype(np.int64))


def no_shift(tokens, position, B, T):
    chunk = _chunk(tokens, position, B * T)
    return chunk.view(B, T), chunk.view(B, T)


def shift_backwards(tokens, position, B, T):
    chunk = _chunk(tokens, position, B * T + 1)
    return chunk[1:].view(B, T), chunk[:-1].view(B, T)


def shift_inside_rows(tokens, position, B, T):  # B*T tokens only: each row's last target is wrong
    x = _chunk(tokens, position, B * T).view(B, T)
    return x, torch.roll(x, -1, dims=1)


def transposed(tokens, position, B, T):
    chunk = _chunk(tokens, position, B * T + 1)
    return chunk[:-1].view(T, B).t(), chunk[1:].view(T, B).t()


def from_start(tokens, position, B, T):
    chunk = _chunk(tokens, 0, B * T + 1)
    return chunk[:-1].view(B, T), chunk[1:].view(B, T)


def int16_cast(tokens, position, B, T):
    chunk = torch.from_numpy(np.asarray(tokens[position : position + B * T + 1]).astype(np.int16)).long()
    return chunk[:-1].view(B, T), chunk[1:].view(B, T)


def int32_tensors(tokens, position, B, T):
    chunk = torch.from_numpy(np.asarray(tokens[position : position + B * T + 1]).astype(np.int32))
    return chunk[:-1].view(B, T), chunk[1:].view(B, T)


@pytest.mark.parametrize("wrong, hint", [
    (no_shift, "next"), (shift_backwards, "wrong way"), (shift_inside_rows, "B\\*T \\+ 1"),
    (transposed, "not \\(T, B\\)"), (from_start, "start reading at `position`"), (int16_cast, "int16"),
    (int32_tensors, "int64"),
])
def test_get_batch_check_names_the_mistake(wrong, hint):
    caught(train_checks.check_get_batch, wrong, hint)


# ----------------------------------------------------------------------------------------------
# Learning-rate schedule


def zero_start(step, cfg):
    if step < cfg.warmup_steps:
        return cfg.max_lr * step / cfg.warmup_steps
    return _SOLUTION["get_lr"](step, cfg)


def warmup_one_step_late(step, cfg):
    if step <= cfg.warmup_steps:
        return cfg.max_lr * step / cfg.warmup_steps if step else cfg.max_lr / cfg.warmup_steps
    return _SOLUTION["get_lr"](step, cfg)


def linear_decay(step, cfg):
    if step < cfg.warmup_steps or step >= cfg.max_steps:
        return _SOLUTION["get_lr"](step, cfg)
    progress = (step - cfg.warmup_steps) / (cfg.max_steps - cfg.warmup_steps)
    return cfg.max_lr - progress * (cfg.max_lr - cfg.min_lr)


def decay_to_zero(step, cfg):
    return _SOLUTION["get_lr"](step, replace_lr(cfg, min_lr=0.0))


def no_clamp(step, cfg):  # the cosine keeps going after max_steps, back up
    if step < cfg.warmup_steps:
        return _SOLUTION["get_lr"](step, cfg)
    progress = (step - cfg.warmup_steps) / (cfg.max_steps - cfg.warmup_steps)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.max_lr - cfg.min_lr)


def cosine_over_whole_run(step, cfg):  # progress measured from step 0, not from the end of warmup
    if step < cfg.warmup_steps or step >= cfg.max_steps:
        return _SOLUTION["get_lr"](step, cfg)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * step / cfg.max_steps)) * (cfg.max_lr - cfg.min_lr)


def replace_lr(cfg, **changes):
    import types

    return types.SimpleNamespace(**{**vars(cfg), **changes})


_SOLUTION: dict = {}


@pytest.mark.parametrize("wrong, hint", [
    (zero_start, "lr 0"), (warmup_one_step_late, "off by one"), (linear_decay, "linear decay"),
    (decay_to_zero, "decays to 0"), (no_clamp, "goes back up"), (cosine_over_whole_run, "progress should run"),
])
def test_get_lr_check_names_the_mistake(solution, wrong, hint):
    _SOLUTION["get_lr"] = solution["get_lr"]
    caught(train_checks.check_get_lr, wrong, hint)


# ----------------------------------------------------------------------------------------------
# AdamW parameter groups


def decay_everything(model, weight_decay):
    return [{"params": list(model.parameters()), "weight_decay": weight_decay}, {"params": [], "weight_decay": 0.0}]


def decay_nothing(model, weight_decay):
    return [{"params": [], "weight_decay": weight_decay}, {"params": list(model.parameters()), "weight_decay": 0.0}]


def by_name_bias(model, weight_decay):  # LayerNorm weights are not called "bias": they get decayed
    named = list(model.named_parameters())
    return [{"params": [p for n, p in named if not n.endswith("bias")], "weight_decay": weight_decay},
            {"params": [p for n, p in named if n.endswith("bias")], "weight_decay": 0.0}]


def swapped(model, weight_decay):
    params = list(model.parameters())
    return [{"params": [p for p in params if p.dim() < 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.0}]


def linear_weights_only(model, weight_decay):  # forgets that embeddings are matrices too
    linear = [m.weight for m in model.modules() if isinstance(m, torch.nn.Linear)]
    ids = {id(p) for p in linear}
    return [{"params": list({id(p): p for p in linear}.values()), "weight_decay": weight_decay},
            {"params": [p for p in model.parameters() if id(p) not in ids], "weight_decay": 0.0}]


def tied_weight_twice(model, weight_decay):  # walks the modules: lm_head and wte share one tensor
    matrices = [m.weight for m in model.modules() if isinstance(m, (torch.nn.Linear, torch.nn.Embedding))]
    ids = {id(p) for p in matrices}
    return [{"params": matrices, "weight_decay": weight_decay},
            {"params": [p for p in model.parameters() if id(p) not in ids], "weight_decay": 0.0}]


def forgets_a_group(model, weight_decay):
    return [{"params": [p for p in model.parameters() if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [], "weight_decay": 0.0}]


@pytest.mark.parametrize("wrong, hint", [
    (decay_everything, "every parameter is decayed"), (decay_nothing, "nothing is decayed"),
    (by_name_bias, "LayerNorm gains are decayed"), (swapped, "swapped"),
    (linear_weights_only, "embedding tables are not decayed"), (tied_weight_twice, "twice"),
    (forgets_a_group, "missing"),
])
def test_param_groups_check_names_the_mistake(wrong, hint):
    caught(train_checks.check_param_groups, wrong, hint)


# ----------------------------------------------------------------------------------------------
# One optimizer step


def _step(model, optimizer, batches, lr, grad_clip, *, zero=True, divide=True, clip=True, clip_after=False,
          set_lr=True, total_loss=False):
    if zero:
        optimizer.zero_grad()
    losses = []
    for x, y in batches:
        _, loss = model(x, y)
        losses.append(loss.item())
        (loss / len(batches) if divide else loss).backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip if clip and not clip_after else math.inf)
    if set_lr:
        for group in optimizer.param_groups:
            group["lr"] = lr
    optimizer.step()
    if clip_after:
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    return (sum(losses) if total_loss else sum(losses) / len(losses)), float(norm)


@pytest.mark.parametrize("mistake, hint", [
    (dict(zero=False), "zero_grad"), (dict(divide=False), "3x too large"), (dict(clip=False), "not clipped"),
    (dict(clip_after=True), "not clipped"), (dict(set_lr=False), "old learning rate"),
    (dict(total_loss=True), "sum over micro-batches"),
])
def test_train_step_check_names_the_mistake(mistake, hint):
    caught(train_checks.check_train_step, lambda *args: _step(*args, **mistake), hint)


def test_train_step_check_passes_a_correct_variant_without_set_to_none():
    train_checks.check_train_step(_step)


# ----------------------------------------------------------------------------------------------
# Evaluation


def _evaluate(model, batches, *, no_grad=True, eval_mode=True, restore=True, reduce="mean"):
    if eval_mode:
        model.eval()
    with torch.no_grad() if no_grad else torch.enable_grad():
        losses = [model(x, y)[1].item() for x, y in batches]
    if restore:
        model.train()
    return {"mean": sum(losses) / len(losses), "sum": sum(losses), "last": losses[-1]}[reduce]


@pytest.mark.parametrize("mistake, hint", [
    (dict(no_grad=False), "no_grad"), (dict(eval_mode=False), "model.eval\\(\\)"),
    (dict(restore=False), "model.train\\(\\)"), (dict(reduce="sum"), "sum of the batch losses"),
    (dict(reduce="last"), "last batch"),
])
def test_evaluate_check_names_the_mistake(mistake, hint):
    caught(train_checks.check_evaluate, lambda model, batches: _evaluate(model, batches, **mistake), hint)


def test_the_training_notebook_has_the_five_exercises_and_no_answer_above_them():
    """The model and checks inlined above the exercises must not contain their solutions."""
    text = Path(train_checks.__file__).read_text(encoding="utf-8") + Path(model.__file__).read_text(encoding="utf-8")
    for answer in ("p.dim() >= 2", "math.cos(", "/ len(batches)", "[:-1].view(", "chunk[1:]"):
        assert answer not in text, f"{answer!r} is on the page above the exercises"
