"""```pyodide fences -> runnable blocks: a pymdownx.superfences validator + formatter pair.

mkdocs.yml (or plain Python-Markdown's extension_configs):

    - pymdownx.superfences:
        custom_fences:
          - name: pyodide
            class: pyodide
            validator: !!python/name:build_tools.blocks.fence.validator
            format: !!python/name:build_tools.blocks.fence.formatter

This is the only place a block is read. The formatter parses the fence, hands the block to the
page's `PageBlocks` (final id and session, page line) and emits: the code highlighted (what a reader
sees with JavaScript off), an output region holding a placeholder for the pre-rendered output, the
block's spec as JSON (data-spec) for web/blocks.js, and the solution in a <details>.

Inside a MkDocs build the hook opens a `PageBlocks` per page (`begin_page`), errors are collected
and reported by the hook as file:line. In plain Python-Markdown an error raises at once.
"""

from __future__ import annotations

import functools
import html
import json
import re

import markdown
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer
from pymdownx.superfences import SuperFencesException

from build_tools.blocks.contract import LANGUAGE
from build_tools.blocks.page import FENCE, PageBlock, PageBlockError, PageBlocks
from build_tools.blocks.spec import BlockError, parse_block

PLACEHOLDER = "<!--pyodide-output:{id}-->"
FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(---|\.\.\.)[ \t]*(\n|\Z)", re.S)
_active: PageBlocks | None = None  # the page MkDocs is rendering (begin_page/end_page)


class PyodideFenceError(SuperFencesException):
    """Raised from the formatter in plain Python-Markdown: superfences lets it through."""


def begin_page(src_path: str, text: str) -> PageBlocks:
    """Collect the blocks of the page about to be rendered (`text`: the file as written)."""
    global _active
    _active = PageBlocks(src_path, text)
    return _active


def end_page() -> PageBlocks:
    global _active
    page, _active = _active, None
    return page or PageBlocks()


def validator(language, inputs, options, attrs, md) -> bool:
    """Keep the header options for the formatter, which checks them with the block's line."""
    options.update(inputs)
    return True


_LEXER, _FORMATTER = PythonLexer(), HtmlFormatter(nowrap=True)


@functools.lru_cache(maxsize=2048)
def highlighted(code: str) -> str:
    """Python source -> Material-styled highlighted <div class="highlight"> (pygments classes)."""
    body = highlight(code, _LEXER, _FORMATTER)
    return f'<div class="language-python highlight"><pre><code>{body}</code></pre></div>'


def spec_attribute(block: PageBlock) -> str:
    """The spec as JSON in an HTML attribute. Not a <script type="application/json">: Material's
    instant navigation re-inserts every <script> of a new page and would run it as JavaScript."""
    return html.escape(json.dumps(block.spec(), ensure_ascii=False), quote=True)


def render_block(block: PageBlock) -> str:
    b = block.block
    solution = ""
    if b.solution is not None:
        solution = (f'<details class="success pyodide-solution"><summary>Solution</summary>'
                    f"{highlighted(b.solution)}</details>")
    kind = " pyodide-exercise" if b.is_exercise else ""
    return (
        f'<div class="pyodide-block{kind}" id="pyodide-{html.escape(block.id)}" data-hash="{b.digest()}" '
        f'data-spec="{spec_attribute(block)}">'
        f'<div class="pyodide-source">{highlighted(b.code)}</div>'
        f'<div class="pyodide-output" role="status" aria-live="polite" aria-label="Output">'
        f"{PLACEHOLDER.format(id=block.id)}</div>"
        f"{solution}</div>"
    )


def _unclosed_before_next(src: str) -> int:
    """Body line of a ```pyodide fence opening inside this body: this fence was never closed."""
    for number, line in enumerate(src.splitlines(), start=1):
        opening = FENCE.match(line)
        if opening and opening.group("info").startswith(LANGUAGE):
            return number
    return 0


def formatter(src, language, class_name, options, md, **kwargs) -> str:
    """Fence body + header options -> the block's HTML. A malformed block is reported with its line."""
    page = getattr(md, "pyodide_page", None) or _active
    standalone = page is None
    if standalone:
        page = md.pyodide_page = PageBlocks()
    line = page.locate(src)
    try:
        swallowed = _unclosed_before_next(src)
        if swallowed:
            raise BlockError(f"this ```{LANGUAGE} fence is not closed before the next one (at "
                             f"{page.where(line + swallowed) if line else f'body line {swallowed}'}): add a "
                             "closing ``` line after its code")
        block = page.add(parse_block(src, options), line)
    except BlockError as error:
        where = page.where(line + error.line) if line else page.where(0)
        message = f"{where}: {error.message}"
    except PageBlockError as error:
        message = str(error)
    else:
        return render_block(block)
    if standalone:
        raise PyodideFenceError(f"```{LANGUAGE} fence, {message}")
    page.fail(message)
    return ""


def site_extensions() -> tuple[list, dict]:
    """The markdown_extensions of mkdocs.yml, as Python-Markdown takes them."""
    from mkdocs.utils import yaml_load

    from build_tools.blocks.contract import ROOT

    names, configs = [], {}
    with open(ROOT / "mkdocs.yml", encoding="utf-8") as f:
        entries = yaml_load(f)["markdown_extensions"]
    for entry in entries:
        if isinstance(entry, dict):
            (name, settings), = entry.items()
            names.append(name)
            configs[name] = settings or {}
        else:
            names.append(entry)
    return names, configs


@functools.lru_cache(maxsize=1)
def _site_extensions() -> tuple[list, dict]:
    return site_extensions()


def convert_page(text: str, src_path: str) -> PageBlocks:
    """Render a page file with the site's extensions, collecting its blocks (errors in .errors)."""
    page = PageBlocks(src_path, text)
    names, configs = _site_extensions()
    md = markdown.Markdown(extensions=names, extension_configs=configs)
    md.pyodide_page = page
    md.convert(FRONT_MATTER.sub("", text, count=1))
    return page
