"""Section 1's published tokenizer (split + BPE with ranks) against tiktoken's r50k_base."""

from __future__ import annotations

import json
import random

import pytest

from build_tools.blocks.check import verify_in_process
from tests.gpt2_chapters import make_tokenizer_cases
from tests.gpt2_chapters.blocks import chapter_blocks
from tests.support import ROOT

pytest.importorskip("tiktoken")

EDGE_CASES = [
    "", " ", "  ", "   ", "\n", "\n\n", "\r\n", "\t", " \t ", "a  b", "a   b  ", "x \n y",
    "trailing   ", "   leading", "\n\n\nx", "x\n\n", "tabs\tand\t\tmore",
    "'s 't 're 've 'm 'll 'd", "it's they'll we've I'm you'd she's can't", "'S 'LL 'Re",
    "''s ' s 'ss 'lls", "0 12 345 6789 1234567890 3.14 1,000 -42 +7 1e-5",
    "日本語のテキスト", "中文 한국어 ไทย हिन्दी", "😀👍🏽👨‍👩‍👧🇫🇷❤️", "e\u0301\u0308 a\u0300",
    "x²³ ½ Ⅷ ٣٤", "nbsp\u00a0x", "ideo\u3000graphic", "thin\u2009space", "\x1c\x1d\x1e\x1f",
    "mixed\u00a0 \u3000\t\nwhitespace", "  $$$ !!! ...", " 'quoted' \"double\"",
]


@pytest.fixture(scope="module")
def encoding():
    """tiktoken's own r50k_base, built offline from the shipped ranks file (hash-checked)."""
    return make_tokenizer_cases.r50k_base()


@pytest.fixture(scope="module")
def chapter():
    """The namespace of section 1's gpt2-tokenizer session after running its blocks (that session
    alone, as the page runs it) with their published solutions."""
    blocks = [b for b in chapter_blocks("01-tokenization.md") if b.session == "gpt2-tokenizer"]
    assert blocks, "section 1 has no blocks in session gpt2-tokenizer"
    sessions: dict = {}
    results = verify_in_process(blocks, sessions)
    failed = {block_id: r["problem"] for block_id, r in results.items() if not r["ok"]}
    assert not failed, f"blocks failed: {failed}"
    return sessions["gpt2-tokenizer"].namespace


def corpus() -> list[str]:
    """The project's seed documents (when checked out beside this repository), this site's own
    pages, every line of both, the edge cases, the shipped test texts and random Unicode strings."""
    seeds = sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))
    pages = sorted((ROOT / "docs").rglob("*.md"))
    texts = [p.read_text(encoding="utf-8") for p in seeds + pages]
    texts += [line for t in texts for line in t.splitlines()]
    rng = random.Random(0)
    alphabet = [chr(c) for c in [*range(0x20, 0x7F), 9, 10, 13, 0xA0, 0x85, 0x2028, 0x3000, 0x1C,
                                 0x301, 0x4E00, 0x1F600, 0xFF10, 0x660, 0xB2, 0x2167, 0x2009, 0xE9]]
    fuzz = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(2000)]
    return texts + EDGE_CASES + make_tokenizer_cases.TEXTS + fuzz


def test_cases_file_equals_tiktokens_current_output(encoding):
    shipped = json.loads(make_tokenizer_cases.CASES_FILE.read_text(encoding="utf-8"))
    assert shipped["cases"] == make_tokenizer_cases.build_cases()["cases"], (
        "docs/assets/data/gpt2/tokenizer_cases.json is stale: run "
        "tests/gpt2_chapters/make_tokenizer_cases.py")
    for case in shipped["cases"]:
        assert case["ids"] == encoding.encode_ordinary(case["text"])


def test_shipped_ranks_file_is_tiktokens_r50k_base(chapter, encoding):
    assert chapter["ranks"] == encoding._mergeable_ranks


def test_published_split_matches_tiktokens_pattern(chapter, encoding):
    regex = pytest.importorskip("regex")
    pattern = regex.compile(encoding._pat_str)
    for text in corpus():
        assert chapter["split_gpt2"](text) == pattern.findall(text), repr(text)


def test_published_encoder_matches_tiktoken_on_varied_corpus(chapter, encoding):
    texts = corpus()
    for text in texts:
        assert chapter["encode_gpt2"](text) == encoding.encode_ordinary(text), repr(text[:80])
    assert sum(len(t) for t in texts) > 200_000, "the corpus should be large"


def test_published_decoder_round_trips(chapter):
    for text in corpus()[:50]:
        assert chapter["decode_gpt2"](chapter["encode_gpt2"](text)) == text

