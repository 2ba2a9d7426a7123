"""Checks for the sampling notebook (03_sample): none of them contains a solution.

The references are Hugging Face `transformers`: its logits processors (temperature, top-k, top-p,
repetition penalty), its `generate(num_beams=...)` and the plain forward pass of its
`GPT2LMHeadModel`. Their code lives in the installed package, not on this page. Where no library
reference exists (the frequency penalty) the check uses small cases worked out by hand.
The model in the checks is a small random GPT-2 in float64 with large weights, so that its logits
are spread out and a real mistake is many orders of magnitude above rounding noise.
Each check names the usual mistake it recognises.
"""

import math

import torch
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.generation.logits_process import (
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)


def reference_model(seed=0, vocab_size=61, n_positions=48):
    """A small random GPT-2 in float64 with non-zero biases and logits spread over several nats."""
    torch.manual_seed(seed)
    config = GPT2Config(n_layer=2, n_head=4, n_embd=32, vocab_size=vocab_size, n_positions=n_positions,
                        initializer_range=0.2, bos_token_id=None, eos_token_id=None, pad_token_id=None)
    model = GPT2LMHeadModel(config).double().eval()
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.dim() == 1:  # biases and LayerNorm parameters: make forgetting one visible
                parameter.add_(0.1 * torch.randn_like(parameter))
    return model


def _logits(model, idx):
    with torch.no_grad():
        return model(idx).logits


def _real_logits(seed=0):
    """Next-token logits (3, V) of the reference model after three random prompts, in float64."""
    model = reference_model(seed)
    idx = torch.randint(0, model.config.vocab_size, (3, 7), generator=torch.Generator().manual_seed(seed))
    return _logits(model, idx)[:, -1, :]


def _call(fn, *args):
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except Exception as error:  # report the learner's error as a check failure that says where
        raise AssertionError(f"{fn.__name__}{tuple(_short(a) for a in args)} raised "
                             f"{error.__class__.__name__}: {error}") from error


def _short(value):
    return f"tensor{tuple(value.shape)}" if isinstance(value, torch.Tensor) else value


def _kept(out):
    return torch.isfinite(out).tolist()


TOY = torch.log(torch.tensor([[0.05, 0.5, 0.3, 0.15], [0.3, 0.25, 0.35, 0.1]]))  # (2, 4), no ties


# ----------------------------------------------------------------------------------------------
# Filters


def check_top_k_filter(top_k_filter):
    got = _call(top_k_filter, TOY.clone(), 2)
    assert isinstance(got, torch.Tensor) and got.shape == TOY.shape, \
        f"top_k_filter must return logits of the input's shape {tuple(TOY.shape)}, not the k values alone"
    assert not (got == 0).any() or (TOY == 0).any(), \
        "excluded tokens must get -inf, not 0: a logit of 0 still has probability after the softmax"
    n_kept = torch.isfinite(got).sum(-1).tolist()
    assert n_kept != [1, 1], "top_k_filter(k=2) kept 1 token per row: keep logits >= the k-th largest (use <, not <=)"
    assert _kept(got) == [[False, True, True, False], [True, False, True, False]], \
        f"top_k_filter(k=2) kept {_kept(got)}: keep the 2 largest logits of each row (top-k along the last dim)"
    assert torch.equal(got[torch.isfinite(got)], TOY[torch.isfinite(got)]), \
        "top_k_filter must not change the kept logits"
    try:
        big = top_k_filter(TOY.clone(), 10)
    except RuntimeError as error:
        raise AssertionError(f"top_k_filter(k=10) on 4 tokens crashed ({error}): when k is larger than the "
                             "vocabulary nothing is filtered; use min(k, logits.size(-1))") from error
    assert torch.equal(big, TOY), "with k larger than the vocabulary every token must stay"
    logits = _real_logits()
    for k in (1, 5, 60, 61, 1000):
        want = TopKLogitsWarper(top_k=k)(None, logits.clone())
        assert torch.equal(_call(top_k_filter, logits.clone(), k), want), \
            f"top_k_filter(k={k}) differs from Hugging Face's TopKLogitsWarper on a model's logits"
    print("PASS top_k_filter")


