"""Checks for the exercises of 01_model: compare with the reference in model.py and diagnose.

In a notebook the reference model (model.py) is inlined just below. Each check_* takes the reader's
function, runs it on small random inputs, and raises an AssertionError that names the likely
mistake (found by comparing against common wrong variants).
"""

import math

import torch
import torch.nn.functional as F
from model import *  # course: inline

CHECK_CONFIG = GPTConfig(block_size=16, vocab_size=97, n_layer=2, n_head=4, n_embd=32)


def _reference_model(config=CHECK_CONFIG, seed=0):
    torch.manual_seed(seed)
    model = GPT(config).eval()
    with torch.no_grad():  # non-trivial LayerNorm gains and biases, so forgetting one shows
        for name, p in model.named_parameters():
            if name.endswith("bias") or ".ln_" in name:
                p.add_(0.1 * torch.randn_like(p))
    return model


def _close(a, b, tol=1e-5):
    return a.shape == b.shape and torch.allclose(a, b, atol=tol, rtol=tol)


def _diagnose(got, expected, variants, what):
    """Raise an AssertionError naming the first wrong variant that got matches."""
    assert isinstance(got, torch.Tensor), f"{what} should return a tensor, got {type(got).__name__}"
    assert got.shape == expected.shape, f"{what}: shape {tuple(got.shape)}, expected {tuple(expected.shape)}"
    if _close(got, expected):
        return
    for wrong, hint in variants:
        if _close(got, wrong):
            raise AssertionError(f"{what}: {hint}")
    diff = (got - expected).abs().max().item()
    raise AssertionError(f"{what} differs from the reference (max abs diff {diff:.3g})")


def _passed(what):
    print(f"PASS {what}")


def check_embed(embed):
    model = _reference_model()
    wte, wpe = model.transformer.wte.weight.detach(), model.transformer.wpe.weight.detach()
    idx = torch.randint(0, CHECK_CONFIG.vocab_size, (2, 7))
    got = embed(idx, wte, wpe)
    _diagnose(got, wte[idx] + wpe[:7], [
        (wte[idx], "only token embeddings: add the position embeddings wpe[0..T-1]"),
        (wte[idx] + wpe[1:8], "positions start at 0, not 1"),
    ], "embed")
    _passed("embed(idx, wte, wpe) == wte[idx] + wpe[:T]")


def check_causal_mask(causal_mask):
    T = 5
    got = causal_mask(T)
    ones = torch.ones(T, T, dtype=torch.bool)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.bool, \
        "causal_mask should return a bool tensor (True = may attend)"
    expected = torch.tril(ones)
    if got.shape == (T, T) and not torch.equal(got, expected):
        if torch.equal(got, torch.triu(ones)):
            raise AssertionError("is your mask upper-triangular? Row t (a query) may see columns 0..t: use torch.tril")
        if torch.equal(got, torch.triu(ones, diagonal=1)):
            raise AssertionError("True should mean 'may attend'; you marked the forbidden (future) positions")
        if torch.equal(got, torch.tril(ones, diagonal=-1)):
            raise AssertionError("the diagonal is missing: a token may attend to itself")
    assert got.shape == (T, T) and torch.equal(got, expected), \
        f"causal_mask({T}) should be torch.tril of ones, got\n{got.int()}"
    _passed("causal_mask is lower-triangular (query t sees keys 0..t)")


def _attention_variants(q, k, v, mask):
    hs = q.size(-1)
    scores = q @ k.transpose(-2, -1)

    def softmax_av(s, dim=-1):
        return F.softmax(s, dim=dim) @ v

    masked = lambda s: s.masked_fill(~mask, float("-inf"))  # noqa: E731
    expected = softmax_av(masked(scores / math.sqrt(hs)))
    return expected, [
        (softmax_av(masked(scores)), "did you scale the scores by 1/sqrt(head_dim)? (Vaswani et al., eq. 1)"),
        (softmax_av(masked(scores / hs)), "divide by sqrt(head_dim), not head_dim"),
        (softmax_av(masked(scores * math.sqrt(hs))), "divide by sqrt(head_dim), do not multiply"),
        (softmax_av(scores / math.sqrt(hs)), "future positions leak: set masked scores to -inf before the softmax"),
        (softmax_av(scores.masked_fill(mask, float("-inf")) / math.sqrt(hs)).nan_to_num(),
         "the mask is inverted: fill where the mask is False"),
        (softmax_av(masked(scores / math.sqrt(hs)).nan_to_num(neginf=0.0), dim=-2),
         "softmax over the keys (last dimension), not over the queries"),
    ]


