"""Checks for the exercises of 01_model: your modules against Hugging Face's GPT-2, in float64.

The reference is `transformers.models.gpt2.modeling_gpt2` (GPT2Attention, GPT2MLP, GPT2Block,
GPT2LMHeadModel), an implementation you do not read on the way: each check builds the reference
module from a small `GPT2Config` with random weights, copies those weights into your module
(Hugging Face's `Conv1D` stores a Linear's weight as (in, out), `nn.Linear` as (out, in), so they
go in transposed), and compares the outputs in float64. Correct code then differs by about 1e-14
or less; the usual mistakes differ by far more (the exact-erf GELU in place of the tanh one moves a
model's logits by about 1e-3), and each check names the mistake it recognises. Nothing here
computes a module the way your solution does: the expected outputs come from Hugging Face's
modules, from PyTorch's own functions, or from probes with weights chosen so that the right answer
is obvious.
"""

import copy
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from transformers import GPT2Config, GPT2LMHeadModel
from transformers import logging as hf_logging
from transformers.activations import NewGELUActivation
from transformers.loss.loss_utils import ForCausalLMLoss
from transformers.models.gpt2.modeling_gpt2 import GPT2MLP, GPT2Attention, GPT2Block
from transformers.pytorch_utils import Conv1D

hf_logging.set_verbosity_error()  # the tiny configs below trigger harmless notices
TOL = 1e-11  # float64, relative to the output's size: correct code is ~1e-15 away, every mistake below > 1e-8


@dataclass
class GPTConfig:
    block_size: int = 1024  # longest context: one learned position vector per slot
    vocab_size: int = 50257  # GPT-2's BPE vocabulary
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768


CHECK_CONFIG = GPTConfig(block_size=16, vocab_size=97, n_layer=2, n_head=4, n_embd=32)


def hf_config(config, **overrides):
    """The transformers.GPT2Config of a GPTConfig (dropout off; sdpa attention, causal by default)."""
    fields = dict(n_positions=config.block_size, vocab_size=config.vocab_size, n_layer=config.n_layer,
                  n_head=config.n_head, n_embd=config.n_embd, bos_token_id=config.vocab_size - 1,
                  eos_token_id=config.vocab_size - 1, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                  attn_implementation="sdpa")
    return GPT2Config(**{**fields, **overrides})


def hf_name(name):
    """The Hugging Face state-dict key of one of your GPT's parameters (embed.wte.weight -> transformer.wte.weight)."""
    if name.startswith("lm_head."):
        return name
    return "transformer." + name.removeprefix("embed.")


def _passed(what):
    print(f"PASS {what}")


def _fail(message):
    raise AssertionError(message)


def _diff(a, b):
    return (a - b).abs().max().item() if a.shape == b.shape else float("inf")


def _close(a, b, tol=TOL):
    return a.shape == b.shape and bool(torch.isfinite(a).all()) and _diff(a, b) <= tol * max(1.0, b.abs().max().item())


def _match(got, variants):
    """The message of the first variant (a known mistake) that got equals, or None."""
    for wrong, message in variants:
        if _close(got, wrong, 1e-7):
            return message
    return None


def _diagnose(what, got, expected, variants, hint="", tol=TOL):
    """Pass if got == expected (to tol); else raise naming the first variant (a known mistake) that got matches."""
    if not isinstance(got, torch.Tensor):
        _fail(f"{what} should return a tensor, got {type(got).__name__}")
    if got.shape != expected.shape:
        _fail(f"{what}: output shape {tuple(got.shape)}, expected {tuple(expected.shape)}")
    if _close(got, expected, tol):
        return
    if not torch.isfinite(got).all():
        _fail(f"{what}: the output has NaN or inf values")
    message = _match(got, variants)
    if message:
        _fail(f"{what}: {message}")
    diff = _diff(got, expected)
    if diff < 1e-5:
        hint = ("a tiny difference: is a constant or a tensor in float32 (torch.tensor(0.5) is float32)? "
                "The check runs in float64; use Python floats (math.sqrt) for constants. " + hint)
    _fail(f"{what} differs from Hugging Face's GPT-2 by {diff:.3g} (correct code: below 1e-13). {hint}".rstrip())


def _build(cls, *args, what):
    torch.manual_seed(0)
    module = cls(*args)
    if not isinstance(module, nn.Module):
        _fail(f"{what} should be an nn.Module subclass")
    return module.double().eval()


def _expect_params(module, expected, what):
    """Your module's parameters have exactly these names and shapes ({name: shape}); a tied copy of
    wte under the name lm_head.weight is left out."""
    got = {name: tuple(p.shape) for name, p in module.named_parameters(remove_duplicate=False)
           if name != "lm_head.weight"}
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    if missing or extra:
        _fail(f"{what}: parameters should be {sorted(expected)} (the names GPT-2's weights load into); "
              f"missing {missing}, unexpected {extra}. Make each an nn.Parameter or a submodule attribute "
              "with exactly this name.")
    for name, shape in expected.items():
        if got[name] != shape:
            _fail(f"{what}: {name} has shape {got[name]}, expected {shape}")


