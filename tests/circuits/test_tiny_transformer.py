"""course_src/pages/tiny_transformer.py against the PyTorch model it re-implements, on the shipped weights.

The pure-Python pass computes in Python floats (float64) from the float32 weights, so it is compared
with the torch model converted to float64: the two differ only by summation order (~1e-12), and a
slip in the shapes, the scale, the causal mask or the ablation shows at once. The interventions
(`replace`, `read`) are compared with hooks on the torch model. Section 5 keeps its own copy of
`forward` in the page, because it teaches it; the last tests check that copy computes exactly what
the module does.
"""

from __future__ import annotations

import sys

import pytest
import torch

from build_tools.blocks.contract import PAGE_MODULES_DIR, RUNTIME_DIR
from build_tools.blocks.page import read_page_blocks
from tests.circuits.circuits_src import DATA, export_weights, results
from tests.circuits.circuits_src import induction as ind
from tests.circuits.circuits_src import scores as sc
from tests.support import ROOT

for folder in (RUNTIME_DIR, PAGE_MODULES_DIR):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import tiny_transformer as tt  # noqa: E402

MODELS = ["attn2.bin", "attn1.bin"]


def tokens_for(seed: int, d_vocab: int = 64, half: int = 20) -> list[int]:
    """BOS + `half` random tokens + the same again, as the chapters use."""
    return ind.repeated_random_tokens(1, half, d_vocab, torch.Generator().manual_seed(seed))[0].tolist()


@pytest.fixture(scope="module", params=MODELS)
def shipped(request):
    """(file name, cfg, W from the pure-Python reader, the torch model in float64)."""
    cfg, W = tt.load_weights(f"circuits/{request.param}")
    model = export_weights.load_model(DATA / request.param).double()
    return request.param, cfg, W, model


def test_reader_gives_exactly_the_float32_weights_torch_loads(shipped):
    name, cfg, W, _ = shipped
    state = export_weights.load_model(DATA / name).state_dict()  # float32, read by torch.frombuffer
    assert sorted(W) == sorted(state)
    for key, tensor in state.items():
        assert torch.equal(torch.tensor(W[key], dtype=torch.float32), tensor), key
    assert cfg == {k: v for k, v in vars(export_weights.load_model(DATA / name).cfg).items()}


def test_forward_matches_the_torch_model_in_float64_logits_patterns_and_head_outputs(shipped):
    name, cfg, W, model = shipped
    tokens = tokens_for(5)
    logits, cache = tt.forward(cfg, W, tokens)
    with torch.no_grad():
        ref_logits, ref = model.run_with_cache(torch.tensor([tokens]))
    assert torch.allclose(torch.tensor(logits, dtype=torch.float64), ref_logits[0], rtol=0, atol=1e-9), name
    embed = ref["hook_embed"][0] + ref["hook_pos_embed"][0]
    assert torch.allclose(torch.tensor(cache["embed"], dtype=torch.float64), embed, rtol=0, atol=1e-12)
    for layer in range(cfg["n_layers"]):
        pattern = ref[f"blocks.{layer}.attn.hook_pattern"][0]    # (nh, T, T)
        result = ref[f"blocks.{layer}.attn.hook_result"][0]      # (T, nh, d_model)
        for head in range(cfg["n_heads"]):
            got = torch.tensor(cache["pattern", layer, head], dtype=torch.float64)
            assert torch.allclose(got, pattern[head], rtol=0, atol=1e-12), f"{name} pattern {layer}.{head}"
            got = torch.tensor(cache["result", layer, head], dtype=torch.float64)
            assert torch.allclose(got, result[:, head], rtol=0, atol=1e-10), f"{name} result {layer}.{head}"


def test_losses_match_the_torch_per_token_loss_in_float64(shipped):
    _, cfg, W, model = shipped
    tokens = tokens_for(7)
    logits, _ = tt.forward(cfg, W, tokens)
    with torch.no_grad():
        ref = sc.per_token_loss(model(torch.tensor([tokens])), torch.tensor([tokens]))[0]
    assert torch.allclose(torch.tensor(tt.losses(logits, tokens), dtype=torch.float64), ref, rtol=0, atol=1e-9)


