"""The governance track's pages, and their runnable blocks executed under CPython in page order.

Blocks of a page share one namespace, as in the browser (one interpreter per page). The parsing is
the site's own (build_tools.page_blocks), so what is tested here is what the page runs.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys

from build_tools.page_blocks import PageBlock, read_page_blocks
from tests.support import ROOT, load_mkdocs_yml

DOCS = ROOT / "docs"
TRACK = DOCS / "governance"
UNITS = ["01-state-of-ai", "02-risks", "03-toolbox", "04-law", "05-pause", "06-what-you-can-do"]
HANDOUT_SECTIONS = ["goals", "summary", "prompts", "artefact"]


def unit_text(slug: str) -> str:
    return (TRACK / f"{slug}.md").read_text(encoding="utf-8")


def unit_blocks(slug: str) -> list[PageBlock]:
    return read_page_blocks(TRACK / f"{slug}.md", DOCS)


def governance_nav() -> list:
    """The Governance block of mkdocs.yml's nav."""
    for entry in load_mkdocs_yml()["nav"]:
        if isinstance(entry, dict) and "Governance" in entry:
            return entry["Governance"]
    raise AssertionError("mkdocs.yml: no 'Governance' block in nav")


def _use_course_module() -> None:
    runtime = str(ROOT / "build_tools" / "runtime")
    if runtime not in sys.path:
        sys.path.insert(0, runtime)


def run_source(source: str, namespace: dict, name: str) -> str:
    """Execute source in namespace (as file `<name>`); return what it printed."""
    _use_course_module()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, f"<{name}>", "exec"), namespace)
    return out.getvalue()


def run_checks(check_source: str, namespace: dict, name: str) -> dict[str, str | None]:
    """Run a block's hidden checks: description -> None if it passed, else the failure message."""
    registered = []

    def check(description):
        def register(fn):
            registered.append((description, fn))
            return fn
        return register

    namespace["check"] = check
    run_source(check_source, namespace, f"{name}:check")
    results = {}
    for description, fn in registered:
        try:
            fn()
            results[description] = None
        except Exception as exc:  # a failing check reports any exception, as on the page
            results[description] = f"{type(exc).__name__}: {exc}"
    return results


def page_namespace(slug: str) -> dict:
    """Run every block of a unit in order (solutions for exercises) and return the shared namespace.

    A block marked raises="X" must raise X; any other exception fails with the block's id.
    """
    namespace: dict = {"__name__": "__main__"}
    for page_block in unit_blocks(slug):
        block = page_block.block
        source = block.solution if block.solution else block.code
        expected = block.options.raises
        try:
            run_source(block.setup + "\n" + source, namespace, page_block.id)
        except Exception as exc:
            if expected and type(exc).__name__ == expected:
                continue
            raise AssertionError(f"docs/governance/{slug}.md:{page_block.line}: block "
                                 f"'{page_block.id}' raised {type(exc).__name__}: {exc}") from exc
        if expected:
            raise AssertionError(f"docs/governance/{slug}.md:{page_block.line}: block "
                                 f"'{page_block.id}' should raise {expected} but ran cleanly")
    return namespace


def section_markers(text: str) -> dict[str, str]:
    """pymdownx.snippets sections of a page: name -> text between its start and end markers."""
    found = {}
    for m in re.finditer(r"<!-- --8<-- \[start:(\w+)\] -->\n(.*?)<!-- --8<-- \[end:\1\] -->", text, re.S):
        found[m.group(1)] = m.group(2)
    return found
