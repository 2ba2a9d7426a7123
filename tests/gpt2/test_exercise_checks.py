"""The checks of 01_model pass the published solutions, reject the mistakes learners make and name
each one (test the tests), and the exercise notebook shows none of the solutions."""

from __future__ import annotations

import json
import math
import re

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from tests.gpt2.course import GPT2_SRC, definitions
from tests.gpt2.course import model_checks as checks
from tests.support import ROOT

SOLUTIONS = ["LayerNorm", "Embedding", "CausalSelfAttention", "gelu_tanh", "MLP", "Block", "GPT",
             "next_token_loss", "load_hf_weights"]


@pytest.fixture(scope="module")
def s():
    """The solutions exactly as written in course_src/gpt2/01_model.py."""
    namespace = {"torch": torch, "math": math, "nn": nn, "F": F}
    return definitions("01_model.py", SOLUTIONS, namespace)


CHECKS = {  # check -> what it is given, from the solutions
    "check_layer_norm": lambda s: (s["LayerNorm"],),
    "check_embedding": lambda s: (s["Embedding"],),
    "check_attention": lambda s: (s["CausalSelfAttention"],),
    "check_gelu": lambda s: (s["gelu_tanh"],),
    "check_mlp": lambda s: (s["MLP"],),
    "check_block": lambda s: (s["Block"],),
    "check_gpt": lambda s: (s["GPT"],),
    "check_loss": lambda s: (s["next_token_loss"],),
    "check_load": lambda s: (s["load_hf_weights"], s["GPT"]),
}


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_every_check_passes_the_published_solution(s, check, capsys):
    getattr(checks, check)(*CHECKS[check](s))
    assert "PASS" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# Wrong implementations: each is a mistake learners make; the check must fail and name it.


def layer_norm(s, *, unbiased=False, eps_outside=False, eps=None, affine="after", dim=-1, names=("weight", "bias")):
    class Wrong(nn.Module):
        def __init__(self, n_embd, eps_=1e-5):
            super().__init__()
            self.eps = eps_ if eps is None else eps
            setattr(self, names[0], nn.Parameter(torch.ones(n_embd)))
            setattr(self, names[1], nn.Parameter(torch.zeros(n_embd)))

        def forward(self, x):
            mean = x.mean(dim, keepdim=True)
            var = x.var(dim, keepdim=True, unbiased=unbiased)
            norm = (x - mean) / (var.sqrt() + self.eps if eps_outside else (var + self.eps).sqrt())
            w, b = getattr(self, names[0]), getattr(self, names[1])
            return {"after": norm * w + b, "none": norm, "swapped": norm * b + w, "no_bias": norm * w}[affine]
    return Wrong


class SubclassedLayerNorm(nn.LayerNorm):
    pass


def embedding(s, *, positions="arange", scale=1.0, swap_tables=False):
    class Wrong(s["Embedding"]):
        def __init__(self, config):
            super().__init__(config)
            if swap_tables:
                self.wte = nn.Embedding(config.block_size, config.n_embd)
                self.wpe = nn.Embedding(config.vocab_size, config.n_embd)

        def forward(self, idx):
            T = idx.size(1)
            tok = self.wte(idx)
            if positions == "none":
                return tok * scale
            pos = {"arange": torch.arange(T), "from1": torch.arange(1, T + 1), "token": idx}[positions]
            return (tok + self.wpe(pos)) * scale
    return Wrong


