"""course_src/gpt2/model.py against Hugging Face's GPT-2 and against its own claims (CPU, tiny)."""

from __future__ import annotations

import math

import pytest
import torch

from tests.gpt2.course import model as m

transformers = pytest.importorskip("transformers")


def hf_pair(seed=0, **overrides):
    """A randomly initialised GPT2LMHeadModel (small config) and our GPT with its weights."""
    settings = dict(n_layer=2, n_head=4, n_embd=64, n_positions=32, vocab_size=211, bos_token_id=0, eos_token_id=0)
    hf_config = transformers.GPT2Config(**{**settings, **overrides})
    torch.manual_seed(seed)
    hf = transformers.GPT2LMHeadModel(hf_config).eval()
    ours = m.GPT.from_hf_state_dict(hf.state_dict(), m.GPTConfig.from_hf_config(hf_config)).eval()
    return hf, ours


@pytest.mark.parametrize("attention", ["sdpa", "manual"])
def test_logits_match_transformers_gpt2_within_1e_4_in_fp32(attention):
    hf, ours = hf_pair()
    ours.use_attention(attention)
    idx = torch.randint(0, 211, (3, 32))
    with torch.no_grad():
        diff = (ours(idx)[0] - hf(idx).logits).abs().max().item()
    assert diff <= 1e-4


def test_loss_matches_transformers_next_token_loss():
    hf, ours = hf_pair()
    idx = torch.randint(0, 211, (2, 16))
    with torch.no_grad():
        _, loss = ours(idx[:, :-1], targets=idx[:, 1:])
        hf_loss = hf(idx, labels=idx).loss  # HF shifts the labels itself
    assert abs(loss.item() - hf_loss.item()) < 1e-5


def test_kv_cache_logits_equal_full_forward_for_prefill_chunks_and_single_tokens():
    _, ours = hf_pair(seed=1)
    idx = torch.randint(0, 211, (2, 20))
    with torch.no_grad():
        full, _ = ours(idx)
        for impl in ("sdpa", "manual"):
            ours.use_attention(impl)
            cache = m.KVCache(ours.config.n_layer)
            pieces = [ours(idx[:, a:b], kv_cache=cache)[0] for a, b in [(0, 7), (7, 12), (12, 13), (13, 20)]]
            assert cache.past_len() == 20
            assert torch.allclose(torch.cat(pieces, dim=1), full, atol=1e-5), impl


def test_generate_with_cache_equals_without_cache_greedy_sampled_and_past_block_size():
    _, ours = hf_pair(seed=2, n_positions=16)
    idx = torch.randint(0, 211, (2, 5))
    greedy_cached = ours.generate(idx, 20, temperature=0)  # 25 tokens > block_size 16: window slides
    greedy_plain = ours.generate(idx, 20, temperature=0, use_cache=False)
    assert greedy_cached.shape == (2, 25)
    assert torch.equal(greedy_cached, greedy_plain)
    sampled = [
        ours.generate(idx, 8, temperature=0.9, top_k=20, top_p=0.95, use_cache=cache,
                      generator=torch.Generator().manual_seed(7))
        for cache in (True, False)
    ]
    assert torch.equal(*sampled)


def test_sampling_is_deterministic_for_a_seed_and_varies_across_seeds():
    _, ours = hf_pair(seed=3)
    idx = torch.zeros(1, 1, dtype=torch.long)

    def run(seed):
        return ours.generate(idx, 16, temperature=1.5, generator=torch.Generator().manual_seed(seed))

    assert torch.equal(run(0), run(0))
    assert not all(torch.equal(run(0), run(s)) for s in range(1, 4))


def test_top_k_keeps_exactly_the_k_largest_logits():
    logits = torch.tensor([[1.0, 5.0, 3.0, -2.0, 4.0], [0.0, -1.0, 2.0, 1.0, 3.0]])
    out = m.filter_logits(logits, top_k=2)
    assert torch.isfinite(out).tolist() == [[False, True, False, False, True], [False, False, True, False, True]]
    assert torch.equal(out[torch.isfinite(out)], logits[torch.isfinite(out)])


def test_top_p_keeps_the_smallest_set_reaching_p_and_always_the_top_token():
    probs = torch.tensor([[0.05, 0.5, 0.3, 0.15], [0.3, 0.25, 0.35, 0.1]])
    logits = probs.log()
    kept = lambda p: torch.isfinite(m.filter_logits(logits, top_p=p)).tolist()  # noqa: E731
    assert kept(0.7) == [[False, True, True, False], [True, True, True, False]]
    assert kept(0.01) == [[False, True, False, False], [False, False, True, False]]
    assert kept(1.0) == [[True] * 4] * 2


