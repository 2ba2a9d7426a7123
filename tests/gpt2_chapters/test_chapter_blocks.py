"""Every block of the GPT-2 chapters runs under CPython; checks pass on solutions, fail on starts."""

from __future__ import annotations

import functools
import time

import pytest
import yaml

from build_tools.blocks import prerender
from build_tools.blocks.check import DATA, MAX_OUTPUT, verify_in_process
from tests.gpt2_chapters.blocks import chapter_blocks
from tests.support import ROOT

CHAPTERS = sorted(p.name for p in (ROOT / "docs" / "gpt2").glob("0*.md"))
EXERCISES = [(c, b.id) for c in CHAPTERS for b in chapter_blocks(c) if b.block.is_exercise]


@functools.cache
def verified(chapter: str) -> tuple[dict[str, dict], float]:
    """verify_page's results by block id, and the seconds the chapter took (starts and solutions)."""
    start = time.perf_counter()
    results = verify_in_process(chapter_blocks(chapter))
    return results, time.perf_counter() - start


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_block_runs_and_every_check_passes_with_the_published_solutions(chapter):
    results, seconds = verified(chapter)
    for block in chapter_blocks(chapter):
        result = results[block.id]
        assert result["ok"], f"{chapter} {block.id} (line {block.line}): {result['problem']}"
        failed = {c["name"]: c["message"] for c in result["checks"] if not c["ok"]}
        assert not failed, f"{chapter} {block.id}: checks failed with the solution: {failed}"
    assert seconds < 10, f"{chapter}: blocks too slow for the browser"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_pre_rendered_blocks_run_with_the_readers_starting_code(chapter, tmp_path, monkeypatch):
    """The build's own pre-render (starting code): only exercise stubs may raise
    (NotImplementedError); any other error raises PageBlockError naming the block and its line."""
    monkeypatch.setattr(prerender, "CACHE", tmp_path / "cache")  # always run, never reuse a result
    blocks = chapter_blocks(chapter)
    rendered = prerender.prerender_page(blocks, f"gpt2/{chapter}", DATA, max_output=MAX_OUTPUT)
    assert len(rendered) == sum(b.block.options.prerender for b in blocks)


@pytest.mark.parametrize("chapter,block_id", EXERCISES)
def test_starting_code_fails_at_least_one_check(chapter, block_id):
    checks = verified(chapter)[0][block_id]["starting_checks"]
    assert checks, f"{chapter} {block_id}: no checks registered"
    assert any(not c["ok"] for c in checks), f"{chapter} {block_id}: every check passes on the starting code"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_a_section_card_and_unique_block_ids(chapter):
    text = (ROOT / "docs" / "gpt2" / chapter).read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    for key in ("time", "prerequisites", "you_will", "drop_in"):
        assert isinstance(front.get(key), str) and front[key], f"{chapter}: front matter lacks {key}"
    ids = [b.id for b in chapter_blocks(chapter)]
    assert len(ids) == len(set(ids)), f"{chapter}: duplicate block ids"


def test_the_track_index_lists_its_chapters_through_the_generated_drop_in_map():
    """Times come from each chapter's card through the generated map (tests/unit/test_cards.py), so
    the index keeps no hand-written table whose times could drift from the cards."""
    index = (ROOT / "docs" / "gpt2" / "index.md").read_text(encoding="utf-8")
    assert "\n<!-- drop-in-map -->\n" in index
    assert not [chapter for chapter in CHAPTERS if f"]({chapter}) |" in index]

