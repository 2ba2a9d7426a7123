"""One FLOP convention: chapter 7's figures are model.py's flops_per_token, which the training
notebook's MFU logger and bench/train_throughput.py use."""

from __future__ import annotations

import re

from tests.gpt2.course import model
from tests.support import ROOT

PAGE = (ROOT / "docs/gpt2/07-checking-and-scaling.md").read_text(encoding="utf-8")
GPT2 = model.GPTConfig.from_preset("gpt2")
T, D = 1024, 19_073 * 2**19  # build-nanogpt's 10B tokens
N = model.count_params(GPT2) - GPT2.block_size * GPT2.n_embd  # without the position table
ATTENTION = 12 * GPT2.n_layer * GPT2.n_embd * T


def text(number: str) -> bool:
    return number in re.sub(r"\s+", " ", PAGE)


def test_chapter_7_states_the_convention_that_flops_per_token_computes():
    assert model.flops_per_token(GPT2, T) == 6 * N + ATTENTION
    assert text(f"{model.count_params(GPT2):,} - {GPT2.block_size * GPT2.n_embd:,} = {N:,}".replace(",", "{,}"))
    assert text(f"{ATTENTION / 1e6:.0f}M per token") and text(f"$6N = {6 * N / 1e6:.0f}$M")
    assert text(f"{ATTENTION / (6 * N):.0%}".replace("%", "% on top"))
    assert text(f"{12 * GPT2.n_layer * GPT2.n_embd**2 / 1e6:.0f}M for GPT-2 small")  # Kaplan et al.'s N


def test_chapter_7_totals_and_single_gpu_hours_follow_from_it():
    total, six_nd = model.flops_per_token(GPT2, T) * D, 6 * N * D
    assert text(f"about ${total / 1e18:.1f} \\times 10^{{18}}$ FLOPs counting attention")
    assert text(f"$6N$ alone: ${six_nd / 1e18:.1f} \\times 10^{{18}}$")

    def hours(peak, mfu):
        return total / (peak * mfu) / 3600

    h100, a100 = (round(hours(989e12, m)) for m in (0.5, 0.3)), (round(hours(312e12, m)) for m in (0.5, 0.3))
    assert text("about {} to {} hours on one H100".format(*h100))
    assert text("and {} to {} hours on one A100".format(*a100))


def test_the_budget_exercise_check_uses_the_same_n():
    assert f"training_hours({N:_}, 10e9, 8, 312e12, 0.5)" in PAGE
    hours = 6 * N * 10e9 / (8 * 312e12 * 0.5) / 3600
    assert f"about {hours:.2f} hours" in PAGE
