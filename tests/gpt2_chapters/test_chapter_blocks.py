"""Every block of the GPT-2 chapters runs under CPython; checks pass on solutions, fail on starts."""

from __future__ import annotations

import time

import pytest
import yaml

from tests.gpt2_chapters.blocks import chapter_blocks, run_page
from tests.support import ROOT

CHAPTERS = sorted(p.name for p in (ROOT / "docs" / "gpt2").glob("0*.md"))
EXERCISES = [(c, b.name) for c in CHAPTERS for b in chapter_blocks(c) if b.is_exercise]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_block_runs_and_every_check_passes_with_the_published_solutions(chapter):
    blocks = chapter_blocks(chapter)
    start = time.perf_counter()
    results = run_page(blocks)
    for block in blocks:
        result = results[block.name]
        expected = block.options.get("raises")
        if expected:
            assert type(result.error).__name__ == expected, f"{chapter} {block.name}: expected {expected}"
        else:
            assert result.error is None, f"{chapter} {block.name} (line {block.line}) raised {result.error!r}"
        failed = {d: m for d, m in result.checks.items() if m}
        assert not failed, f"{chapter} {block.name}: checks failed with the solution: {failed}"
    assert time.perf_counter() - start < 10, f"{chapter}: blocks too slow for the browser"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_pre_rendered_blocks_run_with_the_readers_starting_code(chapter):
    """The build pre-renders with starting code: only exercise stubs may raise (NotImplementedError)."""
    blocks = chapter_blocks(chapter)
    results = run_page(blocks, solutions=False)
    for block in blocks:
        if block.options.get("prerender") == "false" or block.options.get("raises"):
            continue
        error = results[block.name].error
        stub = block.is_exercise and isinstance(error, NotImplementedError)
        assert error is None or stub, (
            f"{chapter} {block.name} (line {block.line}) raises {error!r} before the reader has solved "
            'the exercises above it: mark it prerender="false"')


@pytest.mark.parametrize("chapter,block_id", EXERCISES)
def test_starting_code_fails_at_least_one_check(chapter, block_id):
    results = run_page(chapter_blocks(chapter), starter_for=block_id)
    checks = results[block_id].checks
    assert checks, f"{chapter} {block_id}: no checks registered"
    assert any(checks.values()), f"{chapter} {block_id}: every check passes on the starting code"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_a_section_card_and_unique_block_ids(chapter):
    text = (ROOT / "docs" / "gpt2" / chapter).read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    for key in ("time", "prerequisites", "you_will", "drop_in"):
        assert isinstance(front.get(key), str) and front[key], f"{chapter}: front matter lacks {key}"
    ids = [b.name for b in chapter_blocks(chapter)]
    assert len(ids) == len(set(ids)), f"{chapter}: duplicate block ids"


def test_track_index_table_lists_each_chapter_with_its_section_card_time():
    index = (ROOT / "docs" / "gpt2" / "index.md").read_text(encoding="utf-8")
    for chapter in CHAPTERS:
        text = (ROOT / "docs" / "gpt2" / chapter).read_text(encoding="utf-8")
        time = yaml.safe_load(text.split("---\n")[1])["time"]
        (row,) = [line for line in index.splitlines() if f"]({chapter})" in line]
        assert f"| {time} |" in row, f"docs/gpt2/index.md lists {chapter} without its time {time!r}"