def check_attention(attention):
    torch.manual_seed(1)
    q, k, v = (torch.randn(2, 3, 6, 8) for _ in range(3))  # (B, nh, T, hs)
    mask = torch.tril(torch.ones(6, 6, dtype=torch.bool))
    expected, variants = _attention_variants(q, k, v, mask)
    got = attention(q, k, v, mask)
    _diagnose(got, expected, variants, "attention")
    # Causality, tested directly: changing the last token must not change earlier outputs.
    k2, v2 = k.clone(), v.clone()
    k2[:, :, -1] += 1.0
    v2[:, :, -1] += 1.0
    assert _close(attention(q, k2, v2, mask)[:, :, :-1], got[:, :, :-1]), "earlier positions see the future"
    _passed("attention == softmax(q k^T / sqrt(hs), causal) v")


def check_multi_head_attention(multi_head_attention):
    model = _reference_model()
    attn = model.transformer.h[0].attn
    x = torch.randn(2, 6, CHECK_CONFIG.n_embd)
    B, T, C = x.shape
    nh, hs = CHECK_CONFIG.n_head, C // CHECK_CONFIG.n_head
    with torch.no_grad():
        expected = attn(x)
        q, k, v = attn.c_attn(x).split(C, dim=2)
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        # Wrong head split: channels laid out (hs, nh) instead of (nh, hs).
        qw, kw, vw = (t.view(B, T, hs, nh).transpose(-1, -2).transpose(1, 2) for t in (q, k, v))
        y_bad_split, _ = _attention_variants(qw, kw, vw, mask)
        qh, kh, vh = (t.view(B, T, nh, hs).transpose(1, 2) for t in (q, k, v))
        y, _ = _attention_variants(qh, kh, vh, mask)  # (B, nh, T, hs)
        no_transpose = attn.c_proj(y.reshape(B, T, C))
        no_proj = y.transpose(1, 2).reshape(B, T, C)
        got = multi_head_attention(x, attn)
    _diagnose(got, expected, [
        (attn.c_proj(y_bad_split.transpose(1, 2).reshape(B, T, C)),
         "split C into (n_head, head_size), in that order: view(B, T, nh, hs)"),
        (no_transpose, "transpose (B, nh, T, hs) back to (B, T, nh, hs) before merging the heads"),
        (no_proj, "the heads' outputs go through c_proj at the end"),
    ], "multi_head_attention")
    _passed("multi_head_attention matches CausalSelfAttention")


def check_gelu(gelu_tanh):
    x = torch.linspace(-4, 4, 101)
    got = gelu_tanh(x)
    _diagnose(got, F.gelu(x, approximate="tanh"), [
        (F.gelu(x), "is GELU the tanh approximation? GPT-2 uses 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))"),
        (F.relu(x), "that is ReLU; GPT-2 uses GELU (tanh approximation)"),
        (0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**2))), "the cubic term is x**3"),
    ], "gelu_tanh")
    _passed("gelu_tanh is GELU's tanh approximation")


def check_mlp(mlp):
    model = _reference_model()
    block_mlp = model.transformer.h[0].mlp
    x = torch.randn(2, 5, CHECK_CONFIG.n_embd)
    with torch.no_grad():
        got = mlp(x, block_mlp)
        expected = block_mlp(x)
        hidden = block_mlp.c_fc(x)
    _diagnose(got, expected, [
        (block_mlp.c_proj(F.gelu(hidden)), "is GELU the tanh approximation? (F.gelu(x, approximate='tanh'))"),
        (block_mlp.c_proj(F.relu(hidden)), "GPT-2's MLP uses GELU, not ReLU"),
        (F.gelu(hidden, approximate="tanh"), "project back to n_embd with c_proj"),
    ], "mlp")
    _passed("mlp == c_proj(gelu(c_fc(x)))")