def attention(s, *, scale="sqrt", mask="before", fill=float("-inf"), diagonal=0, split="heads", merge="transpose",
              order=(0, 1, 2), proj="linear", softmax_dim=-1):
    class Wrong(s["CausalSelfAttention"]):
        def forward(self, x):
            B, T, C = x.shape
            nh, hs = self.n_head, C // self.n_head
            parts = self.c_attn(x).split(C, dim=2)
            q, k, v = (parts[i] for i in order)
            if split == "heads":
                q, k, v = (t.view(B, T, nh, hs).transpose(1, 2) for t in (q, k, v))
            elif split == "interleaved":
                q, k, v = (t.view(B, T, hs, nh).permute(0, 3, 1, 2) for t in (q, k, v))
            else:  # "no_transpose": a view that mixes time and channels
                q, k, v = (t.reshape(B, nh, T, hs) for t in (q, k, v))
            factor = {"sqrt": 1 / math.sqrt(hs), "none": 1.0, "hs": 1 / hs, "C": 1 / math.sqrt(C)}[scale]
            scores = q @ k.transpose(-2, -1) * factor
            allowed = torch.ones(T, T, dtype=torch.bool).tril(diagonal)
            if mask == "upper":
                allowed = torch.ones(T, T, dtype=torch.bool).triu()
            if mask in ("before", "upper"):
                scores = scores.masked_fill(~allowed, fill)
            if mask == "added":  # the 0/1 mask added to the scores instead of -inf where masked
                scores = scores + allowed.double()
            weights = F.softmax(scores, dim=softmax_dim)
            if mask == "after":
                weights = weights.masked_fill(~allowed, 0.0)
            y = weights @ v
            y = y.transpose(1, 2).reshape(B, T, C) if merge == "transpose" else y.reshape(B, T, C)
            if proj == "none":
                return y
            if proj == "transposed":
                return y @ self.c_proj.weight + self.c_proj.bias
            return self.c_proj(y)
    return Wrong


def mlp(s, activation):
    class Wrong(s["MLP"]):
        def forward(self, x):
            return self.c_proj(activation(self.c_fc(x)))
    return Wrong


def block(s, forward):
    class Wrong(s["Block"]):
        pass
    Wrong.forward = forward
    return Wrong


def gpt(s, *, tie=True, init=True, residual_std=lambda L: 0.02 / math.sqrt(2 * L), wpe_std=0.02, ln_f=True,
        head_bias=False, zero_biases=True, blocks=None):
    class Wrong(s["GPT"]):
        def __init__(self, config):
            nn.Module.__init__(self)
            self.config = config
            self.embed = s["Embedding"](config)
            self.h = nn.ModuleList([s["Block"](config) for _ in range(config.n_layer)])
            self.ln_f = s["LayerNorm"](config.n_embd)
            self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=head_bias)
            if init:
                for module in self.modules():
                    if isinstance(module, (nn.Linear, nn.Embedding)):
                        nn.init.normal_(module.weight, std=0.02)
                    if zero_biases and isinstance(module, nn.Linear) and module.bias is not None:
                        nn.init.zeros_(module.bias)
                nn.init.normal_(self.embed.wpe.weight, std=wpe_std)
                for name, p in self.named_parameters():
                    if name.endswith("c_proj.weight"):
                        nn.init.normal_(p, std=residual_std(config.n_layer))
            if tie:
                self.lm_head.weight = self.embed.wte.weight
            else:
                self.lm_head.weight = nn.Parameter(self.embed.wte.weight.detach().clone())

        def forward(self, idx):
            x = self.embed(idx)
            for b in self.h[:blocks]:
                x = b(x)
            return self.lm_head(self.ln_f(x) if ln_f else x)
    return Wrong


