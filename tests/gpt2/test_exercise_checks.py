"""The checks of 01_model pass the published solutions and name the usual mistakes (test the tests)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from tests.gpt2.course import definitions, model
from tests.gpt2.course import model_checks as checks

SOLUTIONS = ["embed", "causal_mask", "attention", "multi_head_attention", "gelu_tanh", "mlp", "layer_norm",
             "block_forward", "gpt_forward", "count_parameters"]


@pytest.fixture(scope="module")
def solution():
    """The solution functions exactly as written in course_src/gpt2/01_model.py."""
    namespace = {"torch": torch, "math": math, "F": F, "GPTConfig": model.GPTConfig}
    return definitions("01_model.py", SOLUTIONS, namespace)


CHECKS = [
    ("check_embed", "embed"),
    ("check_causal_mask", "causal_mask"),
    ("check_attention", "attention"),
    ("check_multi_head_attention", "multi_head_attention"),
    ("check_gelu", "gelu_tanh"),
    ("check_mlp", "mlp"),
    ("check_layer_norm", "layer_norm"),
    ("check_block", "block_forward"),
    ("check_gpt_forward", "gpt_forward"),
    ("check_count_parameters", "count_parameters"),
]


@pytest.mark.parametrize("check, name", CHECKS)
def test_every_check_passes_the_published_solution(solution, check, name):
    with torch.no_grad():
        getattr(checks, check)(solution[name])


def _heads(x, attn):
    """q, k, v of shape (B, nh, T, hs) and the causal mask, as the published solution splits them."""
    B, T, C = x.shape
    q, k, v = (t.view(B, T, attn.n_head, C // attn.n_head).transpose(1, 2) for t in attn.c_attn(x).split(C, dim=2))
    return q, k, v, torch.tril(torch.ones(T, T, dtype=torch.bool))


def _without_c_proj(solution):
    def multi_head_attention(x, attn):
        y = solution["attention"](*_heads(x, attn))  # (B, nh, T, hs)
        return y.transpose(1, 2).reshape(x.shape)  # heads merged, but never projected by c_proj
    return multi_head_attention


def _without_position_embeddings(idx, model_):
    x = model_.transformer.wte(idx)
    for block in model_.transformer.h:
        x = block(x)
    return model_.lm_head(model_.transformer.ln_f(x))


def _layer_norm_without_gain_and_bias(x, w, b, eps=1e-5):
    return (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True, unbiased=False) + eps)


# For every check, an answer a reader could plausibly write (other than the mistakes the
# diagnosis tests below cover) and words the check's message must contain. A check that passes
# everything, or fails without saying why, fails here.
WRONG_ANSWERS = {
    "check_embed": (lambda s: lambda idx, wte, wpe: wte[idx] + wpe[1:idx.size(1) + 1], "positions start at 0"),
    "check_causal_mask": (lambda s: lambda T: torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-1),
                          "the diagonal is missing"),
    "check_attention": (lambda s: lambda q, k, v, mask: F.softmax(
        (q @ k.transpose(-2, -1) / q.size(-1)).masked_fill(~mask, float("-inf")), dim=-1) @ v, "not head_dim"),
    "check_multi_head_attention": (_without_c_proj, "c_proj at the end"),
    "check_gelu": (lambda s: F.relu, "that is ReLU"),
    "check_mlp": (lambda s: lambda x, mlp: mlp.c_proj(F.relu(mlp.c_fc(x))), "not ReLU"),
    "check_layer_norm": (lambda s: _layer_norm_without_gain_and_bias, "learned gain (weight) and bias"),
    "check_block": (lambda s: lambda x, block: block.mlp(block.ln_2(block.attn(block.ln_1(x)))), "residual stream"),
    "check_gpt_forward": (lambda s: _without_position_embeddings, "gpt_forward differs from the reference"),
    "check_count_parameters": (lambda s: lambda config: model.count_params(config) - config.block_size * config.n_embd,
                               "position embeddings (wpe)"),
}


def test_every_check_has_a_wrong_answer_to_reject():
    assert sorted(WRONG_ANSWERS) == sorted(check for check, _ in CHECKS)


@pytest.mark.parametrize("check", sorted(WRONG_ANSWERS))
def test_every_check_fails_a_plausible_wrong_answer_and_names_the_mistake(solution, check):
    make_wrong, named = WRONG_ANSWERS[check]
    message = diagnosis(getattr(checks, check), make_wrong(solution))
    assert named in message, message


def diagnosis(check, fn):
    with pytest.raises(AssertionError) as error, torch.no_grad():
        check(fn)
    return str(error.value)


def test_embedding_check_names_missing_position_embeddings():
    assert "position embeddings" in diagnosis(checks.check_embed, lambda idx, wte, wpe: wte[idx])


def test_mask_check_asks_whether_the_mask_is_upper_triangular():
    message = diagnosis(checks.check_causal_mask, lambda T: torch.triu(torch.ones(T, T, dtype=torch.bool)))
    assert "upper-triangular" in message


def test_attention_check_names_missing_scale_and_missing_mask():
    def unscaled(q, k, v, mask):
        return F.softmax((q @ k.transpose(-2, -1)).masked_fill(~mask, float("-inf")), dim=-1) @ v

    def unmasked(q, k, v, mask):
        return F.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.size(-1)), dim=-1) @ v

    assert "sqrt(head_dim)" in diagnosis(checks.check_attention, unscaled)
    assert "future positions leak" in diagnosis(checks.check_attention, unmasked)


def test_multi_head_check_names_a_wrong_head_split_and_a_missing_transpose(solution):
    def split(x, attn, wrong_split=False, skip_transpose=False):
        B, T, C = x.shape
        nh, hs = attn.n_head, C // attn.n_head
        qkv = attn.c_attn(x).split(C, dim=2)
        if wrong_split:
            q, k, v = (t.view(B, T, hs, nh).transpose(-1, -2).transpose(1, 2) for t in qkv)
        else:
            q, k, v = (t.view(B, T, nh, hs).transpose(1, 2) for t in qkv)
        y = solution["attention"](q, k, v, solution["causal_mask"](T))
        y = y.reshape(B, T, C) if skip_transpose else y.transpose(1, 2).reshape(B, T, C)
        return attn.c_proj(y)

    assert "view(B, T, nh, hs)" in diagnosis(checks.check_multi_head_attention,
                                             lambda x, a: split(x, a, wrong_split=True))
    assert "transpose" in diagnosis(checks.check_multi_head_attention, lambda x, a: split(x, a, skip_transpose=True))


def test_gelu_check_asks_for_the_tanh_approximation():
    assert "tanh approximation" in diagnosis(checks.check_gelu, F.gelu)


def test_layer_norm_check_names_unbiased_variance_and_epsilon_outside_the_sqrt():
    def unbiased(x, w, b, eps=1e-5):
        return (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True) + eps) * w + b

    def eps_outside(x, w, b, eps=1e-5):
        var = x.var(-1, keepdim=True, unbiased=False)
        return (x - x.mean(-1, keepdim=True)) / (torch.sqrt(var) + eps) * w + b

    assert "biased variance" in diagnosis(checks.check_layer_norm, unbiased)
    assert "epsilon inside the sqrt" in diagnosis(checks.check_layer_norm, eps_outside)


def test_block_check_names_post_layernorm():
    def post_ln(x, block):
        x = block.ln_1(x + block.attn(x))
        return block.ln_2(x + block.mlp(x))

    assert "pre-LN" in diagnosis(checks.check_block, post_ln)


def test_forward_check_names_the_missing_final_layernorm():
    def no_ln_f(idx, model_):
        x = model_.transformer.wte(idx) + model_.transformer.wpe(torch.arange(idx.size(1)))
        for block in model_.transformer.h:
            x = block(x)
        return model_.lm_head(x)

    assert "final LayerNorm" in diagnosis(checks.check_gpt_forward, no_ln_f)


def test_parameter_count_check_names_untied_embeddings():
    def untied(config):
        return model.count_params(config, tied_embeddings=False)

    assert "tied" in diagnosis(checks.check_count_parameters, untied)
