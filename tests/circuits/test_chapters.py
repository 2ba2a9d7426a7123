"""The circuits chapters: section cards, quoted numbers from results.json, and their runnable blocks."""

from __future__ import annotations

import re

import pytest

from tests.circuits.circuits_src import PAGES, results
from tests.support import ROOT

# A number quoted in prose is written **value**{: data-result="key" } and must equal results.json.
QUOTED = re.compile(r'\*\*([^*]+)\*\*\{:\s*data-result="([a-z0-9_]+)"\s*\}')


def test_every_chapter_has_a_section_card_and_learning_goals():
    assert len(PAGES) == 7  # sections 1-6 and the audit (07-audit.md)
    for page in PAGES:
        text = page.read_text()
        assert text.startswith("---\n"), page.name
        card = text.split("---\n")[1]
        for key in ("time:", "prerequisites:", "you_will:", "drop_in:"):
            assert key in card, f"{page.name}: section card lacks {key}"
        assert "Learning goals" in text, page.name


def test_numbers_quoted_in_prose_match_results_json():
    r = results()
    quoted = [(page.name, value, key) for page in PAGES for value, key in QUOTED.findall(page.read_text())]
    assert quoted, "chapter 4 quotes the phase-change step from results.json"
    for page, value, key in quoted:
        expected = r[key]
        shown = f"{expected:.2f}" if isinstance(expected, float) else f"{expected:,}"
        assert value == shown, f"{page}: quotes {key} as {value}, results.json says {shown}"


def test_the_track_index_lists_its_chapters_through_the_generated_drop_in_map():
    """The map is built from nav order and each chapter's card (tests/unit/test_cards.py), so the
    index keeps no hand-written chapter table that could drift."""
    index = (ROOT / "docs" / "circuits" / "index.md").read_text()
    assert re.search(r"^<!-- drop-in-map -->$", index, flags=re.M)
    assert not re.findall(r"^\| \[[^]]+\]\(0\d-[^)]+\.md\)", index, flags=re.M)


def test_every_browser_chapter_has_runnable_blocks_and_an_exercise():
    for page in PAGES:
        text = page.read_text()
        assert "```pyodide" in text and "# %% check" in text and "# %% solution" in text, page.name


@pytest.mark.parametrize("page", [p.name for p in PAGES])
def test_chapter_blocks_run_and_exercises_pass_with_solutions_under_cpython(page):
    """Fast CPython pass over the page (the site-wide suite also runs them in Node-Pyodide)."""
    from build_tools.blocks.check import plan, run_cpython

    pyodide_jobs, cpython_jobs, errors = plan([f"circuits/{page}"])
    assert not errors, errors
    jobs = {**pyodide_jobs, **cpython_jobs}
    out = run_cpython(jobs)
    for result in out["pages"][f"circuits/{page}"]["results"]:
        assert result["ok"], f"{page} block {result['id']} (line {result['line']}): {result['problem']}"


# ---------------------------------------------------------------- claims in the prose of chapters 2, 3 and 5
# (the behaviour of the shipped model is pinned with torch in test_tools_causal.py and test_tools_weights.py)

def chapter(name: str) -> str:
    return (ROOT / "docs" / "circuits" / name).read_text()


def test_chapter_2_counts_the_multiply_adds_of_both_orders():
    v, d, dh = 64, 64, 16
    thin_first = 2 * v * d * dh + v * dh * v            # W_E W_Q, W_E W_K, then (v x dh)(dh x v)
    full_first = d * dh * d + 2 * v * d * d             # W_QK, then W_E W_QK, then (.) W_E^T
    text = chapter("02-one-layer.md")
    assert f"**{thin_first:,}**" in text and f"**{full_first:,}**" in text
    assert full_first / thin_first == 3 and "three times as many" in text


def test_chapter_5_counts_its_forward_passes_and_its_ablation_claims_match_results_json():
    r = results()
    passes = 1 + 2 * 4 + len(["induction heads", "previous-token heads"])
    assert passes == 11 and "eleven forward passes" in chapter("05-take-it-apart.md")
    prev, zero = r["prev_token_scores"][0], r["zero_ablation"]
    assert abs(prev[2] - prev[3]) < 0.1 and zero[0][3] > 2 * zero[0][2]   # "nearly the same score ... far more"
    assert min(zero[1]) == zero[1][2]                                      # "1.2 ... costs the least"
    assert zero[0][0] < r["clean_loss"] < r["mean_ablation"][0][0]         # the sign flip, on the shipped 256


def test_chapter_3_baseline_claims_hold_for_q_k_and_v():
    from tests.circuits.tools_support import circuits_weights as cw
    from tests.circuits.tools_support import tiny_transformer as tt

    cfg, W = tt.load_weights("circuits/attn2.bin")
    comp = results()["composition"]

    def z(kind, a, b):
        s = cw.summary(cw.rotation_baseline(cw.W_OV(W, 0, a), cw.MATRIX[kind](W, 1, b), samples=40, seed=4 * a + b))
        return (comp[kind][a][b] - s["mean"]) / s["sd"]

    assert all(z("V", a, b) < 0 for a in range(4) for b in range(4))   # "every pair sits below baseline"
    assert z("Q", 0, 1) > 2.5 and z("Q", 0, 3) > 2.5                   # "0.0 stands out into 1.1 and 1.3"
    assert all(z("K", 3, b) > 3 for b in range(4))                      # "0.3 ... several sd above"
