"""The GPT-2 chapters' ```pyodide blocks, parsed by the build's own parser.

Tests run them with build_tools.blocks.check.verify_in_process: CI's verify_page under CPython in
this interpreter (page order, one namespace per session, each exercise's starting code against its
checks, then its solution, which later blocks build on).
"""

from __future__ import annotations

from build_tools.blocks.check import DOCS
from build_tools.blocks.page import PageBlock, read_page_blocks


def chapter_blocks(filename: str) -> list[PageBlock]:
    return read_page_blocks(DOCS / "gpt2" / filename, DOCS)
