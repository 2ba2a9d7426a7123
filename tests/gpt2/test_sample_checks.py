"""The checks of 03_sample pass the published solutions and name the usual mistakes (test the tests).

Every wrong implementation below is one a learner plausibly writes; each must fail its check with
a message that names the mistake.
"""

from __future__ import annotations

import importlib
import json
import math
from pathlib import Path

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel

from tests.gpt2.course import definitions, model

checks = importlib.import_module("sample_checks")  # course_src/gpt2, put on sys.path by tests.gpt2.course

SOLUTIONS = ["top_k_filter", "top_p_filter", "next_token_probs", "repetition_penalty", "frequency_penalty",
             "beam_search", "KVCache", "forward_with_cache", "CONV1D_WEIGHTS", "from_checkpoint", "tokenizer_for"]


@pytest.fixture(scope="module")
def ns():
    """The solutions exactly as written in course_src/gpt2/03_sample.py."""
    namespace = {"torch": torch, "math": math, "GPT2Config": GPT2Config, "GPT2LMHeadModel": GPT2LMHeadModel}
    return definitions("03_sample.py", SOLUTIONS, namespace)


def fails(check, *fns):
    with pytest.raises(AssertionError) as error, torch.no_grad():
        check(*fns)
    return str(error.value)


@pytest.mark.parametrize("check, names", [
    ("check_top_k_filter", ["top_k_filter"]), ("check_top_p_filter", ["top_p_filter"]),
    ("check_next_token_probs", ["next_token_probs"]), ("check_repetition_penalty", ["repetition_penalty"]),
    ("check_frequency_penalty", ["frequency_penalty"]), ("check_beam_search", ["beam_search"]),
    ("check_kv_cache", ["KVCache", "forward_with_cache"]),
])
def test_every_check_passes_the_published_solution(ns, check, names):
    getattr(checks, check)(*(ns[name] for name in names))


# --- filters ------------------------------------------------------------------------------------


def _top_k(k_of=lambda k, V: min(k, V), keep=lambda logits, kth: logits >= kth, fill=float("-inf")):
    def top_k_filter(logits, k):
        kth = torch.topk(logits, k_of(k, logits.size(-1)), dim=-1).values[:, [-1]]
        return logits.masked_fill(~keep(logits, kth), fill)
    return top_k_filter


TOP_K_MISTAKES = {
    "no guard for k > V": (_top_k(k_of=lambda k, V: k), "min(k, logits.size(-1))"),
    "<= drops the k-th": (_top_k(keep=lambda logits, kth: logits > kth), "use <, not <="),
    "0 instead of -inf": (_top_k(fill=0.0), "not 0"),
    "returns the k values": (lambda logits, k: torch.topk(logits, min(k, logits.size(-1))).values,
                             "not the k values alone"),
}


@pytest.mark.parametrize("mistake", sorted(TOP_K_MISTAKES))
def test_top_k_check_names_the_mistake(mistake):
    wrong, named = TOP_K_MISTAKES[mistake]
    assert named in fails(checks.check_top_k_filter, wrong)


def _top_p(sort=True, descending=True, on_logits=False, scatter=True, crossing=True):
    def top_p_filter(logits, p):
        ordered, order = torch.sort(logits, descending=descending, dim=-1) if sort else (logits, None)
        weights = ordered if on_logits else ordered.softmax(-1)
        cum = weights.cumsum(-1)
        drop = (cum - weights >= p) if crossing else (cum > p)
        if sort and scatter:
            drop = drop.scatter(-1, order, drop)
        return logits.masked_fill(drop, float("-inf"))
    return top_p_filter


TOP_P_MISTAKES = {
    "drops the token that crosses p": (_top_p(crossing=False), "keep the token that crosses p"),
    "mask left in sorted order": (_top_p(scatter=False), "scatter with the sort's indices"),
    "no sort": (_top_p(sort=False), "sort by probability"),
    "ascending sort": (_top_p(descending=False), "sort by probability (descending)"),
    "cumsum of logits": (_top_p(on_logits=True), "top_p_filter(p=0.7) kept"),
}


