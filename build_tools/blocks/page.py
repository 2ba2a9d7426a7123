"""A page's runnable blocks as the fence meets them: one scan, final ids and sessions, page lines.

The superfences formatter (fence.py) hands every ```pyodide block it renders to the page's
`PageBlocks`, which gives it its id (`block-N` by position unless the fence names one) and session,
and finds its line in the page file. Blocks pulled in with a snippet go through the same door, so
nothing is rendered unchecked. Used by the MkDocs hook (one `PageBlocks` per page), by CI's block
checker and by tests (`page_blocks`, which converts a page with the site's own extensions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from build_tools.blocks.contract import DEFAULT_SESSION, LANGUAGE, default_id
from build_tools.blocks.spec import Block

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>.*)$")


def where(src_path: str, line: int) -> str:
    """How errors name a place: `page.md:12`, or the page alone for a block that a snippet brought in."""
    if not src_path:
        return f"line {line}" if line else "included text"
    return f"{src_path}:{line}" if line else f"{src_path} (in text included by a snippet)"


class PageBlockError(ValueError):
    """An author error located as `file:line: message`."""


@dataclass(frozen=True)
class PageBlock:
    id: str
    session: str
    line: int  # line of the opening fence in the page file; 0 when the block came from a snippet
    block: Block

    def spec(self) -> dict:
        """The JSON the page's script reads: the block with its final id and session."""
        return {**self.block.spec(), "id": self.id, "session": self.session}


class PageBlocks:
    """The blocks of one page, in page order. `text` is the page file as written (front matter
    included), so lines match the author's editor; `src_path` names it in errors."""

    def __init__(self, src_path: str = "", text: str = ""):
        self.src_path = src_path
        self.lines = text.splitlines()
        self.blocks: list[PageBlock] = []
        self.errors: list[str] = []
        self._cursor = 0

    def where(self, line: int) -> str:
        return where(self.src_path, line)

    def locate(self, body: str) -> int:
        """1-based line of the fence whose body is `body`, searching on from the previous block; 0
        when the page does not contain it (a snippet brought it in)."""
        wanted = [line.strip() for line in body.splitlines()]
        for i in range(self._cursor, len(self.lines)):
            opening = FENCE.match(self.lines[i])
            if not opening or not opening.group("info").startswith(LANGUAGE):
                continue
            found = [line.strip() for line in self.lines[i + 1:i + 1 + len(wanted)]]
            if found == wanted:
                self._cursor = i + 1 + len(wanted)
                return i + 1
        return 0

    def add(self, block: Block, line: int) -> PageBlock:
        block_id = block.options.id or default_id(len(self.blocks) + 1)
        for other in self.blocks:
            if other.id == block_id:
                raise PageBlockError(f'{self.where(line)}: duplicate block id "{block_id}" (also used at '
                                     f"{self.where(other.line)}): ids must be unique on a page")
        added = PageBlock(block_id, block.options.session or DEFAULT_SESSION, line, block)
        self.blocks.append(added)
        return added

    def fail(self, message: str) -> None:
        self.errors.append(message)

    def finish(self) -> list[PageBlock]:
        """The page's blocks, or PageBlockError: the first error met, or a ```pyodide fence that is
        never closed (Markdown shows such a fence, solution and checks included, as page text)."""
        if not self.errors:
            line = unclosed_fence(self.lines)
            if line:
                self.errors.append(f"{self.where(line)}: this ```{LANGUAGE} fence is never closed: add a closing "
                                   "``` line after its code (until then its solution and checks show as page text)")
        if self.errors:
            raise PageBlockError(self.errors[0])
        return self.blocks


def unclosed_fence(lines: list[str]) -> int:
    """1-based line of a ```pyodide fence still open at the end of the page, else 0."""
    open_at, closing = 0, None
    for number, line in enumerate(lines, start=1):
        match = FENCE.match(line)
        if closing is None:
            if match and "`" not in match.group("info"):
                fence = match.group("fence")
                closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
                open_at = number if match.group("info").startswith(LANGUAGE) else -number
        elif closing.match(line):
            closing = None
    return open_at if closing is not None and open_at > 0 else 0


def page_blocks(markdown: str, src_path: str) -> list[PageBlock]:
    """The blocks of a page's Markdown, rendered through the site's own Markdown extensions (so
    snippets, admonitions and tabs count as they do on the site); PageBlockError on a problem."""
    from build_tools.blocks.fence import convert_page

    return convert_page(markdown, src_path).finish()


def read_page_blocks(path: Path, docs_dir: Path) -> list[PageBlock]:
    """page_blocks of a Markdown file (front matter lines count, as in the editor)."""
    return page_blocks(path.read_text(encoding="utf-8"), path.relative_to(docs_dir).as_posix())
