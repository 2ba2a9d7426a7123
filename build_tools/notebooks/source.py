"""Read a notebook source (``course_src/<track>/NN_name.py``, jupytext percent format) into cells.

Every line keeps its origin (file, line number) so that an error names the place to fix, also for
lines that came from a module pulled in by ``from X import *  # course: inline``.

The parsing follows jupytext's percent format (``# %%`` code cells, ``# %% [markdown]`` Markdown
cells, ``tags=[...]`` metadata, commented magics such as ``# %pip``); a unit test checks that the
cells match ``jupytext.read`` on the fixtures.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from jupytext.cell_metadata import text_to_metadata
from jupytext.magics import uncomment_magic

KNOWN_TAGS = ("parameters", "solution-only")
CELL_MARKER = re.compile(r"^# %%(?!%)(?P<rest>.*)$")
INLINE_DIRECTIVE = re.compile(r"^from\s+(?P<module>[A-Za-z_]\w*)\s+import\s+\*\s*#\s*course:\s*inline\s*$")


class NotebookSourceError(ValueError):
    """A notebook source an author must fix; the message starts with ``file:line:``."""


@dataclass(frozen=True)
class Line:
    text: str
    path: Path
    lineno: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.lineno}"


@dataclass
class Cell:
    kind: str  # "code" or "markdown"
    lines: list[Line]
    tags: tuple[str, ...]
    header: Line  # the `# %%` line (or the first line of a cell without one)

    @property
    def source(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class Source:
    path: Path
    cells: list[Cell] = field(default_factory=list)


def fail(where: str, message: str) -> None:
    raise NotebookSourceError(f"{where}: {message}")


def read_source(path: Path, display_root: Path | None = None) -> Source:
    """Parse ``path`` into cells, expand inline directives and validate tags.

    ``display_root``: paths in errors and origins are shown relative to it (e.g. the repository).
    """
    path = path.resolve()
    shown = (
        path.relative_to(display_root.resolve())
        if display_root and path.is_relative_to(display_root.resolve())
        else path
    )
    raw = path.read_text(encoding="utf-8").splitlines()
    lines = [Line(text, shown, n) for n, text in enumerate(raw, start=1)]
    cells = [_validated(cell) for cell in _split_cells(_skip_yaml_header(lines))]
    for cell in cells:
        if cell.kind == "code":
            cell.lines = _expand_inline(cell.lines, path.parent, shown.parent, seen=(path.name,))
    return Source(shown, cells)


def _skip_yaml_header(lines: list[Line]) -> list[Line]:
    """Drop a jupytext YAML header (``# ---`` ... ``# ---``) at the top of the file."""
    if lines and lines[0].text.rstrip() == "# ---":
        for i in range(1, len(lines)):
            if lines[i].text.rstrip() == "# ---":
                return lines[i + 1 :]
        fail(lines[0].where, "the `# ---` header is never closed; end it with a `# ---` line")
    return lines


def _split_cells(lines: list[Line]) -> list[Cell]:
    cells: list[Cell] = []
    header, body, kind, tags = None, [], "code", ()
    for line in lines + [None]:
        match = CELL_MARKER.match(line.text) if line else None
        if line is not None and not match:
            body.append(line)
            continue
        if header is not None or any(item.text.strip() for item in body):
            cells.append(_make_cell(kind, tags, header or body[0], body))
        if line is None:
            break
        header, body = line, []
        kind, tags = _parse_cell_header(line, match.group("rest"))
    return cells


def _parse_cell_header(line: Line, rest: str) -> tuple[str, tuple[str, ...]]:
    try:
        title, metadata = text_to_metadata(rest.strip(), allow_title=True)
    except Exception as error:  # jupytext raises several types for malformed metadata
        fail(line.where, f"cannot read the cell options {rest.strip()!r} ({error}); "
                         'write e.g. `# %% tags=["parameters"]`')
    kind = "code"
    if title.startswith("[markdown]") or title.startswith("[md]"):
        kind = "markdown"
    elif title.startswith("["):
        fail(line.where, f"unsupported cell type {title.split(']')[0]}]; use `# %%` (code) or `# %% [markdown]`")
    unknown = sorted(set(metadata) - {"tags"})
    if unknown:
        fail(line.where, f"unsupported cell option(s) {', '.join(unknown)}; only tags=[...] is read")
    tags = metadata.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        fail(line.where, 'tags must be a list of strings, e.g. tags=["parameters"]')
    for tag in tags:
        if tag not in KNOWN_TAGS:
            fail(line.where, f"unknown cell tag {tag!r}; known tags: {', '.join(KNOWN_TAGS)}")
    return kind, tuple(tags)


def _make_cell(kind: str, tags: tuple[str, ...], header: Line, body: list[Line]) -> Cell:
    while body and not body[0].text.strip():
        body = body[1:]
    while body and not body[-1].text.strip():
        body = body[:-1]
    if kind == "markdown":
        body = [_uncomment_markdown(line) for line in body]
    else:
        texts = uncomment_magic([line.text for line in body], "python")
        body = [Line(text, line.path, line.lineno) for text, line in zip(texts, body, strict=True)]
    return Cell(kind, body, tags, header)


def _uncomment_markdown(line: Line) -> Line:
    text = line.text
    if text.startswith("# "):
        return Line(text[2:], line.path, line.lineno)
    if text.rstrip() == "#":
        return Line("", line.path, line.lineno)
    if not text.strip():
        return Line("", line.path, line.lineno)
    fail(line.where, "a line in a Markdown cell must start with `# ` (jupytext percent format)")


def _validated(cell: Cell) -> Cell:
    if cell.kind == "markdown":
        if "parameters" in cell.tags:
            fail(cell.header.where, "the `parameters` tag belongs on a code cell")
        for line in cell.lines:
            if _marker_kind(line.text) or _looks_like_marker(line.text):
                fail(line.where, "solution markers belong in code cells, not in a Markdown cell")
    return cell


def _marker_kind(text: str) -> str | None:
    stripped = text.strip()
    if stripped == "### BEGIN SOLUTION":
        return "begin"
    if stripped == "### END SOLUTION":
        return "end"
    return None


def _looks_like_marker(text: str) -> bool:
    return bool(re.match(r"^\s*#+\s*(BEGIN|END)\s+SOLUTION", text, re.IGNORECASE))


def marker_kind(line: Line) -> str | None:
    """``"begin"``/``"end"`` for an exact marker line; an error for a near miss (``## begin solution``)."""
    kind = _marker_kind(line.text)
    if kind is None and _looks_like_marker(line.text):
        fail(line.where, "write the marker exactly as `### BEGIN SOLUTION` or `### END SOLUTION`")
    return kind


# --- `from X import *  # course: inline` ------------------------------------------------------


def _expand_inline(lines: list[Line], folder: Path, shown_folder: Path, seen: tuple[str, ...]) -> list[Line]:
    out: list[Line] = []
    for line in lines:
        match = INLINE_DIRECTIVE.match(line.text)
        if not match:
            if re.match(r"^\s*(from|import)\s.*#\s*course:\s*inline", line.text):
                fail(line.where, "write the directive as `from module import *  # course: inline` "
                                 "at the start of a line")
            out.append(line)
            continue
        module_file = f"{match.group('module')}.py"
        if module_file in seen:
            fail(line.where, f"{module_file} inlines itself (cycle: {' -> '.join(seen + (module_file,))})")
        path = folder / module_file
        if not path.is_file():
            fail(line.where, f"cannot inline {module_file}: no such file beside the notebook source "
                             f"({shown_folder / module_file})")
        out.extend(_module_lines(path, shown_folder / module_file, folder, shown_folder, seen + (module_file,)))
    return _hoist_future_imports(out)


def _module_lines(path: Path, shown: Path, folder: Path, shown_folder: Path, seen: tuple[str, ...]) -> list[Line]:
    """The module's source as notebook lines: docstring as comments, `__future__` imports hoisted."""
    text = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        fail(f"{shown}:{error.lineno}", f"cannot inline {shown.name}: {error.msg}")
    for node in tree.body:
        if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test):
            fail(f"{shown}:{node.lineno}", f"{shown.name} has an `if __name__ == ...` block, "
                                           "which would run inside the notebook; move it to a script")
    lines = [Line(t, shown, n) for n, t in enumerate(text.splitlines(), start=1)]
    header = [Line(f"# --- inlined from {shown.as_posix()} ---", shown, 1)]
    first = tree.body[0] if tree.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        doc = [Line(f"# {t}".rstrip(), shown, first.lineno) for t in first.value.value.strip().splitlines()]
        lines = lines[: first.lineno - 1] + doc + lines[first.end_lineno :]
    return _expand_inline(header + lines, folder, shown_folder, seen)


def _hoist_future_imports(lines: list[Line]) -> list[Line]:
    """`from __future__` must open a cell: move such lines (once each) to the top."""
    future = [line for line in lines if line.text.startswith("from __future__ import")]
    if not future:
        return lines
    unique = list({line.text: line for line in future}.values())
    rest = [line for line in lines if not line.text.startswith("from __future__ import")]
    return unique + _collapse_blank_runs(rest)


def _collapse_blank_runs(lines: list[Line]) -> list[Line]:
    """At most two blank lines in a row (PEP 8), after lines were taken out."""
    out: list[Line] = []
    for line in lines:
        if not line.text.strip() and len(out) >= 2 and not out[-1].text.strip() and not out[-2].text.strip():
            continue
        out.append(line)
    return out
