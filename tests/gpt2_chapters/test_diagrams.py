"""The Build GPT-2 track's diagrams (docs/assets/diagrams/gpt2/*.svg): true, accessible, themeable, inlined.

- The BPE diagram's merges are the ones GPT-2's ranks produce (recomputed here, and its final ids
  checked against section 1's own `bpe_encode_piece` and against tiktoken).
- The attention diagram's pattern is the softmax of the scores it shows, with the causal mask.
- Every diagram has role="img", a <title> and a real <desc>, ids that cannot clash on a page, and
  colours only from classes that docs/assets/diagrams.css defines (so dark mode reaches them).
- Every diagram is included by its chapter and arrives in the built page as an inline <svg>.
"""

from __future__ import annotations

import base64
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support import ROOT

SVG_NS = "{http://www.w3.org/2000/svg}"
DIAGRAMS = ROOT / "docs" / "assets" / "diagrams" / "gpt2"
CSS = ROOT / "docs" / "assets" / "diagrams.css"
RANKS_FILE = ROOT / "docs" / "assets" / "data" / "gpt2" / "r50k_base.tiktoken"

# diagram file -> the chapter that shows it
PAGES = {
    "bpe-merges.svg": "01-tokenization.md",
    "residual-stream.svg": "02-embeddings.md",
    "attention.svg": "03-attention.md",
    "architecture.svg": "04-model.md",
    "training-loop.svg": "05-training.md",
}
SHAPES = {"rect", "circle", "ellipse", "path", "line", "polyline", "polygon"}


def parse(name: str) -> ET.Element:
    return ET.parse(DIAGRAMS / name).getroot()


def classes(el: ET.Element) -> list[str]:
    return el.get("class", "").split()


def text_of(el: ET.Element) -> str:
    return "".join(el.itertext())


def with_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [el for el in root.iter() if cls in classes(el)]


# --- BPE ---------------------------------------------------------------------------------------

def load_ranks() -> dict[bytes, int]:
    ranks = {}
    for line in RANKS_FILE.read_text(encoding="ascii").splitlines():
        token, rank = line.split()
        ranks[base64.b64decode(token)] = int(rank)
    return ranks


def bpe_trace(piece: bytes, ranks: dict[bytes, int]) -> tuple[list[list[bytes]], list[int]]:
    """Section 1's rule (merge the adjacent pair whose joined bytes have the lowest rank, until none
    joins into a token), keeping every intermediate list of parts and the rank of each merge."""
    parts = [bytes([b]) for b in piece]
    states, merge_ranks = [list(parts)], []
    while len(parts) > 1:
        candidates = [(ranks[parts[i] + parts[i + 1]], i) for i in range(len(parts) - 1)
                      if parts[i] + parts[i + 1] in ranks]
        if not candidates:
            break
        rank, i = min(candidates)
        parts[i:i + 2] = [parts[i] + parts[i + 1]]
        states.append(list(parts))
        merge_ranks.append(rank)
    return states, merge_ranks


def diagram_bpe() -> tuple[list[list[bytes]], list[int], list[int]]:
    """(parts of each row, rank shown on each merge row, final ids) as the diagram draws them."""
    root = parse("bpe-merges.svg")
    rows = with_class(root, "bpe-step")
    assert [int(r.get("data-step")) for r in rows] == list(range(len(rows)))
    states = [[text_of(t).replace("␣", " ").encode() for t in with_class(row, "bpe-part")] for row in rows]
    ranks = [int(text_of(with_class(row, "bpe-rank")[0])) for row in rows[1:]]
    assert not with_class(rows[0], "bpe-rank"), "the first row is the bytes, before any merge"
    ids = [int(text_of(t)) for t in with_class(root, "bpe-id")]
    return states, ranks, ids


def test_bpe_diagram_is_the_merge_sequence_of_gpt2s_ranks():
    states, shown_ranks, shown_ids = diagram_bpe()
    word = b"".join(states[0])
    assert all(len(p) == 1 for p in states[0]), "the first row must be single bytes"
    ranks = load_ranks()
    expected_states, expected_ranks = bpe_trace(word, ranks)
    assert states == expected_states, "the diagram's rows differ from the merges GPT-2's ranks give"
    assert shown_ranks == expected_ranks
    assert shown_ids == [ranks[p] for p in expected_states[-1]]
    for row in with_class(parse("bpe-merges.svg"), "bpe-step")[1:]:   # the merged part is highlighted
        assert sum("diagram-accent" in classes(r) for r in row.iter(SVG_NS + "rect")) == 1


def test_bpe_diagram_agrees_with_the_chapter_and_tiktoken():
    from build_tools.blocks.check import verify_in_process
    from tests.gpt2_chapters.blocks import chapter_blocks

    states, _, shown_ids = diagram_bpe()
    word = b"".join(states[0])
    blocks = [b for b in chapter_blocks("01-tokenization.md") if b.session == "gpt2-tokenizer"]
    sessions: dict = {}
    results = verify_in_process(blocks, sessions)
    assert all(r["ok"] for r in results.values()), results
    namespace = sessions["gpt2-tokenizer"].namespace
    assert namespace["split_gpt2"](word.decode()) == [word.decode()], "the example must be one pre-token"
    assert namespace["bpe_encode_piece"](word, namespace["ranks"]) == shown_ids

    pytest.importorskip("tiktoken")
    from tests.gpt2_chapters import make_tokenizer_cases
    assert make_tokenizer_cases.r50k_base().encode_ordinary(word.decode()) == shown_ids