def check_top_p_filter(top_p_filter):
    got = _call(top_p_filter, TOY.clone(), 0.7)
    assert isinstance(got, torch.Tensor) and got.shape == TOY.shape, \
        f"top_p_filter must return logits of the input's shape {tuple(TOY.shape)}"
    assert not (got == 0).any(), "excluded tokens must get -inf, not 0: a logit of 0 still has probability"
    kept = _kept(got)
    assert kept[0] != [False, True, False, False], \
        "top-p stopped before reaching p: keep the token that crosses p (0.5 + 0.3 >= 0.7)"
    assert kept[0] != [False, True, True, True], \
        "top-p kept too many: stop at the first token where the mass reaches p"
    if kept == [[True, True, False, False], [True, True, True, False]] or kept[0] == [True, True, False, False]:
        raise AssertionError("top-p kept the right number of tokens but the wrong ones: the mask was computed "
                             "in sorted order; put it back in vocabulary order (scatter with the sort's indices)")
    assert kept == [[False, True, True, False], [True, True, True, False]], \
        f"top_p_filter(p=0.7) kept {kept}: sort by probability (descending) and keep tokens until the mass reaches p"
    tiny_p = _kept(_call(top_p_filter, TOY.clone(), 0.01))
    assert tiny_p == [[False, True, False, False], [False, False, True, False]], \
        "the most likely token must always survive top-p"
    assert torch.equal(got[torch.isfinite(got)], TOY[torch.isfinite(got)]), \
        "top_p_filter must not change the kept logits"
    logits = _real_logits()
    for p in (0.1, 0.5, 0.9, 0.99):
        want = TopPLogitsWarper(top_p=p)(None, logits.clone())
        assert torch.equal(torch.isfinite(_call(top_p_filter, logits.clone(), p)), torch.isfinite(want)), \
            f"top_p_filter(p={p}) keeps other tokens than Hugging Face's TopPLogitsWarper on a model's logits " \
            "(probabilities, not logits, add up to p)"
    print("PASS top_p_filter")


def check_next_token_probs(next_token_probs):
    logits = _real_logits(1) * 1.5
    cases = [(1.0, None, None), (0.7, None, 0.8), (1.8, None, 0.6), (2.0, 5, None), (0.5, 10, 0.9), (1.6, 20, 0.7)]
    for temperature, top_k, top_p in cases:
        got = _call(next_token_probs, logits.clone(), temperature, top_k, top_p)
        assert isinstance(got, torch.Tensor) and got.shape == logits.shape, \
            f"expected probabilities of shape {tuple(logits.shape)}"
        assert torch.allclose(got.sum(-1), torch.ones(len(got), dtype=got.dtype)), \
            "each row must sum to 1: end with a softmax over the filtered logits"
        want = _reference_probs(logits, temperature, top_k, top_p)
        if torch.allclose(got, want, atol=1e-12):
            continue
        setting = f"temperature={temperature}, top_k={top_k}, top_p={top_p}"
        if torch.allclose(got, _reference_probs(logits, 1 / temperature, top_k, top_p), atol=1e-12):
            raise AssertionError(f"{setting}: divide the logits by the temperature (you multiplied)")
        filtered_first = _reference_probs(logits, 1.0, top_k, top_p)
        filtered_first = torch.where(filtered_first > 0, filtered_first.log() / temperature, float("-inf")).softmax(-1)
        if torch.allclose(got, filtered_first, atol=1e-12):
            raise AssertionError(f"{setting}: you filtered before applying the temperature. Divide by the temperature "
                                 "first; the nucleus (top-p) is the set of the tempered distribution")
        raise AssertionError(f"{setting}: probabilities differ from Hugging Face's TemperatureLogitsWarper -> "
                             f"TopKLogitsWarper -> TopPLogitsWarper -> softmax by {(got - want).abs().max():.2e}")
    print("PASS next_token_probs")


