"""Write docs/assets/data/gpt2/tokenizer_cases.json: texts and the ids tiktoken's r50k_base gives them.

The hidden checks of section 1 compare the reader's GPT-2 encoder with these ids, so no expected id
is typed by hand. Regenerate (offline, from the repository root):

    .venv/bin/python tests/gpt2_chapters/make_tokenizer_cases.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
CASES_FILE = ROOT / "docs" / "assets" / "data" / "gpt2" / "tokenizer_cases.json"
RANKS_FILE = ROOT / "docs" / "assets" / "data" / "gpt2" / "r50k_base.tiktoken"

# Each text exercises one rule of GPT-2's split pattern or of byte-level BPE.
TEXTS = [
    "Hello world",
    "hello world",
    "The quick brown fox jumps over the lazy dog.",
    "I'm sure they'll say it's fine, but we've seen what you'd do.",
    "DON'T SHOUT: 'S and 'LL are not contractions in upper case",
    "rock 'n' roll ''quoted'' 's",
    "a  b   c    d",
    "trailing spaces   ",
    "   leading spaces",
    "line one\nline two\n\n\nline five\n",
    "tabs\tand\t\tmore tabs",
    "Windows\r\nline endings\r\n",
    "Numbers: 7 42 2024 1234567 3.14159 1,000,000 and 0x1F",
    "Prices: $5.99, €12, ¥300, 50% off!!!",
    "snake_case and camelCase and kebab-case and SCREAMING_CASE",
    "def f(x):\n    return x ** 2  # square\n",
    "naïve café résumé Über straße",
    "e\u0301 (e + combining acute) versus \u00e9",
    "日本語のテキストとカタカナ、そして漢字。",
    "Привет, мир! Γειά σου κόσμε. שלום עולם. مرحبا بالعالم",
    "emoji: 😀 👍🏽 👨‍👩‍👧 🇫🇷 ❤️",
    "superscripts x² and fractions ½ and Roman Ⅷ",
    "non\u00a0breaking space and ideographic\u3000space",
    "URLs like https://example.org/a?b=c&d=e#frag",
    "<|endoftext|> is only special when you ask for it",
    " SolidGoldMagikarp",
]


def r50k_base():
    """tiktoken's own r50k_base (GPT-2), offline: tiktoken's constructor for it (name, split pattern,
    special tokens) with its download replaced by the ranks file the site ships, after checking that
    the file has the SHA-256 tiktoken expects of the download."""
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe
    from tiktoken_ext import openai_public

    def shipped(url: str, expected_hash: str) -> dict[bytes, int]:
        assert url.endswith("/" + RANKS_FILE.name), url
        actual = hashlib.sha256(RANKS_FILE.read_bytes()).hexdigest()
        assert actual == expected_hash, f"{RANKS_FILE} has SHA-256 {actual}; tiktoken expects {expected_hash}"
        return load_tiktoken_bpe(str(RANKS_FILE), expected_hash)

    with mock.patch.object(openai_public, "load_tiktoken_bpe", shipped):
        return tiktoken.Encoding(**openai_public.r50k_base())


def build_cases() -> dict:
    import tiktoken

    encoding = r50k_base()
    return {
        "about": "GPT-2 (r50k_base) token ids from tiktoken, written by "
                 "tests/gpt2_chapters/make_tokenizer_cases.py; do not edit by hand.",
        "tiktoken_version": tiktoken.__version__,
        "cases": [{"text": t, "ids": encoding.encode_ordinary(t)} for t in TEXTS],
    }


def render(cases: dict) -> str:
    """JSON with one case per line, so a diff shows which text changed."""
    lines = [json.dumps(c, ensure_ascii=False) for c in cases["cases"]]
    head = {k: v for k, v in cases.items() if k != "cases"}
    return (json.dumps(head, ensure_ascii=False)[:-1] + ', "cases": [\n'
            + ",\n".join(lines) + "\n]}\n")


if __name__ == "__main__":
    CASES_FILE.write_text(render(build_cases()), encoding="utf-8")
    print(f"wrote {len(TEXTS)} cases to {CASES_FILE.relative_to(ROOT)}")