def test_bpe_figure_caption_and_text_name_the_drawn_ids():
    _, _, ids = diagram_bpe()
    page = (ROOT / "docs" / "gpt2" / "01-tokenization.md").read_text(encoding="utf-8")
    figure = page[page.index('id="fig-gpt2-bpe"'):page.index("</figure>", page.index('id="fig-gpt2-bpe"'))]
    for i in ids:
        assert f"id {i}" in figure


# --- attention ---------------------------------------------------------------------------------

def test_attention_pattern_is_the_masked_softmax_of_the_scores_shown():
    root = parse("attention.svg")
    scores = [float(text_of(t).replace("\u2212", "-")) for t in with_class(root, "attn-score")]
    weights = [float(text_of(t)) for t in with_class(root, "attn-weight")]
    # row-major lower triangle, diagonal included: row i holds i + 1 entries
    T = int((math.isqrt(8 * len(scores) + 1) - 1) / 2)
    assert T * (T + 1) // 2 == len(scores) == len(weights) and T >= 3
    start = 0
    for i in range(T):
        row = scores[start:start + i + 1]
        exp = [math.exp(s - max(row)) for s in row]
        probs = [e / sum(exp) for e in exp]
        assert [f"{p:.2f}" for p in probs] == [f"{w:.2f}" for w in weights[start:start + i + 1]], f"row {i}"
        start += i + 1
    masked = [t for t in root.iter(SVG_NS + "text") if text_of(t) == "\u2212∞"]
    assert len(masked) == T * (T - 1) // 2, "every cell above the diagonal of the scores is masked"


# --- every diagram -----------------------------------------------------------------------------

def css_classes() -> set[str]:
    return set(re.findall(r"\.(diagram[\w-]*)", CSS.read_text(encoding="utf-8")))


def test_every_gpt2_diagram_is_listed_and_their_ids_differ():
    assert sorted(p.name for p in DIAGRAMS.glob("*.svg")) == sorted(PAGES)
    prefixes = [parse(name).get("aria-labelledby").rsplit("-", 1)[0] for name in PAGES]
    assert len(set(prefixes)) == len(prefixes)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_diagram_is_accessible_and_themeable(name):
    root = parse(name)
    assert root.tag == SVG_NS + "svg" and root.get("role") == "img"
    assert root.get("viewBox") and not root.get("width") and not root.get("height"), \
        "size comes from the viewBox and the stylesheet (width 100%), so it scales to the column"
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    title = ids[root.get("aria-labelledby")]
    desc = ids[root.get("aria-describedby")]
    assert title.tag == SVG_NS + "title" and len(text_of(title)) > 20
    assert desc.tag == SVG_NS + "desc" and len(text_of(desc).split()) >= 40, "alt text says what it shows"
    prefixes = {re.match(r"gpt2-[a-z]+-", i) and re.match(r"gpt2-[a-z]+-", i).group() for i in ids}
    assert len(prefixes) == 1 and None not in prefixes, \
        f"{name}: every id starts with one prefix of its own, gpt2-<diagram>- (pages hold several SVGs)"

    known = css_classes()
    for el in root.iter():
        tag = el.tag.removeprefix(SVG_NS)
        for attr in ("fill", "stroke", "style", "color"):
            assert el.get(attr) is None, f"{name}: <{tag}> has {attr}=; colour with a class instead"
        if tag in SHAPES or tag == "text":
            assert classes(el), f"{name}: a <{tag}> without a class would be black in dark mode"
        unknown = {c for c in classes(el) if c.startswith("diagram")} - known
        assert not unknown, f"{name}: classes not in diagrams.css: {unknown}"


def test_diagrams_css_has_light_and_dark_values_and_is_on_the_site():
    css = CSS.read_text(encoding="utf-8")
    assert "/* shared diagram classes */" in css
    assert '[data-md-color-scheme="slate"]' in css
    for cls in ["diagram", "diagram-box", "diagram-text", "diagram-arrow", "diagram-accent", "diagram-muted",
                "diagram-arrowhead"]:
        assert cls in css_classes()
    from tests.support import load_mkdocs_yml
    assert "assets/diagrams.css" in load_mkdocs_yml()["extra_css"]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_chapter_includes_the_diagram_inline(name):
    page = (ROOT / "docs" / "gpt2" / PAGES[name]).read_text(encoding="utf-8")
    snippet = f'--8<-- "docs/assets/diagrams/gpt2/{name}"'
    assert snippet in page
    # a raw-HTML figure (no markdown attribute): md_in_html would wrap SVG lines in <p> and <em>
    before = page[:page.index(snippet)]
    assert before.rstrip().endswith('>') and '<figure class="diagram"' in before.splitlines()[-1]
    assert "markdown" not in before.splitlines()[-1]


def test_built_pages_carry_the_svgs_unmangled(built_site: Path):
    for name, chapter in PAGES.items():
        html = (built_site / "gpt2" / chapter.removesuffix(".md") / "index.html").read_text(encoding="utf-8")
        title_id = parse(name).get("aria-labelledby")
        start = html.index(f'<title id="{title_id}"')
        figure_start = html.rindex('<figure class="diagram"', 0, start)
        svg = html[html.index("<svg", figure_start):html.index("</svg>", start) + len("</svg>")]
        assert "<p>" not in svg and "<em>" not in svg and "<br" not in svg, f"{name} was mangled by Markdown"
        ET.fromstring(svg)   # still well-formed XML
