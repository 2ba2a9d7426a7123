"""```pyodide fences -> runnable blocks: a pymdownx.superfences validator + formatter pair.

mkdocs.yml (or plain Python-Markdown's extension_configs):

    - pymdownx.superfences:
        custom_fences:
          - name: pyodide
            class: pyodide
            validator: !!python/name:build_tools.blocks.fence.validator
            format: !!python/name:build_tools.blocks.fence.formatter

The formatter is a pure function of the fence. It emits the code highlighted (what a reader sees
with JavaScript off), an empty output region holding a pre-render placeholder, the block's spec as
JSON (data-spec) for assets/pyodide/blocks.js, and the solution in a <details>. `find_fences` locates the fences
of a page with their line numbers, so the MkDocs hook can report errors as file:line.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer
from pymdownx.superfences import RE_NESTED_FENCE_START, RE_OPTIONS, SuperFencesException

from build_tools.blocks.spec import Block, BlockError, parse_block, parse_options

LANGUAGE = "pyodide"
PLACEHOLDER = "<!--pyodide-prerender:{digest}-->"
FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<rest>.*)$")


class PyodideFenceError(SuperFencesException):
    """Raised from the validator/formatter: superfences lets it through, so the build fails."""


def validator(language, inputs, options, attrs, md) -> bool:
    """Check the header options now (unknown option -> error); keep them for the formatter."""
    try:
        parse_options(inputs)
    except BlockError as error:
        raise PyodideFenceError(f"```pyodide fence: {error.message}") from None
    options.update(inputs)
    return True


def highlighted(code: str) -> str:
    """Python source -> Material-styled highlighted <div class="highlight"> (pygments classes)."""
    body = highlight(code, PythonLexer(), HtmlFormatter(nowrap=True))
    return f'<div class="language-python highlight"><pre><code>{body}</code></pre></div>'


def spec_attribute(block: Block) -> str:
    """The spec as JSON in an HTML attribute. Not a <script type="application/json">: Material's
    instant navigation re-inserts every <script> of a new page and would run it as JavaScript."""
    return html.escape(json.dumps(block.spec(), ensure_ascii=False), quote=True)


def render_block(block: Block) -> str:
    digest = block.digest()
    element_id = f' id="pyodide-{html.escape(block.options.id)}"' if block.options.id else ""
    solution = ""
    if block.solution is not None:
        solution = (f'<details class="success pyodide-solution"><summary>Solution</summary>'
                    f"{highlighted(block.solution)}</details>")
    kind = " pyodide-exercise" if block.is_exercise else ""
    return (
        f'<div class="pyodide-block{kind}"{element_id} data-hash="{digest}" data-spec="{spec_attribute(block)}">'
        f'<div class="pyodide-source">{highlighted(block.code)}</div>'
        f'<div class="pyodide-output" role="status" aria-live="polite" aria-label="Output">'
        f"{PLACEHOLDER.format(digest=digest)}</div>"
        f"{solution}</div>"
    )


def formatter(src, language, class_name, options, md, **kwargs) -> str:
    """Fence body + validated options -> the block's HTML (raises on malformed sections)."""
    try:
        block = parse_block(src, options)
    except BlockError as error:
        where = f" (line {error.line} of the block)" if error.line else ""
        raise PyodideFenceError(f"```pyodide fence{where}: {error.message}") from None
    return render_block(block)


@dataclass(frozen=True)
class FoundFence:
    line: int  # 1-based line of the opening fence in the page
    inputs: dict  # header options as superfences parses them
    body: str  # fence content, de-indented


def _header_inputs(header: str) -> dict:
    """The options of a fence header, parsed by superfences' own expressions."""
    match = RE_NESTED_FENCE_START.match(header)
    if match is None or match.group("unrecognized") or match.group("attrs"):
        raise BlockError("malformed fence header: write options as key=\"value\", e.g. "
                         '```pyodide id="merge" timeout="20"')
    inputs = {}
    for option in RE_OPTIONS.finditer(match.group("options") or ""):
        inputs[option.group("key")] = option.group("value") if option.group("value") is not None else option.group("key")
    return inputs


def find_fences(markdown: str) -> list[tuple[FoundFence | None, BlockError | None]]:
    """Every ```pyodide fence of a page in order, skipping fences nested inside other fences.

    Returns (fence, None), or (None, error) with error.line absolute when the header is malformed.
    """
    lines = markdown.splitlines()
    found, i = [], 0
    while i < len(lines):
        opening = FENCE_OPEN.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence = opening.group("indent"), opening.group("fence")
        closing = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        rest = opening.group("rest").strip()
        language = re.match(r"^\.?([\w#.+-]*)", rest).group(1)
        if language == LANGUAGE:
            body = "\n".join(l[len(indent):] if l.startswith(indent) else l.lstrip() for l in lines[i + 1:end])
            try:
                found.append((FoundFence(i + 1, _header_inputs(fence + rest), body), None))
            except BlockError as error:
                found.append((None, BlockError(error.message, i + 1)))
        i = end + 1
    return found
