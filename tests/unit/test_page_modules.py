"""The page modules (course_src/pages/*.py): what runnable blocks import instead of pasting code.

Pure tests, no torch: the number helpers of the governance calculators, the list-of-rows maths and
weights reader of the circuits track, and the rules every page module keeps (standard library
only, one copy: no page defines its own). tests/circuits/test_tiny_transformer.py compares the
forward pass with the PyTorch model on the shipped weights.
"""

from __future__ import annotations

import ast
import json
import math
import struct
import sys

import pytest

from build_tools.blocks.contract import PAGE_MODULES_DIR, RUNTIME_DIR, runtime_files
from build_tools.blocks.page import read_page_blocks
from tests.support import ROOT

for folder in (RUNTIME_DIR, PAGE_MODULES_DIR):  # as every block's interpreter has them
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import governance_numbers as gn  # noqa: E402
import tiny_transformer as tt  # noqa: E402
from course import InputError  # noqa: E402

DOCS = ROOT / "docs"
MODULES = sorted(PAGE_MODULES_DIR.glob("*.py"))


# ---------------------------------------------------------------- governance_numbers

@pytest.mark.parametrize("x, shown", [
    (-7e9, "-7 × 10^9"), (0.4, "0.4"), (16_000, "16,000"), (0, "0"), (1e6, "1 × 10^6"),
    (1e15, "1 × 10^15"), (3.85e25, "3.85 × 10^25"), (1e-5, "1 × 10^-5"),
    (float("nan"), "not a number"), (float("inf"), "infinity"), (float("-inf"), "minus infinity"),
    (9.9999999e9, "1 × 10^10"),  # rounds up to the next power, never "10 × 10^9"
])
def test_readable_writes_numbers_as_a_person_would(x, shown):
    assert gn.readable(x) == shown


@pytest.mark.parametrize("x, shown", [
    (3.8e25, "3.8 × 10^25"), (1e26, "1.0 × 10^26"), (3.79e25, "3.8 × 10^25"), (6.1e24, "6.1 × 10^24"),
    (9.96e25, "1.0 × 10^26"),  # not "10.0 × 10^25"
    (-2.5e30, "-2.5 × 10^30"), (0, "0"), (float("nan"), "not a number"),
])
def test_sci_gives_one_decimal_in_powers_of_ten(x, shown):
    assert gn.sci(x) == shown


def test_require_returns_a_float_inside_the_range_including_its_ends():
    assert gn.require("days", 70, 0.01, 3650) == 70.0 and isinstance(gn.require("days", 70, 1, 3650), float)
    assert gn.require("utilisation", 1, 0.01, 1) == 1.0
    assert gn.require("utilisation", 0.01, 0.01, 1) == 0.01


@pytest.mark.parametrize("value, message", [
    (-7e9, r"^parameters = -7 × 10\^9 is not sensible: use a number from 1 × 10\^6 to 1 × 10\^15\.$"),
    (float("nan"), r"^parameters = not a number is not sensible"),
    (float("inf"), r"^parameters = infinity is not sensible"),
    ("7e9", r"^parameters must be a number, but got '7e9'\.$"),
    (True, r"^parameters must be a number, but got True\.$"),  # bool is an int to Python, not to a reader
    (None, r"^parameters must be a number"),
])
def test_require_refuses_with_a_message_naming_the_input_and_the_range(value, message):
    with pytest.raises(InputError, match=message) as error:  # the page shows its message alone
        gn.require("parameters", value, 1e6, 1e15)
    assert "e+" not in str(error.value), "computer notation a non-coder cannot read"
    assert isinstance(error.value, ValueError), "code that catches ValueError still catches it"


# ---------------------------------------------------------------- tiny_transformer: list-of-rows maths

def test_reshape_is_row_major():
    assert tt.reshape(list(range(6)), [2, 3]) == [[0, 1, 2], [3, 4, 5]]
    assert tt.reshape(list(range(8)), [2, 2, 2]) == [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]
    assert tt.reshape([1.5], [1]) == [1.5]


