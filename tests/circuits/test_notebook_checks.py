"""The exercise checks of the circuits notebooks catch the mistakes learners make.

Each notebook source is run as a script with SMOKE=1 (as CI runs the notebook; notebook 02 reads
the shipped attn2.bin from this checkout), and its check functions are then fed plausible wrong
implementations: each must fail, with a message that names the mistake where the check can tell.
"""

from __future__ import annotations

import os
import runpy

import pytest
import torch

from build_tools.notebooks.links import repository_from_mkdocs_yml
from tests.circuits.circuits_src import CIRCUITS_SRC
from tests.support import ROOT


def run_notebook(name: str, tmp_path_factory) -> dict:
    """The namespace left by running course_src/circuits/<name> with SMOKE=1 in an empty folder."""
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.update(SMOKE="1", MPLBACKEND="Agg", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    os.chdir(tmp_path_factory.mktemp(name.split(".")[0]))
    threads = torch.get_num_threads()
    try:
        return runpy.run_path(str(CIRCUITS_SRC / name))
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        torch.set_num_threads(threads)


def caught(check, wrong, *hint):
    """`check(wrong)` fails; its message contains every string in `hint`."""
    with pytest.raises(Exception) as error:  # noqa: PT011 (an index error from a wrong range counts as caught)
        check(wrong)
    for text in hint:
        assert text in str(error.value), f"{check.__name__} caught {wrong.__name__}, not saying {text!r}: {error.value}"


# ---------------------------------------------------------------- notebook 02: take it apart

@pytest.fixture(scope="module")
def nb02(tmp_path_factory):
    return run_notebook("02_take_it_apart.py", tmp_path_factory)


def test_notebook_02_studies_the_shipped_model(nb02):
    from tests.circuits.circuits_src import DATA, export_weights
    shipped = export_weights.load_model(DATA / "attn2.bin")
    ours = nb02["model"].cpu()
    pairs = zip(ours.state_dict().values(), shipped.state_dict().values(), strict=True)
    assert all(torch.equal(p, q) for p, q in pairs)
    repo = repository_from_mkdocs_yml(ROOT / "mkdocs.yml")   # a fork that changes extra.repository changes this URL
    assert nb02["ATTN2_URL"] == (f"https://raw.githubusercontent.com/{repo.owner}/{repo.name}/{repo.branch}"
                                 "/docs/assets/data/circuits/attn2.bin")


def diag(p, offset, first, last=None):
    T = p.shape[-1]
    return torch.stack([p[i, i - offset] for i in range(first, T if last is None else last)])


def prev_divides_by_T(p):
    return diag(p, 1, 1).sum() / p.shape[-1]


def prev_transposed(p):
    return torch.stack([p[i - 1, i] for i in range(1, p.shape[-1])]).mean()


def prev_skips_query_1(p):
    return diag(p, 1, 2).mean()


def prev_wraps_query_0(p):
    return torch.stack([p[i, i - 1] for i in range(0, p.shape[-1])]).mean()


def prev_second_half_only(p):
    return diag(p, 1, p.shape[-1] // 2 + 1).mean()


def prev_max(p):
    return diag(p, 1, 1).max()


def prev_main_diagonal(p):
    return p.diagonal().mean()


@pytest.mark.parametrize(("wrong", "hint"), [
    (prev_divides_by_T, "divide by T"),
    (prev_transposed, "rows are queries"),
    (prev_skips_query_1, "skip query 1"),
    (prev_wraps_query_0, "divide by T"),           # p[0, -1] is 0 in a causal pattern: the same sum over T
    (prev_second_half_only, "expected"),
    (prev_max, "largest entry"),
    (prev_main_diagonal, "expected"),
])
def test_previous_token_check_catches_wrong_scores(nb02, wrong, hint):
    caught(nb02["check_prev_token_score"], wrong, hint)


def ind_duplicate_token(p, n):
    return diag(p, n, n + 1).mean()


def ind_target_too_early(p, n):
    return diag(p, n + 1, n + 1).mean()


def ind_starts_at_query_n(p, n):
    return diag(p, n - 1, n).mean()


def ind_whole_diagonal(p, n):
    return p.diagonal(offset=-(n - 1)).mean()


def ind_skips_first_query(p, n):
    return diag(p, n - 1, n + 2).mean()


def ind_divides_by_T(p, n):
    return diag(p, n - 1, n + 1).sum() / p.shape[-1]


def ind_max(p, n):
    return diag(p, n - 1, n + 1).max()


def ind_global_half(p, n):
    return diag(p, 20 - 1, 20 + 1).mean()     # the notebook's HALF instead of the argument


@pytest.mark.parametrize(("wrong", "hint"), [
    (ind_duplicate_token, "duplicate-token head"),
    (ind_target_too_early, "i - n - 1"),
    (ind_starts_at_query_n, "start at query n"),
    (ind_whole_diagonal, "whole diagonal"),
    (ind_skips_first_query, "skip the first query"),
    (ind_divides_by_T, "divide by T"),
    (ind_max, "largest entry"),
    (ind_global_half, ""),
])
def test_induction_check_catches_wrong_scores(nb02, wrong, hint):
    caught(nb02["check_induction_score"], lambda p, n: wrong(p, n), hint)


def test_score_checks_pass_the_library_scores(nb02):
    """The course's one definition (scores.py) passes the notebook's checks: they agree."""
    from tests.circuits.circuits_src import scores
    nb02["check_prev_token_score"](scores.prev_token_score)
    nb02["check_induction_score"](scores.induction_score)


def top1_columns(M):
    return (M[:, 1:].argmax(dim=0) == torch.arange(1, M.shape[0])).double().mean().item()


def top1_absolute(M):
    return (M[1:].abs().argmax(dim=1) == torch.arange(1, M.shape[0])).double().mean().item()


def top1_count(M):
    return (M[1:].argmax(dim=1) == torch.arange(1, M.shape[0])).sum().item()


def top1_with_bos_row(M):
    return (M.argmax(dim=1) == torch.arange(M.shape[0])).double().mean().item()


@pytest.mark.parametrize(("wrong", "hint"), [
    (top1_columns, "down the columns"),
    (top1_absolute, "absolute values"),
    (top1_count, "count the rows"),
    (top1_with_bos_row, "include row 0"),
])
def test_diagonal_top1_check_catches_the_transposed_reading_and_others(nb02, wrong, hint):
    caught(nb02["check_diagonal_top1"], wrong, hint)


def test_diagonal_top1_check_passes_the_course_definition(nb02):
    from tests.circuits.circuits_src import scores
    nb02["check_diagonal_top1"](scores.diagonal_top1)


def make_mean_ablation(nb, means_from, positions, heads_rule=lambda heads: heads):
    """A wrong per-position mean-ablation: means over `means_from` ("reference" or "test"), over
    the batch only ("per-position") or batch and positions ("global"), on heads_rule(heads)."""
    def wrong(model, tokens, heads, reference):
        T = tokens.shape[1]
        source = reference[:, :T] if means_from == "reference" else tokens
        with torch.no_grad():
            _, ref = model.run_with_cache(source, names_filter=lambda name: name.endswith("hook_z"))
            hooks = []
            for layer, head in heads_rule(heads):
                z = ref[f"blocks.{layer}.attn.hook_z"][:, :, head]
                mean_z = z.mean(0) if positions == "per-position" else z.mean((0, 1))

                def hook(act, hook, head=head, mean_z=mean_z):
                    act = act.clone()
                    act[:, :, head] = mean_z
                    return act
                hooks.append((f"blocks.{layer}.attn.hook_z", hook))
            logits = model.run_with_hooks(tokens, hooks)
        return nb["repeated_half_loss"](logits, tokens, nb["HALF"]).item()
    wrong.__name__ = f"mean_{means_from}_{positions}"
    return wrong


def test_mean_ablation_check_catches_wrong_ablations(nb02):
    check = nb02["check_mean_ablated_loss"]
    check(make_mean_ablation(nb02, "reference", "per-position"))   # the right one, written independently
    caught(check, make_mean_ablation(nb02, "reference", "global"), "as well as the batch")
    caught(check, make_mean_ablation(nb02, "test", "per-position"), "from the test tokens")
    caught(check, make_mean_ablation(nb02, "test", "global"), "expected")   # the library's global mean
    caught(check, make_mean_ablation(nb02, "reference", "per-position", lambda hs: list(dict(hs).items())),
           "one head per layer")

    def zeroed(model, tokens, heads, reference):
        return nb02["ablated_loss"](model, tokens, nb02["HALF"], heads, "zero")
    caught(check, zeroed, "zero-ablation")


# ---------------------------------------------------------------- notebook 03: GPT-2 small

@pytest.fixture(scope="module")
def nb03(tmp_path_factory):
    return run_notebook("03_gpt2_small.py", tmp_path_factory)


def test_notebook_03_scores_heads_with_the_course_definitions(nb03):
    from tests.circuits.circuits_src import scores
    assert nb03["induction_score"] is scores.induction_score, "notebook 03 must not redefine the induction score"
    assert nb03["prev_token_score"] is scores.prev_token_score, "notebook 03 must not redefine the previous-token score"


def flat_topk(scores, k):
    return scores.flatten().topk(k).indices.tolist()


def top_by_layers(scores, k):
    return [divmod(i, scores.shape[0]) for i in flat_topk(scores, k)]


def top_head_layer(scores, k):
    return [(i % scores.shape[1], i // scores.shape[1]) for i in flat_topk(scores, k)]


def top_ascending(scores, k):
    return [divmod(i, scores.shape[1]) for i in (-scores).flatten().topk(k).indices.tolist()]


def top_per_layer(scores, k):
    return [(layer, int(row.argmax())) for layer, row in enumerate(scores)]


@pytest.mark.parametrize(("wrong", "hint"), [
    (top_by_layers, "number of layers"),
    (top_head_layer, "(head, layer)"),
    (top_ascending, "smallest first"),
    (top_per_layer, "best head of each layer"),
])
def test_top_heads_check_catches_wrong_rankings(nb03, wrong, hint):
    caught(nb03["check_top_heads"], wrong, hint)


def slice_hook(zero):
    """A pre-hook factory that applies zero(z, heads, d_head) to a clone of c_proj's input."""
    def factory(heads, d_head):
        def hook(module, inputs):
            z = inputs[0].clone()
            zero(z, heads, d_head)
            return (z,)
        return hook
    factory.__name__ = zero.__name__
    return factory


def zero_positions(z, heads, d_head):
    for head in heads:
        z[:, head] = 0.0                              # the position axis


def zero_interleaved(z, heads, d_head):
    n_heads = z.shape[-1] // d_head
    for head in heads:
        z[..., head::n_heads] = 0.0                   # every n_heads-th entry


def zero_first_head_only(z, heads, d_head):
    for head in heads[:1]:
        z[..., head * d_head:(head + 1) * d_head] = 0.0


def zero_one_too_many(z, heads, d_head):
    for head in heads:
        z[..., head * d_head:(head + 1) * d_head + 1] = 0.0


def forgets_to_return(heads, d_head):
    def hook(module, inputs):
        z = inputs[0].clone()
        for head in heads:
            z[..., head * d_head:(head + 1) * d_head] = 0.0
    return hook


@pytest.mark.parametrize(("wrong", "hint"), [
    (slice_hook(zero_positions), "position"),
    (slice_hook(zero_interleaved), "n_heads-th"),
    (slice_hook(zero_first_head_only), "every head in the list"),
    (slice_hook(zero_one_too_many), "h * d_head:(h + 1) * d_head"),
    (forgets_to_return, "changed nothing"),
])
def test_zero_heads_hook_check_catches_wrong_slices(nb03, wrong, hint):
    caught(nb03["check_zero_heads_hook"], wrong, hint)


def head_matrices_variant(which="qkv", interleaved=False, transpose_qk=False, gamma="both", o_columns=False):
    """head_matrices with one mistake: thirds in the wrong order, interleaved heads, W_K W_Q^T,
    LayerNorm's scale left out or on one side, or W_O read from c_proj's columns."""
    def fn(model, layer, head):
        block = model.transformer.h[layer]
        d_model, n_heads = model.config.n_embd, model.config.n_head
        d_head = d_model // n_heads
        cols = slice(head, None, n_heads) if interleaved else slice(head * d_head, (head + 1) * d_head)
        W = block.attn.c_attn.weight.detach()
        thirds = {name: W[:, i * d_model:(i + 1) * d_model][:, cols] for i, name in enumerate(which)}
        g = block.ln_1.weight.detach()[:, None]
        W_Q = thirds["q"] * (g if gamma in ("both", "query") else 1)
        W_K = thirds["k"] * (g if gamma == "both" else 1)
        W_V = thirds["v"] * (g if gamma in ("both", "query") else 1)
        W_O = block.attn.c_proj.weight.detach()[:, cols].T if o_columns else block.attn.c_proj.weight.detach()[cols]
        W_QK = W_K @ W_Q.T if transpose_qk else W_Q @ W_K.T
        return W_QK, W_V @ W_O
    return fn


def test_head_matrices_check_passes_the_reference_and_catches_wrong_readings(nb03):
    check = nb03["check_head_matrices"]
    check(head_matrices_variant())
    caught(check, head_matrices_variant(which="kqv"), "swap the query and key sides")
    caught(check, head_matrices_variant(transpose_qk=True), "swap the query and key sides")
    caught(check, head_matrices_variant(which="qvk"), "thirds of c_attn")
    caught(check, head_matrices_variant(interleaved=True), "contiguous columns")
    caught(check, head_matrices_variant(gamma="none"), "leave out ln_1's scale")
    caught(check, head_matrices_variant(gamma="query"), "one side only")
    caught(check, head_matrices_variant(o_columns=True), "rows* of c_proj")