@pytest.mark.parametrize("mistake", sorted(TOP_P_MISTAKES))
def test_top_p_check_names_the_mistake(mistake):
    wrong, named = TOP_P_MISTAKES[mistake]
    assert named in fails(checks.check_top_p_filter, wrong)


def _probs(ns, order="temperature first", scale=lambda logits, t: logits / t, softmax=True):
    def next_token_probs(logits, temperature, top_k=None, top_p=None):
        if order == "temperature first":
            logits = scale(logits, temperature)
        if top_k is not None:
            logits = ns["top_k_filter"](logits, top_k)
        if top_p is not None:
            logits = ns["top_p_filter"](logits, top_p)
        if order == "filters first":
            logits = scale(logits, temperature)
        return logits.softmax(-1) if softmax else logits
    return next_token_probs


def test_next_token_probs_check_names_order_multiplication_and_missing_softmax(ns):
    assert "filtered before applying the temperature" in fails(checks.check_next_token_probs,
                                                                _probs(ns, order="filters first"))
    assert "you multiplied" in fails(checks.check_next_token_probs, _probs(ns, scale=lambda logits, t: logits * t))
    assert "sum to 1" in fails(checks.check_next_token_probs, _probs(ns, softmax=False))


# --- penalties ----------------------------------------------------------------------------------


def _divide_all(logits, generated, penalty):
    return logits.scatter(1, generated, torch.gather(logits, 1, generated) / penalty)


def _per_occurrence(logits, generated, penalty):
    logits = logits.clone()
    for row, tokens in enumerate(generated.tolist()):
        for token in tokens:
            value = logits[row, token]
            logits[row, token] = value / penalty if value > 0 else value * penalty
    return logits


def _in_place(logits, generated, penalty):
    seen = torch.gather(logits, 1, generated)
    return logits.scatter_(1, generated, torch.where(seen > 0, seen / penalty, seen * penalty))


def _first_row_history(logits, generated, penalty):
    history = generated[:1].expand_as(generated)
    seen = torch.gather(logits, 1, history)
    return logits.scatter(1, history, torch.where(seen > 0, seen / penalty, seen * penalty))


def _every_token(logits, generated, penalty):
    return torch.where(logits > 0, logits / penalty, logits * penalty)


@pytest.mark.parametrize("wrong, named", [
    (_divide_all, "must be multiplied by the penalty"),
    (_per_occurrence, "once per token that occurred"),
    (_in_place, "in place"),
    (_first_row_history, "its own row"),
    (_every_token, "only tokens that occur"),
])
def test_repetition_penalty_check_names_the_mistake(wrong, named):
    assert named in fails(checks.check_repetition_penalty, wrong)


def _counts(logits, generated):
    return torch.zeros_like(logits).scatter_add(1, generated, torch.ones_like(generated, dtype=logits.dtype))


@pytest.mark.parametrize("wrong, named", [
    (lambda logits, g, f, p: logits - (f + p) * (_counts(logits, g) > 0).to(logits.dtype), "not just once"),
    (lambda logits, g, f, p: logits - f * _counts(logits, g), "presence penalty is missing"),
    (lambda logits, g, f, p: logits.sub_(f * _counts(logits, g) + p * (_counts(logits, g) > 0).to(logits.dtype)),
     "in place"),
    (lambda logits, g, f, p: logits - f * _counts(logits, g.flatten().expand(len(g), -1))
     - p * (_counts(logits, g.flatten().expand(len(g), -1)) > 0).to(logits.dtype), "each row has its own history"),
])
def test_frequency_penalty_check_names_the_mistake(wrong, named):
    assert named in fails(checks.check_frequency_penalty, wrong)


# --- beam search ----------------------------------------------------------------------------------