def test_gpt2_preset_has_124_439_808_parameters_and_count_params_matches_allocation():
    assert m.count_params(m.GPTConfig.from_preset("gpt2")) == 124_439_808
    assert m.count_params(m.GPTConfig.from_preset("gpt2"), tied_embeddings=False) == 124_439_808 + 50257 * 768
    for name in ("micro", "tiny"):
        config = m.GPTConfig.from_preset(name)
        assert m.GPT(config).num_params() == m.count_params(config)
    no_bias = m.GPTConfig.from_preset("micro", bias=False)
    assert m.GPT(no_bias).num_params() == m.count_params(no_bias)


def test_parameter_names_and_shapes_match_the_hf_checkpoint_layout():
    hf, ours = hf_pair()
    ours_sd, hf_sd = ours.state_dict(), hf.state_dict()
    assert set(ours_sd) == {k for k in hf_sd if not k.endswith((".attn.bias", ".attn.masked_bias"))}
    assert ours.lm_head.weight.data_ptr() == ours.transformer.wte.weight.data_ptr(), "embeddings are tied"


def test_from_hf_state_dict_names_the_mismatch():
    hf, _ = hf_pair()
    with pytest.raises(ValueError, match="transformer.wte.weight"):
        m.GPT.from_hf_state_dict(hf.state_dict(),
                                 m.GPTConfig(block_size=32, vocab_size=300, n_layer=2, n_head=4, n_embd=64))
    with pytest.raises(KeyError, match="transformer.h.2"):
        m.GPT.from_hf_state_dict(hf.state_dict(),
                                 m.GPTConfig(block_size=32, vocab_size=211, n_layer=3, n_head=4, n_embd=64))


def test_init_follows_gpt2_std_002_and_scaled_residual_projections():
    config = m.GPTConfig(block_size=64, vocab_size=512, n_layer=8, n_head=4, n_embd=256)
    torch.manual_seed(0)
    model = m.GPT(config)
    block = model.transformer.h[0]
    assert abs(block.attn.c_attn.weight.std().item() - 0.02) < 0.001
    scaled = 0.02 / math.sqrt(2 * config.n_layer)
    for weight in (block.attn.c_proj.weight, block.mlp.c_proj.weight):
        assert abs(weight.std().item() - scaled) < 0.1 * scaled
    assert torch.all(block.attn.c_attn.bias == 0)


def test_loss_falls_over_a_few_adamw_steps_of_a_tiny_model():
    torch.manual_seed(0)
    model = m.GPT(m.GPTConfig(block_size=16, vocab_size=64, n_layer=2, n_head=2, n_embd=32))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.1)
    data = torch.arange(17).repeat(4, 1) % 64  # (4, 17): a sequence to memorise
    x, y = data[:, :-1], data[:, 1:]
    losses = []
    for _ in range(15):
        _, loss = model(x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert abs(losses[0] - math.log(64)) < 0.5, "an untrained model is near uniform"
    assert losses[-1] < losses[0] - 1.0


def test_flops_per_token_is_6n_plus_attention_term():
    model = m.GPT(m.GPTConfig.from_preset("micro"))
    n = model.num_params() - model.transformer.wpe.weight.numel()
    assert model.estimate_flops_per_token(32) == 6 * n + 12 * 1 * 32 * 32
    gpt2 = m.GPTConfig.from_preset("gpt2")
    assert m.flops_per_token(gpt2, 1024) == 6 * (124_439_808 - 1024 * 768) + 12 * 12 * 768 * 1024


def test_default_hf_gpt2_config_is_the_gpt2_preset():
    assert m.GPTConfig.from_hf_config(transformers.GPT2Config()) == m.GPTConfig.from_preset("gpt2")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_training_step_with_bf16_autocast_sdpa_and_fused_adamw_matches_fp32_logits():
    torch.manual_seed(0)
    model = m.GPT(m.GPTConfig.from_preset("tiny", vocab_size=50304)).cuda()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, fused=True)
    idx = torch.randint(0, 50257, (4, 128), device="cuda")
    with torch.no_grad():
        fp32, _ = model(idx)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            bf16, _ = model(idx)
    assert (bf16.float() - fp32).abs().max().item() < 0.1
    with torch.autocast("cuda", dtype=torch.bfloat16):
        _, loss = model(idx[:, :-1], idx[:, 1:])
    loss.backward()
    opt.step()