def nanogpt_layout(s):
    class Wrong(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.transformer = nn.ModuleDict(dict(embed=s["Embedding"](config), ln_f=s["LayerNorm"](config.n_embd)))
            self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
    return Wrong


def loss(targets, *, reduction="mean"):
    def next_token_loss(logits, idx):
        if targets == "unshifted":
            lg, tg = logits, idx
        elif targets == "backwards":
            lg, tg = logits[:, 1:], idx[:, :-1]
        elif targets == "roll":
            lg, tg = logits, idx.roll(-1, dims=1)
        else:
            lg, tg = logits[:, :-1], idx[:, 1:]
        if targets == "softmax":
            lg = F.softmax(lg, dim=-1)
        return F.cross_entropy(lg.reshape(-1, lg.size(-1)), tg.reshape(-1), reduction=reduction)
    return next_token_loss


CONV1D = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")


def loader(*, transpose="by_name", lenient=False, replace=False, skip=()):
    def load_hf_weights(model, state):
        with torch.no_grad():
            params = dict(model.named_parameters())
            for name, p in params.items():
                key = "transformer." + name.removeprefix("embed.")
                if any(part in name for part in skip) or (lenient and key not in state):
                    continue
                w = state[key]
                if transpose == "by_shape" and w.shape != p.shape:
                    w = w.T  # the square attn.c_proj slips through untransposed
                elif transpose == "by_name" and name.endswith(CONV1D):
                    w = w.T
                if replace:
                    parent, attr = name.rsplit(".", 1)
                    setattr(model.get_submodule(parent), attr, nn.Parameter(w.clone()))
                elif lenient and w.shape != p.shape:
                    continue
                else:
                    p.copy_(w)
        return model
    return load_hf_weights


def _post_ln(self, x):
    x = self.ln_1(x + self.attn(x))
    return self.ln_2(x + self.mlp(x))


def _one_norm(self, x):
    x = x + self.attn(self.ln_1(x))
    return x + self.mlp(self.ln_1(x))


def _parallel(self, x):
    return x + self.attn(self.ln_1(x)) + self.mlp(self.ln_2(x))


def _no_residual(self, x):
    return self.mlp(self.ln_2(self.attn(self.ln_1(x))))


def _residual_from_normed(self, x):
    h = self.ln_1(x)
    h = h + self.attn(h)
    h2 = self.ln_2(h)
    return h2 + self.mlp(h2)


def _no_mlp(self, x):
    return x + self.attn(self.ln_1(x))


def _cubic_typo(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**2)))


def _float32_constant(x):
    return 0.5 * x * (1 + torch.tanh(torch.tensor(2 / math.pi).sqrt() * (x + 0.044715 * x**3)))


def _as_float(logits, idx):
    return loss("shifted")(logits, idx).item()