def test_matmul_add_and_transpose_on_lists_of_rows():
    A = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]          # (2, 3)
    B = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]        # (3, 2)
    assert tt.matmul(A, B) == [[4.0, 5.0], [10.0, 11.0]]
    assert tt.transpose(A) == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    assert tt.add(A, A) == [[2.0, 4.0, 6.0], [8.0, 10.0, 12.0]]
    assert tt.matmul([[2.0]], [[3.0]]) == [[6.0]]


def weights_file(config: dict, tensors: dict) -> bytes:
    """A weights file laid out as course_src/circuits/export_weights.py writes it."""
    index, chunks, offset = [], [], 0
    for name, (shape, values) in tensors.items():
        index.append({"name": name, "shape": shape, "offset": offset})
        chunks.append(struct.pack(f"<{len(values)}f", *values))
        offset += len(values)
    header = json.dumps({"config": config, "tensors": index}).encode()
    return struct.pack("<I", len(header)) + header + b"".join(chunks)


def test_parse_weights_reads_config_and_float32_tensors_in_shape():
    blob = weights_file({"d_model": 2}, {"a": ([2, 3], [0.5, 1, 2, 3, 4, 5]), "b": ([3], [0.1, 0.2, 0.3])})
    cfg, W = tt.parse_weights(blob)
    assert cfg == {"d_model": 2}
    assert W["a"] == [[0.5, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert W["b"] == [struct.unpack("<f", struct.pack("<f", x))[0] for x in (0.1, 0.2, 0.3)]  # float32 values


def test_load_weights_reads_the_shipped_two_layer_model():
    cfg, W = tt.load_weights("circuits/attn2.bin")
    assert (cfg["n_layers"], cfg["n_heads"], cfg["d_model"], cfg["d_head"]) == (2, 4, 64, 16)
    W_Q = W["blocks.1.attn.W_Q"]
    assert (len(W_Q), len(W_Q[0]), len(W_Q[0][0])) == (cfg["n_heads"], cfg["d_model"], cfg["d_head"])
    assert (len(W["unembed.W_U"]), len(W["unembed.W_U"][0])) == (cfg["d_model"], cfg["d_vocab"])


def tiny_model(d_vocab=5, n_ctx=6, d_model=3, n_heads=2, d_head=2, n_layers=1, fill=0.0):
    """A model with every weight `fill`, then W_E = one-hot rows, for answers by hand."""
    cfg = {"d_vocab": d_vocab, "n_ctx": n_ctx, "d_model": d_model, "n_heads": n_heads, "d_head": d_head,
           "n_layers": n_layers}

    def full(*shape):
        return tt.reshape([fill] * math.prod(shape), list(shape))

    W = {"embed.W_E": [[1.0 if j == t % d_model else 0.0 for j in range(d_model)] for t in range(d_vocab)],
         "pos_embed.W_pos": full(n_ctx, d_model), "unembed.W_U": full(d_model, d_vocab)}
    for layer in range(n_layers):
        for x in "QKV":
            W[f"blocks.{layer}.attn.W_{x}"] = full(n_heads, d_model, d_head)
        W[f"blocks.{layer}.attn.W_O"] = full(n_heads, d_head, d_model)
    return cfg, W


def test_forward_with_zero_queries_attends_uniformly_to_every_earlier_position():
    cfg, W = tiny_model(fill=0.5)
    for x in "QK":
        W[f"blocks.0.attn.W_{x}"] = tt.reshape([0.0] * 12, [2, 3, 2])
    logits, cache = tt.forward(cfg, W, [0, 1, 2, 3])
    assert cache["pattern", 0, 1] == [[1.0, 0, 0, 0], [0.5, 0.5, 0, 0], [1 / 3] * 3 + [0], [0.25] * 4]
    assert (len(logits), len(logits[0])) == (4, cfg["d_vocab"])
    assert cache["embed"][1] == [0.0 + 0.5, 1.0 + 0.5, 0.0 + 0.5]  # W_E[1] + W_pos[1]


def test_forward_without_heads_is_the_direct_path_and_ablation_removes_a_heads_write():
    cfg, W = tiny_model(fill=0.0)
    W["unembed.W_U"] = [[float(i * 10 + j) for j in range(cfg["d_vocab"])] for i in range(cfg["d_model"])]
    tokens = [0, 2, 1]
    direct = tt.matmul([W["embed.W_E"][t] for t in tokens], W["unembed.W_U"])
    assert tt.forward(cfg, W, tokens)[0] == direct  # zero W_O: the heads write nothing
    W["blocks.0.attn.W_V"][0] = [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    W["blocks.0.attn.W_O"][0] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    with_head, cache = tt.forward(cfg, W, tokens)
    assert with_head != direct and any(any(row) for row in cache["result", 0, 0])
    ablated, ablated_cache = tt.forward(cfg, W, tokens, ablate=[(0, 0)])
    assert ablated == direct and ablated_cache["result", 0, 0] == cache["result", 0, 0]


def test_losses_are_log_vocabulary_for_uniform_logits_and_small_for_a_confident_right_guess():
    assert tt.losses([[0.0] * 8] * 3, [1, 2, 3]) == pytest.approx([math.log(8)] * 2)
    sure = [[0.0, 50.0, 0.0], [0.0, 0.0, 50.0]]
    assert tt.losses(sure, [0, 1, 2]) == pytest.approx([0.0, 0.0], abs=1e-12)
    assert tt.losses(sure, [0, 2, 0])[0] == pytest.approx(50.0, rel=1e-9)


# ---------------------------------------------------------------- rules for every page module

def test_page_modules_exist_and_do_not_clash_with_the_runtime():
    assert {p.name for p in MODULES} >= {"tiny_transformer.py", "governance_numbers.py",
                                         "governance_calculators.py"}
    files = runtime_files()  # raises on a name used twice
    assert all(files[p.name] == p for p in MODULES)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_page_module_imports_only_the_standard_library_and_the_course_runtime(path):
    """They run in Pyodide with no packages loaded: no numpy, no torch."""
    allowed = set(sys.stdlib_module_names) | {"course"} | {name.removesuffix(".py") for name in runtime_files()}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
        for name in names:
            where = f"{path.name}:{node.lineno}"
            assert name.split(".")[0] in allowed, f"{where}: imports {name}, not in the standard library"
    assert ast.get_docstring(tree), f"{path.name}: say in a docstring what it is for and how a block imports it"


def defined_names(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


# The one place a page keeps its own copy on purpose: section 5 teaches the forward pass line by line
# (tests/circuits/test_tiny_transformer.py checks that it computes exactly what the module does).
TAUGHT_IN_PAGE = {("circuits/05-take-it-apart.md", "forward")}
# Three-line matrix helpers are checked only in the tracks that import them: the GPT-2 track's
# pages write their own matmul as part of what they teach.
GENERIC = {"matmul", "add", "transpose"}
USES_PAGE_MODULES = ("circuits/", "governance/")


def test_no_page_pastes_its_own_copy_of_a_page_modules_function():
    public = {name: path.stem for path in MODULES
              for name in ast.literal_eval(next(
                  node.value for node in ast.parse(path.read_text()).body
                  if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__"))}
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        rel = page.relative_to(DOCS).as_posix()
        if "```pyodide" not in page.read_text(encoding="utf-8"):
            continue
        for block in read_page_blocks(page, DOCS):
            b = block.block
            for name in defined_names("\n".join(filter(None, (b.setup, b.code, b.solution)))) & set(public):
                if (rel, name) not in TAUGHT_IN_PAGE and (name not in GENERIC or rel.startswith(USES_PAGE_MODULES)):
                    found.append(f"docs/{rel}:{block.line}: block '{block.id}' defines {name}(); "
                                 f"use `from {public[name]} import {name}`")
    assert not found, "\n".join(found)
