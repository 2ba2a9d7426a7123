"""A page's YAML front matter and its title line: shared by section cards and events.

MkDocs silently drops front matter it cannot parse (the page then loses its title, card or event),
so ``split`` reads it itself and raises ``FrontMatterError`` naming the file, the line, the key and
the fix. Only YAML front matter between ``---`` lines is read (MkDocs also reads MultiMarkdown-style
``key: value`` lines without them; the course does not use that form).
"""

from __future__ import annotations

import re

import yaml

FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:-{3}|\.{3})[ \t]*\n", re.S)  # as MkDocs' YAML_RE
KEY = re.compile(r"^([A-Za-z0-9_][\w -]*?)[ \t]*:")
QUOTE_ADVICE = ("Put the value in single quotes, e.g. key: 'Read \"Exercise: x\" first' "
                "(a ': ' inside an unquoted value starts a new key)")
# The YAML parser's context ("while parsing ...") when the problem started earlier than it was
# noticed, and what to do about it.
CONTEXT_ADVICE = {
    "while parsing a flow sequence": "Close the list with ], e.g. tracks: [governance, gpt2]",
    "while parsing a flow mapping": "Close the mapping with }, e.g. key: {a: 1, b: 2}",
    "while scanning a quoted scalar": "Close the quoted value with the quote it starts with",
}


class FrontMatterError(ValueError):
    """A front-matter problem on one page: file (and line), key and fix.

    ``noun`` names what the key is to the reader: "front matter 'drop_in'" for cards,
    "field 'tracks'" for events; with no key (a misplaced file), the message follows the path.
    """

    def __init__(self, path: str, key: str, message: str, noun: str = "front matter"):
        super().__init__(f"{path}: {noun} '{key}': {message}" if key else f"{path}: {message}")
        self.path, self.key = path, key


def report(errors: list, heading: str) -> None:
    """Raise one ValueError listing every problem (each prefixed with docs/), if there are any."""
    if errors:
        raise ValueError(heading + "\n  " + "\n  ".join(f"docs/{error}" for error in errors))


def _key_at(lines: list[str], index: int) -> str:
    """The top-level key on line `index` of the YAML, or on the nearest line above that has one."""
    for line in reversed(lines[:index + 1]):
        match = KEY.match(line)
        if match:
            return match.group(1)
    return "?"


def yaml_error(exc: yaml.YAMLError, yaml_text: str, src_path: str) -> FrontMatterError:
    """Turn a YAML error into a FrontMatterError at the line where the problem starts.

    An unclosed ``[`` is noticed only at the next key (``expected ',' or ']', but got ':'``), so
    the context mark (where the list began) is the line to name, with advice to close it. A ': '
    in an unquoted value gets the quoting advice.
    """
    context = getattr(exc, "context", None)
    mark = getattr(exc, "context_mark", None) if context in CONTEXT_ADVICE else None
    mark = mark or getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    index = mark.line if mark else 0
    line = index + 2  # +1 for the opening ---, +1 for 1-based lines
    advice = CONTEXT_ADVICE.get(context) or QUOTE_ADVICE
    if context not in CONTEXT_ADVICE and problem != "mapping values are not allowed here":
        advice = "Check this line: each line is 'key: value'. " + QUOTE_ADVICE
    return FrontMatterError(f"{src_path}:{line}", _key_at(yaml_text.splitlines(), index),
                            f"not valid YAML ({problem}). {advice}")


def split(text: str, src_path: str) -> tuple[dict, str]:
    """(front matter as a dict, the Markdown after it), as MkDocs reads them; {} when there is none.

    Raises FrontMatterError when the front matter is not valid YAML.
    """
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise yaml_error(exc, match.group(1), src_path) from None
    if not isinstance(meta, dict):
        return {}, text
    return meta, text[match.end():].lstrip("\n")


def title_end(markdown: str) -> int:
    """Offset just after the page's first `# Title` line outside code fences (0 if none)."""
    fence, offset = None, 0
    for line in markdown.splitlines(keepends=True):
        stripped = line.lstrip()
        marker = re.match(r"(`{3,}|~{3,})", stripped)
        if marker and (fence is None or marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence)):
            fence = None if fence else marker.group(1)
        elif fence is None and line.startswith("# "):
            return offset + len(line.rstrip("\r\n"))
        offset += len(line)
    return 0


def insert_after_title(markdown: str, block: str, title: str = "") -> str:
    """Insert `block` after the page's first H1; with no H1, add `# title` first when given."""
    at = title_end(markdown)
    if not at and title:
        return f"# {title}\n\n{block}\n{markdown}"
    return f"{markdown[:at]}\n\n{block}\n{markdown[at:]}"