def check_layer_norm(layer_norm):
    torch.manual_seed(2)
    x = 3 * torch.randn(2, 5, 16) + 1
    w, b, eps = torch.randn(16), torch.randn(16), 1e-5
    got = layer_norm(x, w, b, eps)
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, unbiased=False)
    small = torch.randn(2, 5, 16) * 1e-3  # tiny variance: eps placement matters here
    _diagnose(got, F.layer_norm(x, (16,), w, b, eps), [
        ((x - mean) / torch.sqrt(x.var(-1, keepdim=True) + eps) * w + b,
         "use the biased variance (unbiased=False / mean of squares), as LayerNorm does"),
        ((x - mean) / torch.sqrt(var + eps), "apply the learned gain (weight) and bias after normalising"),
        ((x - x.mean(0, keepdim=True)) / torch.sqrt(x.var(0, keepdim=True, unbiased=False) + eps) * w + b,
         "normalise over the last dimension (channels), not the batch"),
    ], "layer_norm")
    got_small = layer_norm(small, w, b, eps)
    sm, sv = small.mean(-1, keepdim=True), small.var(-1, keepdim=True, unbiased=False)
    _diagnose(got_small, F.layer_norm(small, (16,), w, b, eps), [
        ((small - sm) / (torch.sqrt(sv) + eps) * w + b, "is your epsilon inside the sqrt? sqrt(var + eps)"),
    ], "layer_norm (small inputs)")
    _passed("layer_norm matches nn.LayerNorm")


def check_block(block_forward):
    model = _reference_model()
    block = model.transformer.h[0]
    x = torch.randn(2, 6, CHECK_CONFIG.n_embd)
    with torch.no_grad():
        got = block_forward(x, block)
        expected = block(x)
        h = block.ln_1(x + block.attn(x))
        post_ln = block.ln_2(h + block.mlp(h))
        y = block.attn(block.ln_1(x))
        no_residual = block.mlp(block.ln_2(y))
        one_norm = x + block.attn(block.ln_1(x))
        one_norm = one_norm + block.mlp(block.ln_1(one_norm))
    _diagnose(got, expected, [
        (post_ln, "GPT-2 is pre-LN: x + attn(ln_1(x)), not ln_1(x + attn(x))"),
        (no_residual, "add each sub-block's output to x (the residual stream)"),
        (one_norm, "the MLP has its own LayerNorm: ln_2"),
    ], "block_forward")
    _passed("block_forward matches Block")


def check_gpt_forward(gpt_forward):
    model = _reference_model()
    idx = torch.randint(0, CHECK_CONFIG.vocab_size, (2, 9))
    with torch.no_grad():
        got = gpt_forward(idx, model)
        expected, _ = model(idx)
        x = model.transformer.wte(idx) + model.transformer.wpe(torch.arange(9))
        for block in model.transformer.h:
            x = block(x)
        no_final_ln = model.lm_head(x)
    _diagnose(got, expected, [(no_final_ln, "GPT-2 applies a final LayerNorm (ln_f) before lm_head")], "gpt_forward")
    _passed("gpt_forward matches GPT.forward")


def check_count_parameters(count_parameters):
    configs = [CHECK_CONFIG, GPTConfig(block_size=8, vocab_size=50, n_layer=3, n_head=2, n_embd=8)]
    for config in configs:
        expected = GPT(config).num_params()
        got = count_parameters(config)
        C, V = config.n_embd, config.vocab_size
        hints = {
            expected + V * C: "lm_head shares wte's matrix (tied embeddings): count it once",
            expected - config.block_size * C: "count the position embeddings (wpe) too",
            expected - 2 * C: "count the final LayerNorm ln_f (gain and bias)",
            expected - config.n_layer * 9 * C: "count the biases: every Linear in GPT-2 has one",
            expected - config.n_layer * 2 * C: "count both LayerNorms per block, gain and bias each",
        }
        assert got == expected, \
            f"count_parameters: {hints.get(got, f'got {got:,}, expected {expected:,} for {config}')}"
    gpt2 = count_parameters(GPTConfig.from_preset("gpt2"))
    assert gpt2 == 124_439_808, f"GPT-2 small should have 124,439,808 parameters, got {gpt2:,}"
    _passed("count_parameters: GPT-2 small has 124,439,808 parameters")