def _reference_probs(logits, temperature, top_k, top_p):
    scores = TemperatureLogitsWarper(temperature)(None, logits.clone())
    if top_k is not None:
        scores = TopKLogitsWarper(top_k)(None, scores)
    if top_p is not None:
        scores = TopPLogitsWarper(top_p)(None, scores)
    return scores.softmax(-1)


# ----------------------------------------------------------------------------------------------
# Penalties


def check_repetition_penalty(repetition_penalty):
    logits = torch.tensor([[2.0, -1.0, 0.5, -0.2, 1.0], [0.3, 1.2, -0.4, 0.9, -2.0]], dtype=torch.float64)
    generated = torch.tensor([[0, 1, 1, 1, 3], [4, 2, 2, 1, 1]])
    before = logits.clone()
    got = _call(repetition_penalty, logits, generated, 2.0)
    assert torch.equal(logits, before), "repetition_penalty changed its input in place: work on a copy (clone)"
    want = RepetitionPenaltyLogitsProcessor(2.0)(generated, before.clone())
    if torch.allclose(got, want):
        print("PASS repetition_penalty")
        return
    assert torch.equal(got[0, [2, 4]], before[0, [2, 4]]) and torch.equal(got[1, [0, 3]], before[1, [0, 3]]), \
        "only tokens that occur in generated (its own row) are penalised"
    assert got[0, 1] < before[0, 1], \
        "a negative logit must be multiplied by the penalty: dividing it moves it towards 0 and makes the " \
        "token likelier"
    assert not math.isclose(got[0, 1].item(), -8.0), \
        "the repetition penalty applies once per token that occurred, however often (CTRL); " \
        "counting occurrences is the frequency penalty"
    raise AssertionError(f"repetition_penalty differs from Hugging Face's RepetitionPenaltyLogitsProcessor: "
                         f"got {got.tolist()}, expected {want.tolist()}")


# Worked by hand: counts in row 0 are {1: 3, 3: 1}, in row 1 {4: 3, 0: 1}; frequency 0.5, presence 0.25.
FREQUENCY_CASE = (
    [[1.0, 2.0, -1.0, 0.5, 0.0], [0.3, -0.2, 0.1, 0.9, 1.5]],
    [[1, 1, 3, 1], [4, 0, 4, 4]],
    [[1.0, 0.25, -1.0, -0.25, 0.0], [-0.45, -0.2, 0.1, 0.9, -0.25]],
)


def check_frequency_penalty(frequency_penalty):
    logits, generated, want = (torch.tensor(x) for x in FREQUENCY_CASE)
    logits = logits.double()
    before = logits.clone()
    got = _call(frequency_penalty, logits, generated, 0.5, 0.25)
    assert torch.equal(logits, before), "frequency_penalty changed its input in place: work on a copy (clone)"
    if torch.allclose(got, want.double()):
        assert torch.equal(_call(frequency_penalty, before.clone(), generated, 0.0, 0.0), before), \
            "with both penalties 0 the logits must not change"
        print("PASS frequency_penalty")
        return
    assert got[0, 2] == before[0, 2] and got[1, 1] == before[1, 1], \
        "a token that its row never generated keeps its logit: count per row, each row has its own history"
    assert not math.isclose(got[0, 1].item(), 2.0 - 0.5 - 0.25), \
        "subtract frequency x the number of times the token occurred (3 times here), not just once"
    assert not math.isclose(got[0, 1].item(), 2.0 - 1.5), \
        "the presence penalty is missing (subtract it once per token seen)"
    raise AssertionError(f"frequency_penalty: got {got.tolist()}, expected {want.tolist()} "
                         "(logit - frequency * count - presence * [count > 0])")


# ----------------------------------------------------------------------------------------------
# Beam search


def _sequence_log_prob(model, seqs, prompt_len):
    """Summed log-probability of the tokens after the prompt, one teacher-forced forward pass."""
    logp = _logits(model, seqs).log_softmax(-1)[:, prompt_len - 1 : -1]  # (n, new, V)
    return logp.gather(-1, seqs[:, prompt_len:, None]).squeeze(-1).sum(-1)