def _expect_linear(module, name, n_in, n_out, what):
    layer = getattr(module, name, None)
    if not isinstance(layer, nn.Linear):
        _fail(f"{what}.{name} should be an nn.Linear({n_in}, {n_out}) (the check copies Hugging Face's "
              f"Conv1D weights into it, transposed); got {type(layer).__name__}")
    if (layer.in_features, layer.out_features) != (n_in, n_out):
        _fail(f"{what}.{name} is nn.Linear({layer.in_features}, {layer.out_features}), "
              f"expected nn.Linear({n_in}, {n_out})")


def _randomize(hf_module, seed=0):
    """Weights of a realistic size (activations of order 1), and non-trivial biases and LayerNorm gains."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in hf_module.named_parameters():
            noise = torch.randn(p.shape, generator=g, dtype=p.dtype)
            if "ln" in name.split(".")[-2]:
                p.copy_(1.0 + 0.2 * noise if name.endswith("weight") else 0.2 * noise)
            elif name.endswith("bias"):
                p.copy_(0.2 * noise)
            elif p.dim() == 2 and ("wte" in name or "wpe" in name):
                p.copy_(noise)
            else:  # Conv1D weight, (in, out)
                p.copy_(noise / math.sqrt(p.shape[0]))
    return hf_module


def _hf(module):
    return module.double().eval()


def copy_hf_into(ours, theirs):
    """Copy the parameters of a Hugging Face module into yours, by name; Conv1D weights transposed.

    Your names are Hugging Face's, except that your GPT keeps wte and wpe in `embed`.
    """
    theirs_params = dict(theirs.named_parameters())
    prefix = "transformer." if "transformer.wte.weight" in theirs_params else ""
    with torch.no_grad():
        for name, p in ours.named_parameters():
            key = hf_name(name) if prefix else name
            source = theirs_params[key]
            owner = theirs.get_submodule(key.rsplit(".", 1)[0])
            if isinstance(owner, Conv1D) and key.endswith("weight"):
                source = source.T
            p.copy_(source)


def _output(module, *args):
    with torch.no_grad():
        out = module(*args)
    return out[0] if isinstance(out, tuple) else out


def _differentiable(module, what, *args):
    out = module(*args)
    out = out[0] if isinstance(out, tuple) else out
    if not out.requires_grad:
        _fail(f"{what}: the output does not depend on the parameters through autograd "
              "(no .data, .detach() or torch.no_grad() inside forward)")


# ----------------------------------------------------------------------------------------------
# 1. LayerNorm


def check_layer_norm(LayerNorm):
    C, eps = 16, 1e-5
    if isinstance(LayerNorm, type) and issubclass(LayerNorm, nn.LayerNorm):
        _fail("LayerNorm: write it yourself rather than subclassing nn.LayerNorm")
    ln = _build(LayerNorm, C, what="LayerNorm")
    _expect_params(ln, {"weight": (C,), "bias": (C,)}, "LayerNorm")
    if not (torch.equal(ln.weight, torch.ones(C, dtype=ln.weight.dtype)) and not ln.bias.any()):
        _fail("LayerNorm: initialise the gain `weight` to ones and the bias to zeros (the identity map)")
    g = torch.Generator().manual_seed(1)
    x = 3 * torch.randn(2, 5, C, generator=g, dtype=torch.float64) + 1  # variance 9: eps hardly matters
    expected = F.layer_norm(x, (C,), eps=eps)
    got = ln(x)
    if isinstance(got, torch.Tensor) and got.shape == x.shape and not _close(got, expected, 1e-5):
        if _close(got, torch.ones_like(got)):
            _fail("LayerNorm: weight multiplies the normalised x and bias adds, not the other way round")
        if not _close(got.mean(-1), torch.zeros(2, 5), 1e-6):
            _fail("LayerNorm: normalise over the last dimension, each position's C channels")
    _diagnose("LayerNorm", got, expected, [
        (expected * math.sqrt((C - 1) / C), "use the biased variance (divide by C, not C - 1: "
                                            "x.var(-1, unbiased=False) or a mean of squares)"),
        (expected * 3, "divide by the standard deviation sqrt(var + eps), not the variance"),
    ], tol=1e-5)
    # Tiny variance (1e-6, below eps): where eps sits and what it is now matter.
    small = 1e-3 * torch.randn(3, C, generator=g, dtype=torch.float64)
    std = small.var(-1, keepdim=True, unbiased=False).sqrt()
    zero_eps = F.layer_norm(small, (C,), eps=0.0)
    _diagnose("LayerNorm (inputs with variance below eps)", ln(small), F.layer_norm(small, (C,), eps=eps), [
        (zero_eps * std / (std + eps), "is your epsilon inside the sqrt? (x - mean) / sqrt(var + eps)"),
        (zero_eps, "add eps = 1e-5 to the variance (GPT-2's layer_norm_epsilon)"),
        *[(F.layer_norm(small, (C,), eps=e), f"eps should be 1e-5 (GPT-2's layer_norm_epsilon), not {e:g}")
          for e in (1e-6, 1e-8, 1e-12, 1e-4)],
    ])
    if not torch.isfinite(ln(torch.ones(2, C, dtype=torch.float64))).all():
        _fail("LayerNorm: a constant vector gives NaN; add eps inside the sqrt")
    _diagnose("LayerNorm", got, expected, [])
    with torch.no_grad():  # now a learned gain and bias
        ln.weight.copy_(torch.randn(C, generator=g, dtype=torch.float64))
        ln.bias.copy_(torch.randn(C, generator=g, dtype=torch.float64))
    w, b = ln.weight.detach(), ln.bias.detach()
    _diagnose("LayerNorm (with a gain and a bias)", ln(x), F.layer_norm(x, (C,), w, b, eps), [
        (F.layer_norm(x, (C,), eps=eps), "apply the learned gain (weight) and bias after normalising"),
        (F.layer_norm(x, (C,), b, w, eps), "weight multiplies and bias adds, not the other way round"),
        (F.layer_norm(x, (C,), w, None, eps), "add the bias too"),
    ])
    _differentiable(ln, "LayerNorm", x)
    _passed("LayerNorm matches nn.LayerNorm (biased variance, eps = 1e-5 inside the sqrt, gain and bias)")


# ----------------------------------------------------------------------------------------------
# 2. Token and position embeddings


def _embedding_reference(hf_model, idx):
    """The sum of token and position embeddings inside GPT2Model (what enters the first block)."""
    seen = []
    handle = hf_model.transformer.drop.register_forward_hook(lambda m, i, o: seen.append(o))
    with torch.no_grad():
        hf_model(idx)
    handle.remove()
    return seen[0]


def check_embedding(Embedding, config=CHECK_CONFIG):
    V, P, C = config.vocab_size, config.block_size, config.n_embd
    emb = _build(Embedding, config, what="Embedding")
    for name in ("wte", "wpe"):
        table = getattr(emb, name, None)
        if not isinstance(table, nn.Embedding):
            _fail(f"Embedding.{name} should be an nn.Embedding, got {type(table).__name__}")
    if emb.wte.num_embeddings == P and emb.wpe.num_embeddings == V and P != V:
        _fail("Embedding: wte is the token table (vocab_size rows), wpe the position table (block_size rows)")
    _expect_params(emb, {"wte.weight": (V, C), "wpe.weight": (P, C)}, "Embedding")
    hf = _randomize(_hf(GPT2LMHeadModel(hf_config(config))))
    copy_hf_into(emb, hf.transformer)
    wte, wpe = hf.transformer.wte.weight.detach(), hf.transformer.wpe.weight.detach()
    g = torch.Generator().manual_seed(2)
    for T in (7, P):  # a short sequence and the full context
        idx = torch.randint(0, V, (2, T), generator=g)
        try:
            got = _output(emb, idx)
        except IndexError:
            _fail(f"Embedding (T = {T}): an index is out of range. wpe has block_size rows, one per position "
                  "0..T-1: index it by position (starting at 0), not by token id")
        expected = _embedding_reference(hf, idx)
        tokens = F.embedding(idx, wte)
        _diagnose(f"Embedding (T = {T})", got, expected, [
            (tokens, "add the position embeddings wpe(positions 0..T-1) to the token embeddings"),
            (tokens + F.embedding(torch.arange(1, T + 1).clamp(max=P - 1), wpe),
             "positions start at 0, not 1"),
            (tokens + F.embedding(idx.clamp(max=P - 1), wpe), "index wpe by position (0..T-1), not by token id"),
            (expected * math.sqrt(C), "GPT-2 does not multiply embeddings by sqrt(n_embd) (the 2017 "
                                      "Transformer did)"),
            (F.embedding(torch.arange(T), wpe).expand_as(expected), "add the token embeddings wte(idx) too"),
        ])
    _differentiable(emb, "Embedding", idx)
    _passed("Embedding == token embedding + position embedding, as in GPT2Model")


# ----------------------------------------------------------------------------------------------
# 3. Causal self-attention


def _edited(hf_module, edit):
    """A copy of a Hugging Face module with edit(copy) applied to its weights."""
    module = copy.deepcopy(hf_module)
    with torch.no_grad():
        edit(module)
    return module


def _scale_queries(factor):
    def edit(m):
        C = m.c_proj.weight.shape[0]
        m.c_attn.weight[:, :C] *= factor
        m.c_attn.bias[:C] *= factor
    return edit


def _permute_qkv(order):
    """c_attn's three column blocks [q | k | v] put in another order, e.g. (1, 0, 2): k used as q."""
    def edit(m):
        C = m.c_proj.weight.shape[0]
        w, b = m.c_attn.weight.clone(), m.c_attn.bias.clone()
        for slot, block in enumerate(order):
            m.c_attn.weight[:, slot * C:(slot + 1) * C] = w[:, block * C:(block + 1) * C]
            m.c_attn.bias[slot * C:(slot + 1) * C] = b[block * C:(block + 1) * C]
    return edit