# (check, mistake, the wrong implementation from the solutions, words the message must contain)
MISTAKES = [
    ("check_layer_norm", "unbiased variance", lambda s: layer_norm(s, unbiased=True), "biased variance"),
    ("check_layer_norm", "eps outside the sqrt", lambda s: layer_norm(s, eps_outside=True), "epsilon inside the sqrt"),
    ("check_layer_norm", "no gain and bias", lambda s: layer_norm(s, affine="none"), "learned gain (weight) and bias"),
    ("check_layer_norm", "gain and bias swapped", lambda s: layer_norm(s, affine="swapped"), "weight multiplies"),
    ("check_layer_norm", "bias never added", lambda s: layer_norm(s, affine="no_bias"), "add the bias too"),
    ("check_layer_norm", "eps 1e-6", lambda s: layer_norm(s, eps=1e-6), "eps should be 1e-5"),
    ("check_layer_norm", "no eps", lambda s: layer_norm(s, eps=0.0), "add eps"),
    ("check_layer_norm", "normalised over the batch", lambda s: layer_norm(s, dim=0), "last dimension"),
    ("check_layer_norm", "parameters named gamma, beta", lambda s: layer_norm(s, names=("gamma", "beta")),
     "parameters should be"),
    ("check_layer_norm", "subclass of nn.LayerNorm", lambda s: SubclassedLayerNorm, "write it yourself"),
    ("check_embedding", "no position embeddings", lambda s: embedding(s, positions="none"), "add the position"),
    ("check_embedding", "positions start at 1", lambda s: embedding(s, positions="from1"), "positions start at 0"),
    ("check_embedding", "wpe indexed by token id", lambda s: embedding(s, positions="token"), "not by token id"),
    ("check_embedding", "scaled by sqrt(n_embd)", lambda s: embedding(s, scale=math.sqrt(32)), "sqrt(n_embd)"),
    ("check_embedding", "tables swapped", lambda s: embedding(s, swap_tables=True), "wte is the token table"),
    ("check_attention", "no mask", lambda s: attention(s, mask="none"), "future positions leak"),
    ("check_attention", "masked with 0, not -inf", lambda s: attention(s, fill=0.0), "future positions leak"),
    ("check_attention", "0/1 mask added to the scores", lambda s: attention(s, mask="added"), "Check the mask"),
    ("check_attention", "mask after the softmax", lambda s: attention(s, mask="after"), "after the softmax"),
    ("check_attention", "upper-triangular mask", lambda s: attention(s, mask="upper"), "wrong way round"),
    ("check_attention", "mask without its diagonal", lambda s: attention(s, diagonal=-1), "diagonal"),
    ("check_attention", "softmax over the queries", lambda s: attention(s, softmax_dim=-2), "over the keys"),
    ("check_attention", "no scale", lambda s: attention(s, scale="none"), "1/sqrt(head_size)"),
    ("check_attention", "divided by head_size", lambda s: attention(s, scale="hs"), "not head_size"),
    ("check_attention", "divided by sqrt(n_embd)", lambda s: attention(s, scale="C"), "not 1/sqrt(n_embd)"),
    ("check_attention", "c_proj weight used transposed", lambda s: attention(s, proj="transposed"), "transposed"),
    ("check_attention", "no c_proj", lambda s: attention(s, proj="none"), "c_proj at the end"),
    ("check_attention", "q and k swapped", lambda s: attention(s, order=(1, 0, 2)), "q and k are swapped"),
    ("check_attention", "v taken as k", lambda s: attention(s, order=(0, 2, 1)), "[q | k | v]"),
    ("check_attention", "interleaved head split", lambda s: attention(s, split="interleaved"), "wrong head split"),
    ("check_attention", "heads reshaped without a transpose", lambda s: attention(s, split="no_transpose"),
     "split the channels into heads"),
    ("check_attention", "heads merged without a transpose", lambda s: attention(s, merge="reshape"),
     "split the channels into heads"),
    ("check_gelu", "exact erf GELU", lambda s: F.gelu, "exact (erf) GELU"),
    ("check_gelu", "ReLU", lambda s: F.relu, "that is ReLU"),
    ("check_gelu", "sigmoid approximation", lambda s: lambda x: x * torch.sigmoid(1.702 * x), "sigmoid approximation"),
    ("check_gelu", "x**2 for x**3", lambda s: _cubic_typo, "differs from Hugging Face"),
    ("check_gelu", "a float32 constant", lambda s: _float32_constant, "float32"),
    ("check_mlp", "exact erf GELU", lambda s: mlp(s, F.gelu), "exact (erf) GELU"),
    ("check_mlp", "ReLU", lambda s: mlp(s, F.relu), "not ReLU"),
    ("check_mlp", "no activation", lambda s: mlp(s, lambda x: x), "apply GELU"),
    ("check_block", "post-LN", lambda s: block(s, _post_ln), "pre-LN"),
    ("check_block", "ln_1 used for the MLP", lambda s: block(s, _one_norm), "ln_2"),
    ("check_block", "parallel sub-blocks", lambda s: block(s, _parallel), "not parallel"),
    ("check_block", "no residual", lambda s: block(s, _no_residual), "residual stream"),
    ("check_block", "residual added to ln_1(x)", lambda s: block(s, _residual_from_normed), "un-normalised"),
    ("check_block", "MLP sub-block missing", lambda s: block(s, _no_mlp), "two sub-blocks"),
    ("check_gpt", "untied lm_head (a copy)", lambda s: gpt(s, tie=False), "tie the unembedding"),
    ("check_gpt", "PyTorch's default init", lambda s: gpt(s, init=False), "nn.Embedding's default"),
    ("check_gpt", "c_proj not scaled", lambda s: gpt(s, residual_std=lambda L: 0.02), "1/sqrt(2 * n_layer)"),
    ("check_gpt", "c_proj / sqrt(n_layer)", lambda s: gpt(s, residual_std=lambda L: 0.02 / math.sqrt(L)),
     "N = 2 * n_layer"),
    ("check_gpt", "wpe std 0.01", lambda s: gpt(s, wpe_std=0.01), "0.01"),
    ("check_gpt", "biases left at nn.Linear's init", lambda s: gpt(s, zero_biases=False), "biases 0"),
    ("check_gpt", "lm_head with a bias", lambda s: gpt(s, head_bias=True), "bias=False"),
    ("check_gpt", "no final LayerNorm", lambda s: gpt(s, ln_f=False), "final LayerNorm ln_f"),
    ("check_gpt", "only the first block applied", lambda s: gpt(s, blocks=1), "every block of self.h"),
    ("check_gpt", "nanoGPT's transformer ModuleDict", lambda s: nanogpt_layout(s), "self.embed"),
    ("check_loss", "targets not shifted", lambda s: loss("unshifted"), "not shifted"),
    ("check_loss", "shifted the wrong way", lambda s: loss("backwards"), "wrong way"),
    ("check_loss", "torch.roll", lambda s: loss("roll"), "torch.roll"),
    ("check_loss", "summed, not averaged", lambda s: loss("shifted", reduction="sum"), "do not sum"),
    ("check_loss", "softmax before cross_entropy", lambda s: loss("softmax"), "raw logits"),
    ("check_loss", "a Python float (.item())", lambda s: _as_float, "scalar tensor"),
    ("check_load", "transposed by shape", lambda s: (loader(transpose="by_shape"), s["GPT"]), "without transposing"),
    ("check_load", "skips what it cannot find", lambda s: (loader(lenient=True), s["GPT"]), "fail loudly"),
    ("check_load", "replaces the Parameters", lambda s: (loader(replace=True), s["GPT"]), "broke the tie"),
    ("check_load", "forgets wpe", lambda s: (loader(skip=("wpe",)), s["GPT"]), "embed.wpe.weight still has"),
]