def _beams(start_with_copies=False, rank_by_last_token=False, reorder=True, per_beam_best=False):
    @torch.no_grad()
    def beam_search(model_, idx, max_new_tokens, num_beams):
        seqs = idx.expand(num_beams, -1) if start_with_copies else idx
        scores = torch.zeros(len(seqs), dtype=torch.float64)
        for step in range(max_new_tokens):
            logp = model_(seqs).logits[:, -1, :].double().log_softmax(-1)
            if per_beam_best and step > 0:  # each beam follows its own best token
                best, token = logp.max(-1)
                scores, beam = scores + best, torch.arange(len(seqs))
            else:
                total = logp if rank_by_last_token else scores[:, None] + logp
                _, flat = total.flatten().topk(num_beams)
                beam, token = flat // logp.size(1), flat % logp.size(1)
                scores = (scores[:, None] + logp).flatten()[flat]
            order = scores.argsort(descending=True)
            scores, beam, token = scores[order], beam[order], token[order]
            seqs = torch.cat([seqs[beam] if reorder else seqs.expand(num_beams, -1)[: len(beam)],
                              token[:, None]], dim=1)
        return seqs, scores
    return beam_search


@pytest.mark.parametrize("wrong, named", [
    (_beams(start_with_copies=True), "two beams are the same sequence"),
    (_beams(per_beam_best=True), "not each beam's best token"),
    (_beams(rank_by_last_token=True), "not by the new token's alone"),
    (_beams(reorder=False), "summed log-probability"),
])
def test_beam_search_check_names_the_mistake(wrong, named):
    assert named in fails(checks.check_beam_search, wrong)


# --- key/value cache ------------------------------------------------------------------------------


