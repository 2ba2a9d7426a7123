"""The real site builds in strict mode and every page is searchable."""

import json
import re

from tests.support import excluded_from_search, nav_sources


def test_strict_build_writes_home_and_track_pages(built_site):
    for page in ["index.html", "governance/index.html", "gpt2/index.html", "circuits/index.html"]:
        assert (built_site / page).is_file(), page


def test_search_index_contains_every_page_in_nav(built_site):
    nav = [src for src in nav_sources() if not excluded_from_search(src)]
    index = json.loads((built_site / "search/search_index.json").read_text())
    locations = {doc["location"].split("#")[0] for doc in index["docs"]}
    for src in nav:
        if src.endswith(".ipynb"):
            continue  # notebook pages are checked by the notebook tests
        slash = "" if src.endswith("index.md") else "/"
        url = "" if src == "index.md" else src.removesuffix(".md").removesuffix("index") + slash
        assert url in locations, f"{src} is not in the search index (looked for {url!r})"


def test_math_and_vendored_assets_are_served_by_the_site(built_site):
    assert (built_site / "assets/vendor/katex/katex.min.js").is_file()
    assert any((built_site / "assets/vendor/katex/fonts").glob("*.woff2"))
    for page in ["index.html", "gpt2/01-tokenization/index.html"]:
        html = (built_site / page).read_text()
        scripts = re.findall(r'<script\b[^>]*?\bsrc="([^"]+)"', html)
        styles = [m.group(2) for m in re.finditer(r'<link\b([^>]*?)\bhref="([^"]+)"', html)
                  if re.search(r'rel="(stylesheet|preload|modulepreload)"', m.group(0))]
        sources = scripts + styles
        third_party = [s for s in sources if re.match(r"(https?:)?//", s)]
        assert sources and third_party == [], f"{page} loads {third_party} from another host"