def _interleave_heads(n_head, merge_too):
    """The heads as every n_head-th channel instead of blocks of consecutive channels."""
    def edit(m):
        C = m.c_proj.weight.shape[0]
        perm = torch.arange(C).view(C // n_head, n_head).T.reshape(C)  # head h: channels h, h + nh, ...
        cols = torch.cat([perm + i * C for i in range(3)])
        m.c_attn.weight.copy_(m.c_attn.weight[:, cols])
        m.c_attn.bias.copy_(m.c_attn.bias[cols])
        if merge_too:
            m.c_proj.weight.copy_(m.c_proj.weight[perm])
    return edit


def _uniform_probe(attn, x):
    """q = k = 0 (every score equal), v = x, c_proj = identity: position t must average x[0..t]."""
    C = x.size(-1)
    with torch.no_grad():
        attn.c_attn.weight.zero_()
        attn.c_attn.bias.zero_()
        attn.c_attn.weight[2 * C:] = torch.eye(C, dtype=x.dtype)  # nn.Linear: (out, in); v = x
        attn.c_proj.weight.copy_(torch.eye(C, dtype=x.dtype))
        attn.c_proj.bias.zero_()
    return _output(attn, x)


def check_attention(CausalSelfAttention, config=CHECK_CONFIG):
    C, nh, P = config.n_embd, config.n_head, config.block_size
    hs = C // nh
    attn = _build(CausalSelfAttention, config, what="CausalSelfAttention")
    _expect_linear(attn, "c_attn", C, 3 * C, "CausalSelfAttention")
    _expect_linear(attn, "c_proj", C, C, "CausalSelfAttention")
    _expect_params(attn, {"c_attn.weight": (3 * C, C), "c_attn.bias": (3 * C,), "c_proj.weight": (C, C),
                          "c_proj.bias": (C,)}, "CausalSelfAttention")
    hf = _randomize(_hf(GPT2Attention(hf_config(config), layer_idx=0)))
    g = torch.Generator().manual_seed(3)
    T = 7
    # Probe: with equal scores each position averages the values it may see, which exposes the mask.
    # Every channel holds the same number, so the probe is blind to which channels form a head.
    x = torch.randn(2, T, 1, generator=g, dtype=torch.float64).expand(2, T, C).contiguous()
    counts = torch.arange(1, T + 1, dtype=x.dtype)[:, None]
    uniform = _uniform_probe(copy.deepcopy(attn), x)
    if not torch.isfinite(uniform).all():
        _fail("CausalSelfAttention: NaN in the output; is a row of the mask all False? A position may "
              "always attend to itself (the diagonal)")
    message = _match(uniform, [
        (x.mean(1, keepdim=True).expand_as(x), "future positions leak: every position should see only "
         "positions 0..t; set the scores of later positions to -inf before the softmax (a 0 fill does not mask)"),
        (x.cumsum(1) / T, "mask applied after the softmax: the weights of a row no longer sum to 1; "
                          "set masked scores to -inf before the softmax"),
        (x.flip(1).cumsum(1).flip(1) / counts.flip(0), "the mask is the wrong way round: query t (row) may "
                                                       "see keys 0..t (columns), a lower-triangular mask"),
        ((x / (T - torch.arange(T, dtype=x.dtype))[:, None]).cumsum(1),
         "softmax over the keys (the last dimension), not over the queries"),
        (torch.zeros_like(x), "c_attn's output is [q | k | v], in that order: the values are its last n_embd "
                              "channels; split it with .split(n_embd, dim=-1)"),
    ])
    if message:
        _fail(f"CausalSelfAttention: {message}")
    if not _close(uniform, x.cumsum(1) / counts):
        _fail("CausalSelfAttention: with q = k = 0 every position should average the values of positions "
              "0..t, and yours does not. Check the mask, and how you split the channels into heads and merge "
              "them back: (B, T, C) -> (B, T, n_head, head_size) -> transpose to (B, n_head, T, head_size), "
              "and the reverse")
    copy_hf_into(attn, hf)
    for T in (7, P):  # a short sequence and the full context
        x = torch.randn(2, T, C, generator=g, dtype=torch.float64)

        def variant(edit, x=x):
            return _output(_edited(hf, edit), x)

        got = _output(attn, x)
        _diagnose(f"CausalSelfAttention (T = {T})", got, _output(hf, x), [
            (variant(_scale_queries(math.sqrt(hs))), "did you scale the scores by 1/sqrt(head_size)? "
                                                     "(Vaswani et al., 2017, eq. 1)"),
            (variant(_scale_queries(1 / math.sqrt(hs))), "divide the scores by sqrt(head_size), not head_size"),
            (variant(_scale_queries(math.sqrt(hs / C))), "scale by 1/sqrt(head_size), not 1/sqrt(n_embd)"),
            (variant(_scale_queries(hs)), "divide the scores by sqrt(head_size), do not multiply"),
            (variant(lambda m: m.c_proj.weight.copy_(m.c_proj.weight.T.clone())),
             "c_proj's weight is used transposed: call self.c_proj(y) (x @ W.T), not y @ self.c_proj.weight"),
            (variant(lambda m: (m.c_proj.weight.copy_(torch.eye(C)), m.c_proj.bias.zero_())),
             "the heads' outputs go through c_proj at the end"),
            (variant(_permute_qkv((1, 0, 2))), "q and k are swapped: the scores are q @ k^T, with the query "
                                               "as the row"),
            *[(variant(_permute_qkv(order)), "c_attn's output is [q | k | v], in that order: split it with "
                                             ".split(n_embd, dim=-1)")
              for order in ((0, 2, 1), (2, 1, 0), (1, 2, 0), (2, 0, 1))],
            (variant(_interleave_heads(nh, False)), "wrong head split: head h gets channels h*hs .. (h+1)*hs - 1: "
                                                    "view (B, T, n_head, head_size), then transpose"),
            (variant(_interleave_heads(nh, True)), "wrong head split and merge: view (B, T, n_head, head_size), "
                                                   "not (B, T, head_size, n_head)"),
        ], "With q = k = 0 it averaged positions 0..t correctly, so the mask is right; check the scale, the "
           "head split and merge (head h: a block of consecutive channels), and c_attn / c_proj.")
    _differentiable(attn, "CausalSelfAttention", x)
    _passed("CausalSelfAttention matches GPT2Attention (mask, 1/sqrt(head_size), heads, c_attn, c_proj)")


# ----------------------------------------------------------------------------------------------
# 4. GELU and the MLP


def _sigmoid_gelu(x):
    return F.silu(1.702 * x) / 1.702  # x * sigmoid(1.702 x), GELU's other approximation


def check_gelu(gelu_tanh):
    x = torch.linspace(-6, 6, 1201, dtype=torch.float64)
    _diagnose("gelu_tanh", gelu_tanh(x), NewGELUActivation()(x), [
        (F.gelu(x), "that is the exact (erf) GELU, nn.GELU()'s default; GPT-2 uses the tanh approximation "
                    "0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))"),
        (F.relu(x), "that is ReLU; GPT-2 uses GELU (tanh approximation)"),
        (_sigmoid_gelu(x), "that is the sigmoid approximation x * sigmoid(1.702 x); GPT-2 uses the tanh one"),
    ], "Compare with 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).")
    _passed("gelu_tanh is GELU's tanh approximation (Hugging Face's gelu_new)")


def check_mlp(MLP, config=CHECK_CONFIG):
    C = config.n_embd
    mlp = _build(MLP, config, what="MLP")
    _expect_linear(mlp, "c_fc", C, 4 * C, "MLP")
    _expect_linear(mlp, "c_proj", 4 * C, C, "MLP")
    _expect_params(mlp, {"c_fc.weight": (4 * C, C), "c_fc.bias": (4 * C,), "c_proj.weight": (C, 4 * C),
                         "c_proj.bias": (C,)}, "MLP")
    hf = _randomize(_hf(GPT2MLP(4 * C, hf_config(config))))
    copy_hf_into(mlp, hf)
    x = torch.randn(2, 5, C, generator=torch.Generator().manual_seed(4), dtype=torch.float64)

    def with_activation(act):
        return _output(_edited(hf, lambda m: (m._modules.pop("act"), setattr(m, "act", act))), x)

    got = _output(mlp, x)
    _diagnose("MLP", got, _output(hf, x), [
        (with_activation(nn.GELU()), "the exact (erf) GELU: GPT-2 uses the tanh approximation "
                                     "(your gelu_tanh, or F.gelu(x, approximate='tanh'))"),
        (with_activation(nn.ReLU()), "GPT-2's MLP uses GELU, not ReLU"),
        (with_activation(nn.Identity()), "apply GELU between c_fc and c_proj"),
        (with_activation(_sigmoid_gelu), "the sigmoid approximation of GELU; GPT-2 uses the tanh one"),
    ])
    _differentiable(mlp, "MLP", x)
    _passed("MLP == c_proj(gelu_tanh(c_fc(x))), as GPT2MLP")


# ----------------------------------------------------------------------------------------------
# 5. The block


def check_block(Block, config=CHECK_CONFIG):
    block = _build(Block, config, what="Block")
    for name in ("ln_1", "attn", "ln_2", "mlp"):
        if not isinstance(getattr(block, name, None), nn.Module):
            _fail(f"Block.{name} should be a submodule (your LayerNorm, CausalSelfAttention and MLP)")
    hf = _randomize(_hf(GPT2Block(hf_config(config), layer_idx=0)))
    copy_hf_into(block, hf)
    x = torch.randn(2, 7, config.n_embd, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    got = _output(block, x)
    with torch.no_grad():
        def attn(h):
            return hf.attn(h)[0]
        a = x + attn(hf.ln_1(x))
        post_ln = hf.ln_1(x + attn(x))
        post_ln = hf.ln_2(post_ln + hf.mlp(post_ln))
        normed = hf.ln_1(x)
        from_normed = normed + attn(normed)
        from_normed = hf.ln_2(from_normed) + hf.mlp(hf.ln_2(from_normed))
        variants = [
            (post_ln, "GPT-2 is pre-LN: x + attn(ln_1(x)), not ln_1(x + attn(x)) (Radford et al., 2019, §2.3)"),
            (a + hf.mlp(hf.ln_1(a)), "the MLP has its own LayerNorm: ln_2"),
            (x + attn(hf.ln_1(x)) + hf.mlp(hf.ln_2(x)), "the MLP reads the stream after attention has added "
                                                        "to it (sequential, not parallel sub-blocks)"),
            (hf.mlp(hf.ln_2(attn(hf.ln_1(x)))), "add each sub-block's output to x (the residual stream)"),
            (attn(hf.ln_1(x)) + hf.mlp(hf.ln_2(a)), "keep x: the attention sub-block returns x + attn(ln_1(x))"),
            (from_normed, "add the sub-blocks' outputs to the un-normalised stream x, not to ln_1(x)"),
            (a, "the block has two sub-blocks: after attention, x + mlp(ln_2(x))"),
        ]
    _diagnose("Block", got, _output(hf, x), variants)
    _differentiable(block, "Block", x)
    _passed("Block matches GPT2Block (pre-LN, two residual additions)")


# ----------------------------------------------------------------------------------------------
# 6. The whole GPT: structure, tied embeddings, initialisation, forward


INIT_CONFIG = GPTConfig(block_size=64, vocab_size=2000, n_layer=4, n_head=4, n_embd=64)


def _expected_param_shapes(config):
    with torch.device("meta"):
        hf = GPT2LMHeadModel(hf_config(config))
    shapes = {}
    for key, p in hf.named_parameters():
        if key == "lm_head.weight":
            continue
        name = key.removeprefix("transformer.")
        name = "embed." + name if name.split(".")[0] in ("wte", "wpe") else name
        owner = hf.get_submodule(key.rsplit(".", 1)[0])
        shapes[name] = tuple(p.shape[::-1]) if isinstance(owner, Conv1D) and key.endswith("weight") else tuple(p.shape)
    return shapes


def _check_structure(model, config):
    lm_head = getattr(model, "lm_head", None)
    if not isinstance(lm_head, nn.Linear) or lm_head.bias is not None:
        _fail("GPT.lm_head should be nn.Linear(n_embd, vocab_size, bias=False)")
    if not all(isinstance(getattr(model, name, None), nn.Module) for name in ("embed", "h", "ln_f")):
        _fail("GPT: keep your Embedding as self.embed, the blocks as self.h (an nn.ModuleList) and the final "
              "LayerNorm as self.ln_f: the checks and the loader go by these names")
    if lm_head.weight is not model.embed.wte.weight:
        _fail("GPT: tie the unembedding to the token embedding, one Parameter for both: "
              "self.lm_head.weight = self.embed.wte.weight (copying the values is not tying)")
    _expect_params(model, _expected_param_shapes(config), "GPT")


def _std_hint(name, got, expected, config):
    """The likely cause of an initialisation std `got` where Hugging Face's GPT-2 gives `expected`."""
    L, C = config.n_layer, config.n_embd
    if name.startswith("embed."):
        guesses = [(1.0, "nn.Embedding's default is N(0, 1); GPT-2 draws embeddings from N(0, 0.02^2)"),
                   (0.01, "std 0.02, as in Hugging Face's GPT-2 (OpenAI's released code drew wpe with 0.01)")]
    elif name.endswith(("attn.c_proj.weight", "mlp.c_proj.weight")):
        fan_in = 4 * C if name.endswith("mlp.c_proj.weight") else C
        guesses = [(1 / math.sqrt(3 * fan_in), "nn.Linear's default (uniform, ±1/sqrt(fan_in)); GPT-2 draws "
                                               "from N(0, 0.02^2), scaled here by 1/sqrt(2 * n_layer)"),
                   (0.02, "scale the residual projections (attn.c_proj, mlp.c_proj) by 1/sqrt(2 * n_layer)"),
                   (0.02 / math.sqrt(L), "N = 2 * n_layer residual additions (attention and MLP in every "
                                         "block): std 0.02 / sqrt(2 * n_layer)"),
                   (0.02 / L, "std 0.02 / sqrt(2 * n_layer), not 0.02 / n_layer")]
    else:
        fan_in = C
        guesses = [(1 / math.sqrt(3 * fan_in), "nn.Linear's default (uniform, ±1/sqrt(fan_in)); GPT-2 draws "
                                               "weights from N(0, 0.02^2)"),
                   (0.02 / math.sqrt(2 * L), "only the residual projections attn.c_proj and mlp.c_proj are "
                                             "scaled down; this one is N(0, 0.02^2)")]
    for value, hint in guesses:
        if abs(got / value - 1) < 0.08 and abs(expected / value - 1) > 0.15:
            return hint
    return "see GPT-2's initialisation in the text"


def _check_init(GPT):
    config = INIT_CONFIG
    model = _build(GPT, config, what="GPT")
    _check_structure(model, config)
    torch.manual_seed(0)
    hf = GPT2LMHeadModel(hf_config(config))
    for ours, param in model.named_parameters():
        ref = hf.get_parameter(hf_name(ours)).detach().double()
        value = param.detach()
        if ref.std() == 0:  # biases (zeros) and LayerNorm gains (ones) and biases (zeros)
            if not torch.equal(value, torch.full_like(value, ref.flatten()[0].item())):
                _fail(f"GPT init: {ours} should start at {ref.flatten()[0].item():g} everywhere "
                      "(biases 0, LayerNorm gains 1)")
            continue
        got_std, want_std = value.std().item(), ref.std().item()
        if abs(got_std / want_std - 1) > 0.1 or abs(value.mean().item()) > 0.1 * want_std:
            _fail(f"GPT init: {ours} has std {got_std:.4g}, Hugging Face's GPT-2 init gives {want_std:.4g}: "
                  f"{_std_hint(ours, got_std, want_std, config)}")
    return model


def check_gpt(GPT, config=CHECK_CONFIG):
    _check_init(GPT)
    _passed("GPT: structure, tied lm_head, and GPT-2's initialisation (N(0, 0.02^2); c_proj / sqrt(2 n_layer))")
    model = _build(GPT, config, what="GPT")
    _check_structure(model, config)
    hf = _randomize(_hf(GPT2LMHeadModel(hf_config(config))))
    copy_hf_into(model, hf)
    no_ln_f = _edited(hf, lambda m: (m.transformer.ln_f.weight.zero_(), m.transformer.ln_f.bias.zero_()))
    g = torch.Generator().manual_seed(6)
    for T in (5, config.block_size):  # a short sequence and the full context
        idx = torch.randint(0, config.vocab_size, (2, T), generator=g)
        got = _output(model, idx)
        with torch.no_grad():
            expected = hf(idx).logits
        if isinstance(got, torch.Tensor) and got.shape == expected.shape and not _close(got, expected):
            probe = copy.deepcopy(model)
            copy_hf_into(probe, no_ln_f)  # ln_f outputs zeros, so the logits must be zeros
            if _output(probe, idx).abs().max() > 1e-12:
                _fail("GPT: apply the final LayerNorm ln_f to the last block's output, then lm_head")
        _diagnose(f"GPT logits (T = {T})", got, expected, [],
                  "Apply embed, every block of self.h in order, ln_f, then lm_head; return the logits (B, T, V).")
    _differentiable(model, "GPT", idx)
    _passed("GPT logits match GPT2LMHeadModel's in float64")


# ----------------------------------------------------------------------------------------------
# 7. The loss


def check_loss(next_token_loss, config=CHECK_CONFIG):
    V = config.vocab_size
    g = torch.Generator().manual_seed(7)
    B, T = 3, 9
    idx = torch.randint(0, V, (B, T), generator=g)
    logits = torch.randn(B, T, V, generator=g, dtype=torch.float64)
    got = next_token_loss(logits, idx)
    if not isinstance(got, torch.Tensor) or got.dim() != 0:
        _fail("next_token_loss should return a scalar tensor (the mean over all predicted positions)")
    expected = ForCausalLMLoss(logits, idx, vocab_size=V)  # Hugging Face shifts the labels itself
    if abs(got.item() / expected.item() - B * (T - 1)) < 1e-4:
        _fail("next_token_loss: average over the B * (T - 1) predictions, do not sum")

    def peaked(at):  # logits that put (almost) all mass on token `at[b, t]` at position t
        return 40.0 * F.one_hot(at, V).double()

    nxt = peaked(torch.cat([idx[:, 1:], idx[:, :1]], dim=1))
    nxt[:, -1] = 0.0  # the last position has no next token: any prediction there must not count
    if next_token_loss(peaked(idx), idx).item() < 1e-6:
        _fail("next_token_loss: the targets are not shifted; the logits at position t predict token t + 1")
    if next_token_loss(peaked(torch.cat([idx[:, -1:], idx[:, :-1]], dim=1)), idx).item() < 1e-6:
        _fail("next_token_loss: shifted the wrong way; the logits at position t predict token t + 1, not t - 1")
    if abs(next_token_loss(nxt, idx).item() - math.log(V) / T) < 1e-6:
        _fail("next_token_loss: the last position has no next token (torch.roll wraps token 0 around "
              "as its target); drop it")
    if abs(got.item() - expected.item()) > 1e-5 * expected.item():
        _fail(f"next_token_loss = {got.item():.6f}, Hugging Face's GPT-2 loss is {expected.item():.6f}. Is it the "
              "cross-entropy of the raw logits (F.cross_entropy applies log_softmax itself), averaged over "
              "the predictions of positions 0..T-2?")
    if not next_token_loss(logits.requires_grad_(), idx).requires_grad:
        _fail("next_token_loss: the loss must be differentiable (no .item() or .detach())")
    _passed("next_token_loss == Hugging Face's causal LM loss (position t predicts token t + 1)")


# ----------------------------------------------------------------------------------------------
# 8. Loading Hugging Face's weights into your GPT


def check_load(load_hf_weights, GPT, config=CHECK_CONFIG):
    model = _build(GPT, config, what="GPT")
    before = {ours: param.detach().clone() for ours, param in model.named_parameters()}
    hf = _randomize(_hf(GPT2LMHeadModel(hf_config(config))), seed=8)
    state = hf.state_dict()
    load_hf_weights(model, state)
    if model.lm_head.weight is not model.embed.wte.weight:
        _fail("load_hf_weights broke the tie between lm_head and wte: copy into the existing Parameter "
              "(p.copy_(...) under torch.no_grad()) rather than assigning a new one")
    for ours, param in model.named_parameters():
        key = hf_name(ours)
        want = state[key]
        conv1d = isinstance(hf.get_submodule(key.rsplit(".", 1)[0]), Conv1D) and key.endswith("weight")
        if conv1d and param.shape == want.shape and torch.equal(param.detach(), want):
            _fail(f"load_hf_weights: {ours} was copied without transposing; Hugging Face's Conv1D stores "
                  "(in, out), nn.Linear (out, in)")
        if torch.equal(param.detach(), before[ours]):
            _fail(f"load_hf_weights: {ours} still has its initial values; it was not loaded from {key}")
        if not torch.equal(param.detach(), want.T if conv1d else want):
            _fail(f"load_hf_weights: {ours} differs from {key}" + (" (transposed)" if conv1d else ""))
    for broken, problem in [({k: v for k, v in state.items() if not k.endswith("h.1.mlp.c_fc.bias")},
                             "a key missing (transformer.h.1.mlp.c_fc.bias)"),
                            ({**state, "transformer.wte.weight": state["transformer.wte.weight"][:-1]},
                             "a wrong shape (transformer.wte.weight)")]:
        try:
            load_hf_weights(_build(GPT, config, what="GPT"), broken)
        except Exception:  # any clear error will do
            continue
        _fail(f"load_hf_weights accepted a state dict with {problem}; fail loudly, or a half-loaded model "
              "goes unnoticed")
    idx = torch.randint(0, config.vocab_size, (2, 9), generator=torch.Generator().manual_seed(9))
    diff = compare_logits(model, hf, idx)
    if diff > TOL:
        _fail(f"after loading, your logits differ from Hugging Face's by {diff:.3g}")
    _passed("load_hf_weights: every weight copied (Conv1D transposed), tie kept, strict; logits match")


def compare_logits(model, hf_model, idx):
    """max |your logits - Hugging Face's| for the token ids idx (B, T)."""
    with torch.no_grad():
        ours = model(idx)
        ours = ours[0] if isinstance(ours, tuple) else ours
        return (ours - hf_model(idx).logits).abs().max().item()