def _cached_forward(ns, positions_from_zero=False, mask_offset=True, weights_only=False):
    """The published forward_with_cache with one mistake switched on."""
    def forward_with_cache(model_, idx, cache):
        B, T = idx.shape
        C, nh = model_.config.n_embd, model_.config.n_head
        past = cache.past_len()
        start = 0 if positions_from_zero else past
        x = model_.transformer.wte(idx) + model_.transformer.wpe(torch.arange(start, start + T))
        mask = torch.ones(T, past + T, dtype=torch.bool).tril(diagonal=past if mask_offset else 0)
        for layer, block in enumerate(model_.transformer.h):
            h = block.ln_1(x)
            qkv = h @ block.attn.c_attn.weight + block.attn.c_attn.bias if weights_only else block.attn.c_attn(h)
            q, k, v = qkv.split(C, dim=2)
            q, k, v = (t.view(B, T, nh, C // nh).transpose(1, 2) for t in (q, k, v))
            k, v = cache.update(layer, k, v)
            att = (q @ k.transpose(-2, -1) / math.sqrt(C // nh)).masked_fill(~mask, float("-inf")).softmax(-1)
            x = x + block.attn.c_proj((att @ v).transpose(1, 2).reshape(B, T, C))
            x = x + block.mlp(block.ln_2(x))
        return model_.lm_head(model_.transformer.ln_f(x))
    return forward_with_cache


class _TokenCache:
    """A 'cache' that keeps the tokens and recomputes everything: the results are right, the cost is not."""

    def __init__(self, n_layer):
        self.tokens = None

    def past_len(self):
        return 0 if self.tokens is None else self.tokens.size(1)


def _recompute(model_, idx, cache):
    cache.tokens = idx if cache.tokens is None else torch.cat([cache.tokens, idx], dim=1)
    return model_(cache.tokens).logits[:, -idx.size(1):]


def _replacing_cache(ns):
    class ReplacingCache(ns["KVCache"]):
        def update(self, layer, k, v):
            self.layers[layer] = (k, v)
            return k, v
    return ReplacingCache


class _SharedCache:
    """One list for all layers: every layer's keys land in the same cache."""

    def __init__(self, n_layer):
        self.k = self.v = None

    def past_len(self):
        return 0 if self.k is None else self.k.size(2)

    def update(self, layer, k, v):
        self.k = k if self.k is None else torch.cat([self.k, k], dim=2)
        self.v = v if self.v is None else torch.cat([self.v, v], dim=2)
        return self.k, self.v


def test_kv_check_catches_an_implementation_that_ignores_the_cache():
    assert "recomputes the prefix" in fails(checks.check_kv_cache, _TokenCache, _recompute)


def test_kv_check_names_positions_restarting_at_zero(ns):
    message = fails(checks.check_kv_cache, ns["KVCache"], _cached_forward(ns, positions_from_zero=True))
    assert "offset the position embeddings" in message


def test_kv_check_names_a_mask_without_the_offset(ns):
    assert "check the mask" in fails(checks.check_kv_cache, ns["KVCache"], _cached_forward(ns, mask_offset=False))


def test_kv_check_names_a_cache_that_replaces_instead_of_appending(ns):
    assert "instead of replacing" in fails(checks.check_kv_cache, _replacing_cache(ns), ns["forward_with_cache"])


def test_kv_check_names_one_cache_shared_by_all_layers(ns):
    assert "one (k, v) pair per layer" in fails(checks.check_kv_cache, _SharedCache, ns["forward_with_cache"])


def test_kv_check_asks_for_the_modules_when_it_cannot_count(ns):
    # Right maths through c_attn's weight (Conv1D: (in, out)), so the check cannot count the positions.
    wrong = _cached_forward(ns, weights_only=True)
    assert "rather than their weights" in fails(checks.check_kv_cache, ns["KVCache"], wrong)


# --- the notebook's own conversion ----------------------------------------------------------------


def test_a_training_checkpoint_loads_into_hugging_face_gpt2_with_the_same_logits(ns, tmp_path):
    from dataclasses import asdict

    torch.manual_seed(0)
    config = model.GPTConfig.from_preset("micro", vocab_size=101)
    ours = model.GPT(config).eval()
    path = tmp_path / "ckpt.pt"
    torch.save({"model": ours.state_dict(), "model_config": asdict(config), "step": 7}, path)
    hf, origin = ns["from_checkpoint"](path)
    idx = torch.randint(0, 101, (2, 9))
    with torch.no_grad():
        diff = (hf.eval()(idx).logits - ours(idx)[0]).abs().max().item()
    assert diff < 1e-5 and "step 7" in origin


def test_the_laptop_runs_character_checkpoint_samples_with_its_own_characters(ns, tmp_path):
    from dataclasses import asdict

    from tests.gpt2_chapters.make_tokenizer_cases import r50k_base

    ns["enc"] = r50k_base()  # tiktoken's own encoding, offline, from the shipped ranks file
    ns["json"], ns["Path"] = json, Path
    chars = "\n !',.:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    (tmp_path / "data" / "shakespeare-char").mkdir(parents=True)
    (tmp_path / "data" / "shakespeare-char" / "tokenizer.json").write_text(json.dumps({"kind": "char", "chars": chars}))
    (tmp_path / "data" / "smoke").mkdir()
    (tmp_path / "data" / "smoke" / "tokenizer.json").write_text('{"kind": "char", "chars": "ab"}')
    config = model.GPTConfig(block_size=16, vocab_size=len(chars), n_layer=1, n_head=2, n_embd=8)
    torch.save({"model": model.GPT(config).state_dict(), "model_config": asdict(config), "step": 3},
               tmp_path / "ckpt.pt")
    hf, _ = ns["from_checkpoint"](tmp_path / "ckpt.pt")
    encode, decode = ns["tokenizer_for"](hf.config.vocab_size, tmp_path / "data")
    assert decode(encode("ROMEO: Hello, world.")) == "ROMEO: Hello, world."
    encode, decode = ns["tokenizer_for"](50304, tmp_path / "data")  # a BPE model: GPT-2's tokenizer
    assert encode("Hello world") == [15496, 995] and decode([15496, 995, 50300]) == "Hello world"
