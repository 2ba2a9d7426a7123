"""The home page loads cleanly and search finds a section by a word only it contains."""

import json
import re


def test_home_page_loads_with_no_console_errors(page, site_url):
    page.goto(site_url + "/")
    page.wait_for_load_state("networkidle")
    assert page.title().startswith("Open AI Safety Course")
    for track in ["Governance", "Build GPT-2", "Transformer circuits"]:
        assert page.get_by_text(track, exact=False).first.is_visible()
    assert page.errors == []


def unique_heading_word(built_site):
    """A word that appears in exactly one section heading of the search index, and that section."""
    docs = json.loads((built_site / "search/search_index.json").read_text())["docs"]
    counts = {}
    for doc in docs:
        for word in set(re.findall(r"[a-z]{5,}", (doc["title"] + " " + doc["text"]).lower())):
            counts.setdefault(word, []).append(doc)
    for doc in docs:
        if "#" in doc["location"]:
            for word in re.findall(r"[a-z]{5,}", doc["title"].lower()):
                if len(counts.get(word, [])) == 1:
                    return word, doc
    raise AssertionError("no heading word is unique to one section")


def test_search_result_links_to_the_section_anchor(page, site_url, built_site):
    word, doc = unique_heading_word(built_site)
    path, anchor = doc["location"].split("#")
    page.goto(site_url + "/")
    page.wait_for_load_state("networkidle")  # the search index loads in a worker
    page.keyboard.press("/")
    page.locator("input.md-search__input").press_sequentially(word, delay=30)
    result = page.locator(f".md-search-result__link[href$='#{anchor}']").first
    result.wait_for(timeout=15000)
    result.click()
    page.wait_for_url(re.compile(re.escape(path) + r".*#" + re.escape(anchor) + "$"))
    heading = page.locator(f"[id='{anchor}']")
    assert heading.count() == 1
    assert heading.is_visible()