def _follows_own_best_token(model, seqs, start):
    """Whether every token of every beam from position `start` on is the model's arg-max after its prefix."""
    best = _logits(model, seqs).argmax(-1)[:, start - 1 : -1]  # (n, new - 1)
    return torch.equal(best, seqs[:, start:])


def check_beam_search(beam_search):
    model = reference_model(seed=3)
    gen = torch.Generator().manual_seed(3)
    for prompt_len, new, beams in [(3, 5, 3), (6, 4, 4), (2, 6, 2), (4, 3, 1)]:
        idx = torch.randint(0, model.config.vocab_size, (1, prompt_len), generator=gen)
        with torch.no_grad():
            got = _call(beam_search, model, idx, new, beams)
            ref = model.generate(idx, attention_mask=torch.ones_like(idx), max_new_tokens=new, min_new_tokens=new,
                                 num_beams=beams, num_return_sequences=beams, do_sample=False,
                                 length_penalty=1.0, return_dict_in_generate=True)
        assert isinstance(got, tuple) and len(got) == 2, "beam_search returns (sequences, scores)"
        seqs, scores = got
        where = f"prompt of {prompt_len} tokens, {new} new tokens, {beams} beams"
        assert seqs.shape == (beams, prompt_len + new) and scores.shape == (beams,), \
            f"{where}: expected sequences {(beams, prompt_len + new)} and scores ({beams},), " \
            f"got {tuple(seqs.shape)} and {tuple(scores.shape)}"
        assert torch.equal(seqs[:, :prompt_len], idx.expand(beams, -1)), f"{where}: every beam starts with the prompt"
        assert len({tuple(s) for s in seqs.tolist()}) == beams, \
            f"{where}: two beams are the same sequence. At the first step all beams are the prompt: " \
            "expand it once (or give the copies a score of -inf), or the same token is chosen num_beams times"
        true_scores = _sequence_log_prob(model, seqs, prompt_len)
        assert torch.allclose(scores.double(), true_scores, atol=1e-9), \
            f"{where}: scores must be each beam's summed log-probability of its new tokens; " \
            f"got {scores.tolist()}, the model gives {true_scores.tolist()}"
        assert (scores[:-1] >= scores[1:]).all(), f"{where}: return the beams best first (highest score first)"
        want = _sequence_log_prob(model, ref.sequences, prompt_len)
        worse = (scores.double() < want - 1e-9).nonzero().flatten().tolist()
        if worse:
            i = worse[0]
            if new > 2 and _follows_own_best_token(model, seqs, prompt_len + 1):
                raise AssertionError(f"{where}: after the first step each of your beams follows its own most likely "
                                     "token. Keep the num_beams best of all num_beams x V extensions, not each "
                                     "beam's best token")
            raise AssertionError(f"{where}: your beam {i} scores {scores[i]:.4f}, Hugging Face's beam {i} "
                                 f"{want[i]:.4f}: better sequences were dropped. Rank the candidates by the total "
                                 "log-probability so far (beam score + log-prob of the new token), not by the new "
                                 "token's alone")
        assert torch.equal(seqs, ref.sequences), \
            f"{where}: beams differ from Hugging Face's generate(num_beams={beams}): " \
            f"got {seqs[:, prompt_len:].tolist()}, expected {ref.sequences[:, prompt_len:].tolist()}"
    print("PASS beam_search matches Hugging Face's generate(num_beams=...)")


# ----------------------------------------------------------------------------------------------
# Key/value cache


class PositionCounter:
    """Counts the positions each block's attention projection (c_attn) is run on."""

    def __init__(self, model):
        self.positions = 0
        self.handles = [block.attn.c_attn.register_forward_hook(self._count) for block in model.transformer.h]

    def _count(self, module, inputs, output):
        self.positions += inputs[0].shape[0] * inputs[0].shape[1]  # B * T rows of (B, T, C)

    def close(self):
        for handle in self.handles:
            handle.remove()


