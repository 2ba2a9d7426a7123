"""The governance track's pages, and their runnable blocks run under CPython in page order.

Parsing and running are the site's own (build_tools.blocks.page, and CI's verify_page over the
course_runner runtime), so what is tested here is what the page runs.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from build_tools.blocks.check import verify_in_process
from build_tools.blocks.page import PageBlock, read_page_blocks
from tests.support import ROOT, load_mkdocs_yml

DOCS = ROOT / "docs"
TRACK = DOCS / "governance"
# The conventions every unit follows (documented for authors in docs/authors/governance-units.md).
HANDOUT_SECTIONS = ["goals", "summary", "prompts", "artefact"]
REQUIRED_HEADINGS = ["## Learning goals", "## Briefing", "### In short", "## Core readings",
                     "## Discussion prompts", "## Produce", "## Facilitator notes", "## Going deeper"]


def discover_units(docs: Path = DOCS) -> list[str]:
    """The governance units, found on disk: every docs/governance/NN-name.md (two digits, a dash),
    in order. A new unit is tested as soon as its file exists; there is no list to forget."""
    return sorted(p.stem for p in (docs / "governance").glob("[0-9][0-9]-*.md"))


UNITS = discover_units()


def unit_text(slug: str, docs: Path = DOCS) -> str:
    return (docs / "governance" / f"{slug}.md").read_text(encoding="utf-8")


def handout_problems(slug: str, docs: Path = DOCS) -> list[str]:
    """What is wrong with a unit's printable handout (docs/governance/handouts/<slug>.md): it must
    exist, and pull each of HANDOUT_SECTIONS from the unit, which must mark them. [] when fine."""
    unit = f"docs/governance/{slug}.md"
    handout = docs / "governance" / "handouts" / f"{slug}.md"
    if not handout.is_file():
        return [f"{unit} has no handout: write docs/governance/handouts/{slug}.md "
                f"(copy another unit's handout and change the unit's name in it)"]
    problems = []
    marked = section_markers(unit_text(slug, docs))
    text = handout.read_text(encoding="utf-8")
    for name in HANDOUT_SECTIONS:
        if name not in marked:
            problems.append(f"{unit}: mark the '{name}' section with <!-- --8<-- [start:{name}] --> "
                            f"... <!-- --8<-- [end:{name}] -->")
        if f'--8<-- "{unit}:{name}"' not in text:
            problems.append(f"docs/governance/handouts/{slug}.md does not include --8<-- \"{unit}:{name}\"")
    return problems


def heading_problems(slug: str, docs: Path = DOCS) -> list[str]:
    """REQUIRED_HEADINGS the unit lacks, as messages. [] when it has them all."""
    text = unit_text(slug, docs)
    missing = [h for h in REQUIRED_HEADINGS if not re.search(rf"^{re.escape(h)}", text, re.M)]
    return [f"docs/governance/{slug}.md lacks the heading '{h}'" for h in missing]


def unit_blocks(slug: str) -> list[PageBlock]:
    return read_page_blocks(TRACK / f"{slug}.md", DOCS)


def governance_nav() -> list:
    """The Governance block of mkdocs.yml's nav."""
    for entry in load_mkdocs_yml()["nav"]:
        if isinstance(entry, dict) and "Governance" in entry:
            return entry["Governance"]
    raise AssertionError("mkdocs.yml: no 'Governance' block in nav")


def unit_session(slug: str):
    """The unit's one session after its blocks ran (solutions for exercises), for calling what
    they defined. Any block that fails (a raises="X" block must raise X) fails with file:line and id."""
    sessions: dict = {}
    problems = [f"docs/governance/{slug}.md:{r['line']}: block '{r['id']}': {r['problem']}"
                for r in verify_in_process(unit_blocks(slug), sessions).values() if not r["ok"]]
    assert not problems, "\n".join(problems)
    assert len(sessions) == 1, f"docs/governance/{slug}.md: expected one session, found {sorted(sessions)}"
    return next(iter(sessions.values()))


def run_block(session, block: PageBlock, code: str | None = None) -> tuple[dict, str]:
    """Run one block (or `code` in its place) in a unit's session: (its result, what the reader
    would read: printed text, and the text of its tables and charts)."""
    shown: list[str] = []
    saved = session.emit
    session.emit = lambda kind, payload: shown.append(re.sub(r"<[^>]+>", " ", payload) if kind == "html" else payload)
    try:
        result = session.run(block.id, block.block.code if code is None else code, setup=block.block.setup)
    finally:
        session.emit = saved
    return result, html.unescape("".join(shown))


def page_namespace(slug: str) -> dict:
    """The names the unit's blocks defined (see unit_session)."""
    return unit_session(slug).namespace


def section_markers(text: str) -> dict[str, str]:
    """pymdownx.snippets sections of a page: name -> text between its start and end markers."""
    found = {}
    for m in re.finditer(r"<!-- --8<-- \[start:(\w+)\] -->\n(.*?)<!-- --8<-- \[end:\1\] -->", text, re.S):
        found[m.group(1)] = m.group(2)
    return found