def test_every_check_has_at_least_three_mistakes_to_reject():
    counts = {check: sum(m[0] == check for m in MISTAKES) for check in CHECKS}
    assert all(n >= 3 for n in counts.values()), counts


@pytest.mark.parametrize("check, mistake, wrong, named", MISTAKES, ids=[f"{m[0]}: {m[1]}" for m in MISTAKES])
def test_check_rejects_the_mistake_and_names_it(s, check, mistake, wrong, named):
    given = wrong(s)
    with pytest.raises(AssertionError) as error:
        getattr(checks, check)(*(given if isinstance(given, tuple) else (given,)))
    assert named in str(error.value), str(error.value)


def test_in_float64_the_erf_gelu_stands_out_from_rounding_by_the_orders_the_text_gives(s):
    """01_model and chapter 4: with the checks' weights correct code is ~1e-14 from Hugging Face, the erf GELU ~1e-3."""
    config = checks.CHECK_CONFIG
    hf = checks._randomize(checks.GPT2LMHeadModel(checks.hf_config(config)).double().eval())
    right = s["load_hf_weights"](s["GPT"](config).double(), hf.state_dict()).eval()
    erf = s["load_hf_weights"](mlp_gpt(s, F.gelu)(config).double(), hf.state_dict()).eval()
    idx = torch.randint(0, config.vocab_size, (2, config.block_size), generator=torch.Generator().manual_seed(0))
    assert checks.compare_logits(right, hf, idx) < 1e-13
    assert 1e-4 < checks.compare_logits(erf, hf, idx) < 1e-2
    assert "agrees to about 1e-14" in (GPT2_SRC / "01_model.py").read_text(encoding="utf-8")
    assert "about $10^{-14}$" in (ROOT / "docs/gpt2/04-model.md").read_text(encoding="utf-8")