def check_kv_cache(KVCache, forward_with_cache):
    model = reference_model(seed=5)
    n_layer = model.config.n_layer
    idx = torch.randint(0, model.config.vocab_size, (2, 13), generator=torch.Generator().manual_seed(5))
    full = _logits(model, idx)  # (2, 13, V): the uncached forward pass, float64
    cache = KVCache(n_layer)
    start = 0
    for size in (5, 1, 3, 1, 1, 2):
        chunk = idx[:, start : start + size]
        counter = PositionCounter(model)
        end = start + size
        where = f"after feeding tokens {start}..{end - 1} (chunk of {size})"
        try:
            with torch.no_grad():
                got = _call(forward_with_cache, model, chunk, cache)
        except AssertionError as error:
            _diagnose_cache(cache, start, size, n_layer, where, error)
            raise
        finally:
            counter.close()
        expected_rows = n_layer * idx.size(0) * size
        assert counter.positions > 0, \
            "call the blocks' modules (block.attn.c_attn, ...) rather than their weights, so the check can count " \
            "the positions your forward pass computes"
        assert counter.positions <= expected_rows, \
            f"{where}: the attention projections ran on {counter.positions // (n_layer * idx.size(0))} positions " \
            f"per sequence for {size} new tokens. That recomputes the prefix: compute keys and values for the new " \
            "tokens only and take the earlier ones from the cache"
        assert isinstance(got, torch.Tensor) and got.shape == (2, size, model.config.vocab_size), \
            f"{where}: expected logits (2, {size}, {model.config.vocab_size}) for the new positions only"
        past = _call(cache.past_len)
        assert past != end * n_layer, \
            f"{where}: past_len() is {past}, {n_layer} times the tokens fed: keep one (k, v) pair per layer"
        assert past == end, \
            f"{where}: past_len() is {past}, expected {end}: append the new keys and values along the time " \
            "dimension (dim 2 of (B, nh, T, hs)) instead of replacing them"
        diff = (got.double() - full[:, start:end]).abs().max().item()
        if diff > 1e-9:
            if start > 0 and _matches_positions_from_zero(model, idx, start, end, got):
                raise AssertionError(f"{where}: the new tokens got positions 0..{size - 1}; they sit at "
                                     f"positions {start}..{end - 1}: offset the position embeddings by past_len()")
            raise AssertionError(f"{where}: logits differ from the uncached forward pass by {diff:.2e} "
                                 "(float64; correct code differs by ~1e-15). The positions are right; check the "
                                 "mask: the query at position past + i sees keys 0..past + i, a (T, past + T) mask "
                                 "that is lower-triangular from diagonal=past")
        start = end
    print("PASS KVCache and forward_with_cache: same logits as without the cache, one position per new token")


def _diagnose_cache(cache, start, size, n_layer, where, error):
    """forward_with_cache raised: name the cache mistake behind it, if the cache's length shows one."""
    try:
        past = cache.past_len()
    except Exception:  # noqa: BLE001  (the learner's past_len may be what failed)
        return
    if past >= start + 2 * size and n_layer > 1:
        raise AssertionError(f"{where}: past_len() is {past} after {start + size} tokens: every layer appended to "
                             f"the same cache. Keep one (k, v) pair per layer ({error})") from error
    if past < start:
        raise AssertionError(f"{where}: past_len() went down from {start} to {past}: append the new keys and values "
                             f"along the time dimension (dim 2) instead of replacing them ({error})") from error


def _matches_positions_from_zero(model, idx, start, end, got):
    """Whether `got` equals the uncached forward pass in which the new tokens get positions 0, 1, ..."""
    positions = torch.cat([torch.arange(start), torch.arange(end - start)]).expand(idx.size(0), -1)
    with torch.no_grad():
        wrong = model(idx[:, :end], position_ids=positions).logits[:, start:end]
    return torch.allclose(got.double(), wrong, atol=1e-9)
