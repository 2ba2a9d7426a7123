"""The search index every reader downloads on first search: small, and every section still in it.

It holds prose and headings; code blocks, figures and notebook code cells are left out, and maths
is readable text, not TeX (build_tools/site/search.py, build_tools/notebooks/hook.py). Sizes:
bench/search_index.py.
"""

import html
import json
import re

import pytest

from build_tools.site.search import cut_unsearchable, put_back, tex_to_text
from tests.support import excluded_from_search, nav_sources

SEARCH_INDEX_BUDGET_KIB = 450  # raw bytes of search/search_index.json (issue 17 §6; raised from 300 when
# the second editions doubled the governance prose: 412 KiB raw, 136 KiB gzip, fetched on the first search)

_ARTICLE = re.compile(r'<article class="md-content__inner[^"]*">(.*?)</article>', re.S)
_H2 = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.S)


def page_url(src: str) -> str:
    """docs-relative source -> its directory URL as the search index writes it ("" for the home page)."""
    stem = src.removesuffix(".md").removesuffix(".ipynb")
    if stem == "index":
        return ""
    return stem.removesuffix("index") if stem.endswith("/index") else stem + "/"


def h2_headings(page_html: str) -> dict[str, str] | None:
    """id -> text of each <h2> in the page's article (permalink sign removed); None for a page
    without one (the blog's listing: its headings are the posts', indexed on the posts' pages)."""
    article = _ARTICLE.search(page_html)
    if article is None:
        return None
    return {anchor: plain(inner) for anchor, inner in _H2.findall(article.group(1))}


def plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<a class=\"headerlink\".*?</a>|<[^>]+>", "", fragment)).strip()


def load_index(built_site) -> tuple[bytes, dict]:
    raw = (built_site / "search/search_index.json").read_bytes()
    return raw, json.loads(raw)


def test_search_index_is_within_its_budget(built_site):
    raw, _ = load_index(built_site)
    assert len(raw) <= SEARCH_INDEX_BUDGET_KIB * 1024, (
        f"search_index.json is {len(raw) / 1024:.1f} KiB (budget {SEARCH_INDEX_BUDGET_KIB} KiB): "
        "run bench/search_index.py to see which pages grew")


def test_every_h2_of_every_nav_page_is_a_search_section(built_site):
    _, index = load_index(built_site)
    titles = {doc["location"]: plain(doc["title"]) for doc in index["docs"]}
    missing, checked = [], 0
    for src in nav_sources():
        if excluded_from_search(src):
            continue
        url = page_url(src)
        page_html = (built_site / url / "index.html").read_text(encoding="utf-8")
        headings = h2_headings(page_html)
        if headings is None:  # a listing: each heading must be some page's title
            listed = [plain(inner) for _, inner in _H2.findall(page_html)]
            missing += [f"{src}: ## {text}" for text in listed if text not in titles.values()]
            continue
        for anchor, text in headings.items():
            checked += 1
            title = titles.get(f"{url}#{anchor}")
            if title != text:
                missing.append(f"{src}: ## {text} (#{anchor}) -> {title!r}")
    assert checked > 100, f"only {checked} headings found: has the page layout changed?"
    assert not missing, "H2 headings missing from the search index:\n  " + "\n  ".join(missing)


def test_prose_is_indexed_but_code_cells_and_code_blocks_are_not(built_site):
    _, index = load_index(built_site)
    text = {doc["location"]: doc["text"] for doc in index["docs"]}
    notebook = " ".join(t for loc, t in text.items() if loc.startswith("notebooks/gpt2/01_model/"))
    assert "import torch" not in notebook and "def forward" not in notebook  # code cells
    assert len(notebook) > 500  # the notebook's Markdown cells are still there
    chapter = " ".join(t for loc, t in text.items() if loc.startswith("gpt2/03-attention/"))
    assert "Attention is the only operation in GPT-2" in chapter
    assert "def softmax" not in chapter  # a runnable block's code


def test_no_indexed_text_shows_tex_source(built_site):
    _, index = load_index(built_site)
    tex = []
    for doc in index["docs"]:
        for mark in ("\\(", "\\["):
            at = doc["text"].find(mark)
            if at >= 0:
                tex.append(f"{doc['location']}: {doc['text'][max(0, at - 40):at + 40]!r}")
    assert not tex, "TeX source in the search index (search snippets show it):\n  " + "\n  ".join(tex[:20])
    titles = [doc["location"] for doc in index["docs"] if "\\(" in doc["title"] or "\\[" in doc["title"]]
    assert not titles, titles
    chapter = " ".join(doc["text"] for doc in index["docs"] if doc["location"].startswith("gpt2/"))
    assert "√" in chapter or "×" in chapter, "the maths should still be in the index, as readable text"
    page = (built_site / "gpt2/03-attention/index.html").read_text(encoding="utf-8")
    assert '<span class="arithmatex">\\(' in page, "the page itself keeps its TeX for KaTeX"


@pytest.mark.parametrize("tex, text", [
    (r"\(n\)", "n"),
    (r"\(O(T^2)\)", "O(T^2)"),
    (r"\[\text{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V\]", "softmax(QKᵀ/√d_k)V"),
    (r"\(\frac{a+b}{\frac{c}{d}}\)", "(a+b)/(c/d)"),
    (r"\(6 \times N \times D \approx 3.8 \cdot 10^{25}\)", "6 × N × D ≈ 3.8 · 10^25"),
    (r"\(\max_i x_i - \ln \sum_j e^{x_j}\)", "max_i x_i - ln Σ_j e^x_j"),
    (r"\(\{1, 2\}\)", "{1, 2}"),
    (r"\(a &lt; b\)", "a &lt; b"),   # stays HTML-escaped, as the page has it
])
def test_tex_becomes_readable_text(tex, text):
    assert tex_to_text(tex) == text


def test_maths_is_readable_in_the_indexed_copy_and_restored_afterwards():
    page = ('<p>Cost <span class="arithmatex">\\(O(T^2)\\)</span> per step.</p><pre>x = "\\(y\\)"</pre>'
            '<div class="arithmatex">\\[\\alpha = \\frac{1}{2}\\]</div>')
    indexed, cut = cut_unsearchable(page)
    visible = re.sub(r"<!--.*?-->", "", indexed)  # what Material's parser reads (it skips comments)
    assert visible == "<p>Cost O(T^2) per step.</p>α = 1/2"
    assert put_back(indexed, cut) == page
    assert put_back(indexed.replace("<p>", '<p class="x">'), cut) == page.replace("<p>", '<p class="x">')
