"""The training recipe (02_train) and sampling exercises (03_sample), taken from the notebook sources."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.gpt2.course import definitions, model


@pytest.fixture(scope="module")
def recipe():
    namespace = {"math": math, "np": np, "torch": torch, "Path": Path, "dataclass": dataclass,
                 "GPTConfig": model.GPTConfig}
    names = ["TrainConfig", "FULL", "TINY", "get_lr", "TokenLoader", "write_shard"]
    return definitions("02_train.py", names, namespace)


def test_lr_warms_up_linearly_then_decays_by_cosine_to_min_lr(recipe):
    cfg = recipe["FULL"]
    lrs = [recipe["get_lr"](step, cfg) for step in range(cfg.max_steps + 10)]
    warm = lrs[: cfg.warmup_steps]
    assert warm[0] == pytest.approx(cfg.max_lr / cfg.warmup_steps)
    assert warm[-1] == pytest.approx(cfg.max_lr)
    assert np.allclose(np.diff(warm), cfg.max_lr / cfg.warmup_steps)  # linear
    decay = lrs[cfg.warmup_steps : cfg.max_steps]
    assert all(a >= b for a, b in zip(decay, decay[1:], strict=False))  # never increases after warmup
    middle = cfg.warmup_steps + (cfg.max_steps - cfg.warmup_steps) // 2
    assert lrs[middle] == pytest.approx((cfg.max_lr + cfg.min_lr) / 2, rel=1e-3)  # cosine: halfway at the middle
    assert lrs[cfg.max_steps - 1] == pytest.approx(cfg.min_lr, rel=1e-3)
    assert all(lr == cfg.min_lr for lr in lrs[cfg.max_steps :])


def test_full_recipe_is_gpt2_small_on_10b_tokens_with_a_padded_vocabulary(recipe):
    cfg = recipe["FULL"]
    assert model.count_params(cfg.model.__class__.from_preset("gpt2")) == 124_439_808
    assert cfg.model.vocab_size == 50304 and cfg.model.vocab_size % 128 == 0
    assert cfg.total_batch_size == 2**19 and cfg.total_batch_size % (cfg.micro_batch_size * cfg.seq_len) == 0
    assert abs(cfg.total_batch_size * cfg.max_steps - 10e9) < 0.01e9
    tiny = recipe["TINY"]
    assert tiny.total_batch_size // (tiny.micro_batch_size * tiny.seq_len) >= 2, "smoke runs exercise accumulation"


def test_token_loader_shifts_targets_and_splits_the_stream_between_ranks(recipe, tmp_path):
    recipe["write_shard"](np.arange(1000) % 50257, tmp_path / "train_000000.bin")
    B, T = 2, 8
    loaders = [recipe["TokenLoader"](tmp_path, "train", B, T, rank=r, world_size=2) for r in range(2)]
    (x0, y0), (x1, y1) = (loader.next_batch() for loader in loaders)
    assert x0.shape == y0.shape == (B, T) and x0.dtype == torch.int64
    assert torch.equal(y0[:, :-1], x0[:, 1:]) and torch.equal(y0.flatten()[:-1], x0.flatten()[1:])
    assert x0.flatten()[0].item() == 0 and x1.flatten()[0].item() == B * T  # consecutive chunks
    x0b, _ = loaders[0].next_batch()
    assert x0b.flatten()[0].item() == 2 * B * T  # then rank 0 skips rank 1's chunk


def test_token_loader_wraps_to_the_first_shard_and_restores_its_position(recipe, tmp_path):
    for i in range(2):
        recipe["write_shard"](np.full(40, i), tmp_path / f"train_{i:06d}.bin")
    loader = recipe["TokenLoader"](tmp_path, "train", 1, 8)
    seen = [loader.next_batch()[0][0, 0].item() for _ in range(10)]
    assert seen[:4] == [0, 0, 0, 0] and 1 in seen and seen[-1] in (0, 1) and seen.count(1) >= 4
    state = loader.state_dict()
    again = recipe["TokenLoader"](tmp_path, "train", 1, 8)
    again.reset(state["shard"], state["position"])
    assert torch.equal(again.next_batch()[0], loader.next_batch()[0])


def test_sampling_exercise_solutions_match_filter_logits_and_uncached_generation():
    ns = definitions("03_sample.py", ["top_k_filter", "top_p_filter", "greedy_with_cache"],
                     {"torch": torch, "KVCache": model.KVCache})
    torch.manual_seed(0)
    logits = torch.randn(3, 500) * 3
    assert torch.equal(ns["top_k_filter"](logits, 17), model.filter_logits(logits, top_k=17))
    for p in (0.1, 0.5, 0.9):
        assert torch.equal(ns["top_p_filter"](logits, p), model.filter_logits(logits, top_p=p))
    gpt = model.GPT(model.GPTConfig.from_preset("micro", vocab_size=101)).eval()
    idx = torch.randint(0, 101, (2, 4))
    assert torch.equal(ns["greedy_with_cache"](gpt, idx, 10), gpt.generate(idx, 10, temperature=0, use_cache=False))


def test_lr_exercise_check_passes_the_solution_and_names_zero_start_and_linear_decay(recipe):
    from dataclasses import replace

    ns = definitions("02_train.py", ["check_get_lr"], {**recipe, "replace": replace})
    ns["check_get_lr"](recipe["get_lr"])

    def zero_start(step, cfg):
        return cfg.max_lr * step / cfg.warmup_steps if step < cfg.warmup_steps else recipe["get_lr"](step, cfg)

    def linear_decay(step, cfg):
        if step < cfg.warmup_steps or step >= cfg.max_steps:
            return recipe["get_lr"](step, cfg)
        progress = (step - cfg.warmup_steps) / (cfg.max_steps - cfg.warmup_steps)
        return cfg.max_lr - progress * (cfg.max_lr - cfg.min_lr)

    for wrong, hint in [(zero_start, "lr 0"), (linear_decay, "linear decay")]:
        with pytest.raises(AssertionError, match=hint):
            ns["check_get_lr"](wrong)
