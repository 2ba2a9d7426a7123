"""Section "Bigrams and skip-trigrams": the zero- and one-layer models of text_grammar.py and the page.

Recomputed from the shipped weights (text0.bin, text1.bin) and checked against the language's
known structure: what the page says it shows must be what the weights do.
"""

from __future__ import annotations

import importlib
import json

import pytest
import torch

from tests.circuits.circuits_src import DATA, export_weights
from tests.circuits.test_phase_change import QUOTED, lookup, shown
from tests.support import ROOT

text_models = importlib.import_module("text_models")        # course_src/circuits is on sys.path
grammar = importlib.import_module("text_grammar")
PAGE = ROOT / "docs" / "circuits" / "bigrams-and-skip-trigrams.md"


def text_results() -> dict:
    return json.loads((DATA / "text_results.json").read_text())


@pytest.fixture(scope="module")
def models():
    return export_weights.load_model(DATA / "text0.bin"), export_weights.load_model(DATA / "text1.bin")


def _close(a, b, tol=2e-4):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], tol) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_close(x, y, tol) for x, y in zip(a, b, strict=True))
    return abs(a - b) <= tol if isinstance(a, float) else a == b


def test_text_results_json_is_reproduced_from_the_shipped_weights(models):
    fresh = export_weights.rounded(text_models.measure(*models))
    old = text_results()
    for key, value in fresh.items():
        assert _close(value, old[key]), key


def test_every_number_the_page_quotes_matches_text_results_json():
    quoted = QUOTED.findall(PAGE.read_text())
    assert len(quoted) >= 8
    for value, name, path in quoted:
        assert name == "text_results.json"
        assert value == shown(lookup(text_results(), path)), path


def test_the_bigram_table_has_the_grammar_in_it(models):
    r = text_results()["bigram_top"]
    assert set(r["the"]) <= set(grammar.ADJECTIVES) | set(grammar.NOUNS)
    for adjective in grammar.ADJECTIVES:
        assert set(r[adjective]) <= set(grammar.NOUNS), adjective
    for noun in grammar.NOUNS:
        assert r[noun][0] == "." and set(r[noun][1:]) <= {"keeps", *grammar.VERBS}, noun
    assert set(r["in"][:2]) == {"mind", "the"} and set(r["at"][:2]) == {"bay", "the"}


def test_the_one_layer_head_writes_both_skip_trigrams_and_their_bug():
    r = text_results()
    assert r["qk_top_key"]["in"] == r["qk_top_key"]["at"] == "keeps"
    ov = r["ov_keeps_centred"]
    assert ov["mind"] > 3 and ov["bay"] > 3, "attending to 'keeps' raises both completions"
    probes = r["probes"]
    assert probes["the dog keeps the cat in"]["mind"] > 0.9 and probes["the dog keeps the cat at"]["bay"] > 0.9
    assert r["bug_log10_ratio"]["in_bay"] > 3 and r["bug_log10_ratio"]["at_mind"] > 3, "raised 1,000-fold or more"


def test_pure_python_forward_pass_matches_torch_on_both_text_models(models):
    import sys
    for folder in (ROOT / "build_tools" / "blocks" / "runtime", ROOT / "course_src" / "pages"):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    from tiny_transformer import forward, parse_weights
    tokens = grammar.encode("the dog keeps the small cat in mind . the bird sees the man at")
    for model, name in zip(models, ("text0.bin", "text1.bin"), strict=True):
        cfg, W = parse_weights((DATA / name).read_bytes())
        logits, _ = forward(cfg, W, tokens)
        with torch.no_grad():
            ref = model(torch.tensor([tokens]))[0]
        assert torch.allclose(torch.tensor(logits), ref, atol=1e-3), name


def test_training_is_short_and_the_smoke_run_learns_the_language():
    """The export's code path in a few hundred steps: the one-layer model beats the zero-layer one."""
    torch.set_num_threads(1)
    (m0, c0), (m1, c1) = (text_models.train_text_model(n, steps=300) for n in (0, 1))
    assert c1[-1][1] < c0[-1][1] < c0[0][1]
    assert text_models.next_token_probs(m1, "the dog keeps the cat in")["mind"] > 0.3


def test_page_blocks_run_under_cpython():
    """Fast CPython pass over the page (the site-wide suite also runs them in Node-Pyodide)."""
    from build_tools.blocks.check import plan, run_cpython
    name = f"circuits/{PAGE.name}"
    pyodide_jobs, cpython_jobs, errors = plan([name])
    assert not errors, errors
    out = run_cpython({**pyodide_jobs, **cpython_jobs})
    results = out["pages"][name]["results"]
    assert len(results) == 6
    for result in results:
        assert result["ok"], f"block {result['id']} (line {result['line']}): {result['problem']}"


# The exercise "which earlier token does each token look for?": mistakes readers make, each caught.
WRONG_ATTENDS_TO = {
    "column instead of row (transposed QK)": """
def attends_to(qk, query, vocab):
    col = [row[vocab.index(query)] for row in qk]
    return vocab[max(range(len(col)), key=col.__getitem__)]
""",
    "smallest entry instead of largest": """
def attends_to(qk, query, vocab):
    row = qk[vocab.index(query)]
    return vocab[min(range(len(row)), key=row.__getitem__)]
""",
    "index instead of word": """
def attends_to(qk, query, vocab):
    row = qk[vocab.index(query)]
    return max(range(len(row)), key=row.__getitem__)
""",
    "largest entry of the whole matrix": """
def attends_to(qk, query, vocab):
    best = max((v, j) for row in qk for j, v in enumerate(row))
    return vocab[best[1]]
""",
    "largest value instead of its key": """
def attends_to(qk, query, vocab):
    return max(qk[vocab.index(query)])
""",
}


@pytest.mark.parametrize("mistake", list(WRONG_ATTENDS_TO))
def test_attends_to_checks_catch_plausible_mistakes(mistake):
    from tests.page_checks import failed_messages
    messages = failed_messages(f"circuits/{PAGE.name}", "attends-to", WRONG_ATTENDS_TO[mistake])
    assert messages.strip(), mistake


def test_attends_to_checks_pass_the_solution_and_name_the_mistake():
    from tests.page_checks import failed_messages, passes
    solution = """
def attends_to(qk, query, vocab):
    row = qk[vocab.index(query)]
    return vocab[max(range(len(row)), key=row.__getitem__)]
"""
    assert passes(f"circuits/{PAGE.name}", "attends-to", solution)
    transposed = WRONG_ATTENDS_TO["column instead of row (transposed QK)"]
    assert "column" in failed_messages(f"circuits/{PAGE.name}", "attends-to", transposed)
    assert "index" in failed_messages(f"circuits/{PAGE.name}", "attends-to", WRONG_ATTENDS_TO["index instead of word"])