def mlp_gpt(s, activation):
    """The solution GPT whose MLPs use `activation`."""
    wrong_mlp = mlp(s, activation)

    class Wrong(s["GPT"]):
        def __init__(self, config):
            super().__init__(config)
            for b in self.h:
                b.mlp = wrong_mlp(config)
    return Wrong


def test_the_tanh_and_erf_gelus_differ_by_the_figure_the_text_gives():
    x = torch.linspace(-6, 6, 120_001, dtype=torch.float64)
    gap = (F.gelu(x) - F.gelu(x, approximate="tanh")).abs()
    at = x[gap.argmax()].item()
    assert f"{gap.max().item():.1e}" == "4.7e-04" and round(at, 1) == -2.7
    for page in (GPT2_SRC / "01_model.py", ROOT / "docs/gpt2/04-model.md"):
        text = page.read_text(encoding="utf-8")
        assert "4.7e-4" in text or "4.7 \\times 10^{-4}" in text, page


# ---------------------------------------------------------------------------------------------
# The exercise notebook shows no solution


def solution_lines():
    """Distinctive code lines of every solution region of 01_model.py (comments removed)."""
    source = (GPT2_SRC / "01_model.py").read_text(encoding="utf-8")
    regions = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, re.S)
    lines = {line.split("  #")[0].strip() for region in regions for line in region.splitlines()}
    return sorted(line for line in lines if len(line) >= 25)


def exercise_cells(kind):
    notebook = json.loads((ROOT / "docs/notebooks/gpt2/01_model.exercises.ipynb").read_text(encoding="utf-8"))
    return "\n".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == kind)


def test_the_exercise_notebook_contains_no_solution_line_and_no_reference_model():
    lines = solution_lines()
    assert len(lines) >= 20, lines
    code, instructions = exercise_cells("code"), exercise_cells("markdown")
    shown = [line for line in lines if line in code and line not in instructions]  # the text may give a line
    assert not shown, f"solution lines in the exercise notebook: {shown}"
    assert "class CausalSelfAttention(nn.Module)" in code  # the stubs are there ...
    assert code.count("raise NotImplementedError") >= 15  # ... with their bodies removed
    assert "def from_hf_state_dict" not in code and "scaled_dot_product_attention(" not in code  # no model.py


def test_the_notebook_says_where_the_reference_lives():
    text = (GPT2_SRC / "01_model.py").read_text(encoding="utf-8")
    assert "transformers/models/gpt2/modeling_gpt2.py" in text


# ---------------------------------------------------------------------------------------------
# Time estimates: a chapter's or notebook's total is the sum of its exercises' marks


EXERCISE_MARK = re.compile(r"\*Must do · about (\d+) min · difficulty [1-5] of 5\*")


@pytest.mark.parametrize("page, total", [("docs/gpt2/03-attention.md", r"about (\d+) minutes in all"),
                                         ("docs/gpt2/04-model.md", r"about (\d+) minutes in all")])
def test_a_chapters_must_do_line_adds_up_its_exercises_marks(page, total):
    text = (ROOT / page).read_text(encoding="utf-8")
    marks = [int(m) for m in EXERCISE_MARK.findall(text)]
    assert len(marks) == text.count("### Exercise:"), "every exercise has a time and difficulty mark"
    assert int(re.search(total, text).group(1)) == sum(marks)


def test_the_notebooks_plan_lists_each_sections_mark_and_adds_up_to_about_two_hours():
    text = (GPT2_SRC / "01_model.py").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^# \| (\d)\. [^|]+\| (\d+) min \|", text, re.M))
    sections = dict(re.findall(r"^# ## (\d)\. .*\n#\n# \*(?:Must do · about|About) (\d+) min", text, re.M))
    assert rows == sections and len(rows) == 9, (rows, sections)
    assert round(sum(map(int, rows.values())) / 60) == 2 and "About 2 hours in all" in text
