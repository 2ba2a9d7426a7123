"""The training recipe (02_train) and sampling exercises (03_sample), taken from the notebook sources."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.gpt2.course import definitions, model
from tests.support import ROOT


@pytest.fixture(scope="module")
def recipe():
    namespace = {"math": math, "np": np, "torch": torch, "Path": Path, "dataclass": dataclass, "json": json,
                 "GPTConfig": model.GPTConfig}
    names = ["TrainConfig", "FULL", "LAPTOP", "TINY", "get_lr", "get_batch", "TokenLoader", "write_shard",
             "CharTokenizer", "prepare_chars"]
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


def test_sampling_exercise_solutions_match_filter_logits():
    ns = definitions("03_sample.py", ["top_k_filter", "top_p_filter"], {"torch": torch, "KVCache": model.KVCache})
    torch.manual_seed(0)
    logits = torch.randn(3, 500) * 3
    assert torch.equal(ns["top_k_filter"](logits, 17), model.filter_logits(logits, top_k=17))
    for p in (0.1, 0.5, 0.9):
        assert torch.equal(ns["top_p_filter"](logits, p), model.filter_logits(logits, top_p=p))


def test_token_loader_reads_every_full_chunk_of_a_shard_and_never_a_short_one(recipe, tmp_path):
    recipe["write_shard"](np.arange(41), tmp_path / "train_000000.bin")  # 5 chunks of 8 (+1 target) fit exactly
    for world_size in (1, 2):
        loaders = [recipe["TokenLoader"](tmp_path, "train", 1, 8, rank=r, world_size=world_size)
                   for r in range(world_size)]
        starts = sorted(loader.next_batch()[0][0, 0].item() for _ in range(10) for loader in loaders)
        assert set(starts) == {0, 8, 16, 24, 32}, starts  # the last chunk (32..40, target 40) is used


def test_character_tokenizer_round_trips_and_shards_the_laptop_corpus_layout(recipe, tmp_path):
    train_text, val_text = "ROMEO:\nO, she doth teach!\n\n", "JULIET:\nAy me!\n\n"
    recipe["prepare_chars"](train_text, val_text, tmp_path)
    chars = sorted(set(train_text + val_text))
    tok = recipe["CharTokenizer"](chars)
    assert tok.decode(tok.encode(val_text)) == val_text and tok.vocab_size == len(chars)
    stored = np.fromfile(tmp_path / "train_000000.bin", dtype=np.uint16)
    assert tok.decode(stored.tolist()) == train_text


def test_laptop_run_is_small_enough_for_a_cpu_and_uses_one_micro_batch(recipe):
    cfg = recipe["LAPTOP"]
    assert cfg.total_batch_size == cfg.micro_batch_size * cfg.seq_len
    assert cfg.seq_len <= cfg.model.block_size and cfg.sample_interval > 0
    n = model.count_params(cfg.model.__class__(**{**cfg.model.__dict__, "vocab_size": 65}))
    assert n < 2_000_000
    # the promise of chapter 5: readable text within 10 minutes on a 2-core machine, measured idle
    measured = json.loads((ROOT / "docs/assets/data/gpt2/laptop_run.json").read_text(encoding="utf-8"))
    assert measured["wall_s"] < 600 and measured["hardware"]["cpu_count"] == 2
    assert measured["hardware"]["load_average_at_end"][0] <= measured["hardware"]["torch_threads"] + 0.5


def test_cpu_runs_in_fp32_without_compile_and_say_why():
    import contextlib
    import importlib.util

    ns = definitions("02_train.py", ["precision", "compile_unavailable"],
                     {"torch": torch, "contextlib": contextlib, "importlib": importlib})
    autocast, scaler, name = ns["precision"]("cpu")
    assert isinstance(autocast, contextlib.nullcontext) and scaler is None and name == "fp32"
    assert "CUDA" in ns["compile_unavailable"]("cpu")


def test_fp16_step_with_a_grad_scaler_makes_the_same_update_as_the_plain_step():
    """train_step_fp16 (GPUs without bf16) scales the loss up and the gradients back down before
    clipping; run with a CPU GradScaler in fp32 it must match train_step's update."""
    ns = definitions("02_train.py", ["train_step", "train_step_fp16"], {"torch": torch})
    config = model.GPTConfig(block_size=8, vocab_size=11, n_layer=1, n_head=2, n_embd=8)
    torch.manual_seed(0)
    batches = [(torch.randint(0, 11, (2, 8)), torch.randint(0, 11, (2, 8))) for _ in range(2)]
    results = []
    for fp16 in (False, True):
        torch.manual_seed(1)
        gpt = model.GPT(config)
        optimizer = torch.optim.SGD(gpt.parameters(), lr=1.0)
        if fp16:
            scaler = torch.amp.GradScaler("cpu", init_scale=2.0**12)
            loss, norm = ns["train_step_fp16"](gpt, optimizer, batches, 0.1, 0.05, scaler=scaler)
        else:
            loss, norm = ns["train_step"](gpt, optimizer, batches, 0.1, 0.05)
        results.append((loss, norm, torch.cat([p.detach().flatten() for p in gpt.parameters()])))
    (loss_a, norm_a, params_a), (loss_b, norm_b, params_b) = results
    assert loss_a == pytest.approx(loss_b) and norm_a == pytest.approx(norm_b, rel=1e-5)
    assert norm_a > 0.05, "clipping was active"
    assert torch.allclose(params_a, params_b, atol=1e-6)
