"""The search index every reader downloads on first search: small, and every section still in it.

It holds prose and headings; code blocks, figures and notebook code cells are left out
(build_tools/site/search_hook.py, build_tools/notebooks/hook.py). Sizes: bench/search_index.py.
"""

import html
import json
import re

import yaml

from tests.support import ROOT, load_mkdocs_yml

SEARCH_INDEX_BUDGET_KIB = 300  # raw bytes of search/search_index.json (issue 17 §6)

_ARTICLE = re.compile(r'<article class="md-content__inner[^"]*">(.*?)</article>', re.S)
_H2 = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.S)


def nav_sources(nav):
    for item in nav:
        if isinstance(item, str):
            yield item
        else:
            (value,) = item.values()
            yield from (nav_sources(value) if isinstance(value, list) else [value])


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


def excluded_from_search(src: str) -> bool:
    """A page whose front matter says `search: {exclude: true}` (handouts repeat their unit page)."""
    text = (ROOT / "docs" / src).read_text(encoding="utf-8") if src.endswith(".md") else ""
    front = re.match(r"---\n(.*?)\n---\n", text, re.S)
    return bool(front and (yaml.safe_load(front.group(1)) or {}).get("search", {}).get("exclude"))


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
    for src in nav_sources(load_mkdocs_yml()["nav"]):
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