def test_ablation_matches_a_zero_ablation_hook_on_z_for_every_head():
    cfg, W = tt.load_weights("circuits/attn2.bin")
    model = export_weights.load_model(DATA / "attn2.bin").double()
    tokens = tokens_for(6)
    for layer in range(cfg["n_layers"]):
        for head in range(cfg["n_heads"]):
            logits, _ = tt.forward(cfg, W, tokens, ablate=[(layer, head)])
            with torch.no_grad():
                ref = model.run_with_hooks(torch.tensor([tokens]),
                                           [(f"blocks.{layer}.attn.hook_z", ind.ablate_head_hook(head))])
            assert torch.allclose(torch.tensor(logits, dtype=torch.float64), ref[0], rtol=0, atol=1e-9), (layer, head)


def test_ablating_the_shipped_induction_heads_breaks_induction_in_pure_python():
    """The claim section 5 makes in the reader's browser, with the module's forward pass."""
    cfg, W = tt.load_weights("circuits/attn2.bin")
    r = results()
    tokens = tokens_for(0)

    def second_copy(logits):  # mean loss predicting the second copy, from its second token on
        return sum(tt.losses(logits, tokens)[21:]) / 19

    clean = second_copy(tt.forward(cfg, W, tokens)[0])
    broken = second_copy(tt.forward(cfg, W, tokens, ablate=[tuple(h) for h in r["induction_heads"]])[0])
    assert clean < 1.5 and broken > clean + 2.0, (clean, broken)


def test_replace_and_read_match_hooks_on_the_torch_model():
    """replace = overwrite hook_result of one head; read = recompute one input of layer 1 from another stream."""
    cfg, W = tt.load_weights("circuits/attn2.bin")
    model = export_weights.load_model(DATA / "attn2.bin").double()
    tokens, other = tokens_for(8, half=10), tokens_for(9, half=10)
    _, other_cache = tt.forward(cfg, W, other)
    rows = [None] * 5 + [other_cache["result", 0, 3][5]] + [None] * (len(tokens) - 6)
    logits, _ = tt.forward(cfg, W, tokens, replace={(0, 3): rows})

    def patch(result, hook):  # (B, T, nh, d_model)
        result = result.clone()
        result[0, 5, 3] = torch.tensor(other_cache["result", 0, 3][5], dtype=torch.float64)
        return result

    with torch.no_grad():
        ref = model.run_with_hooks(torch.tensor([tokens]), [("blocks.0.attn.hook_result", patch)])
    assert torch.allclose(torch.tensor(logits, dtype=torch.float64), ref[0], rtol=0, atol=1e-9)

    _, cache = tt.forward(cfg, W, tokens)
    embed_only = cache["embed"]
    logits, _ = tt.forward(cfg, W, tokens, read={(1, h, "k"): embed_only for h in range(4)})
    W_K = model.blocks[1].attn.W_K
    with torch.no_grad():
        _, ref_cache = model.run_with_cache(torch.tensor([tokens]))
        layer0 = ref_cache["blocks.0.attn.hook_result"].sum(2)               # (1, T, d_model)
        ref = model.run_with_hooks(torch.tensor([tokens]), [(
            "blocks.1.attn.hook_k", lambda k, hook: k - torch.einsum("btd,hde->bthe", layer0, W_K))])
    assert torch.allclose(torch.tensor(logits, dtype=torch.float64), ref[0], rtol=0, atol=1e-9)


# ---------------------------------------------------------------- the page's own copy (section 5)

@pytest.fixture(scope="module")
def chapter_forward():
    """`forward` as docs/circuits/05-take-it-apart.md (block id="model") defines it, run under CPython."""
    blocks = read_page_blocks(ROOT / "docs" / "circuits" / "05-take-it-apart.md", ROOT / "docs")
    block = next(b for b in blocks if b.id == "model").block
    namespace = {"__name__": "chapter"}
    exec(compile(block.setup + "\n" + block.code, "05-take-it-apart.md#model", "exec"), namespace)
    return namespace["forward"]


def test_the_forward_pass_taught_in_section_5_computes_exactly_what_the_module_does(chapter_forward):
    cfg, W = tt.load_weights("circuits/attn2.bin")
    for tokens, ablate in ((tokens_for(1), ()), (tokens_for(2, half=10), [(1, 0), (0, 3)])):
        logits, cache = chapter_forward(tokens, ablate=ablate)
        ref_logits, ref_cache = tt.forward(cfg, W, tokens, ablate=ablate)
        assert logits == ref_logits, "section 5's forward and tiny_transformer.forward disagree: edit both"
        assert cache == {key: ref_cache[key] for key in cache}, "the module also caches resid_pre; the rest agrees"
