"""A page's runnable blocks, in order, with ids, sessions and absolute line numbers.

Shared by the MkDocs hook (validation + pre-render), the Node/CPython block runner in CI and the
benchmarks. Default ids follow the position on the page (block-1, block-2, ...), the same rule the
page's script applies; the default session is the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from build_tools.blocks.spec import Block, BlockError, parse_block
from build_tools.blocks.fence import find_fences

DEFAULT_SESSION = "page"


class PageBlockError(ValueError):
    """An author error located as `file:line: message`."""


@dataclass(frozen=True)
class PageBlock:
    id: str
    session: str
    line: int  # line of the opening fence in the page file
    block: Block


def page_blocks(markdown: str, src_path: str) -> list[PageBlock]:
    """Parse and validate every ```pyodide fence of a page; raise PageBlockError on the first problem."""
    out, seen = [], {}
    for position, (fence, error) in enumerate(find_fences(markdown), start=1):
        if error is not None:
            raise PageBlockError(f"{src_path}:{error.line}: {error.message}")
        try:
            block = parse_block(fence.body, fence.inputs)
        except BlockError as error:
            raise PageBlockError(f"{src_path}:{fence.line + error.line}: {error.message}") from None
        block_id = block.options.id or f"block-{position}"
        if block_id in seen:
            raise PageBlockError(f'{src_path}:{fence.line}: duplicate block id "{block_id}" (also used '
                                 f"on line {seen[block_id]}): ids must be unique on a page")
        seen[block_id] = fence.line
        out.append(PageBlock(block_id, block.options.session or DEFAULT_SESSION, fence.line, block))
    return out


def read_page_blocks(path: Path, docs_dir: Path) -> list[PageBlock]:
    """page_blocks of a Markdown file (front matter lines count, as in the editor)."""
    return page_blocks(path.read_text(encoding="utf-8"), path.relative_to(docs_dir).as_posix())
