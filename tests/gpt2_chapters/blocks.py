"""Run the ```pyodide blocks of a chapter under CPython, like the page runs them in the browser.

Blocks share one namespace in page order (one interpreter per page). Each block: hidden setup,
then the reader's code (or the published solution), then the hidden checks.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from dataclasses import dataclass, field

from tests.support import ROOT

FENCE = re.compile(r"^```pyodide(?P<header>[^\n]*)\n(?P<body>.*?)^```\s*$", re.M | re.S)
MARKER = re.compile(r"^# %% (setup|check|solution)\s*$", re.M)
OPTION = re.compile(r'(\w+)="([^"]*)"')


@dataclass
class Block:
    line: int
    options: dict
    code: str
    setup: str = ""
    check: str = ""
    solution: str = ""

    @property
    def name(self) -> str:
        return self.options.get("id", f"line {self.line}")

    @property
    def is_exercise(self) -> bool:
        return bool(self.check.strip())


def parse_blocks(markdown: str) -> list[Block]:
    blocks = []
    for m in FENCE.finditer(markdown):
        body = m.group("body")
        parts = MARKER.split(body)
        block = Block(line=markdown[: m.start()].count("\n") + 1,
                      options=dict(OPTION.findall(m.group("header"))), code=parts[0])
        for kind, text in zip(parts[1::2], parts[2::2]):
            setattr(block, kind, text)
        blocks.append(block)
    return blocks


def chapter_blocks(filename: str) -> list[Block]:
    return parse_blocks((ROOT / "docs" / "gpt2" / filename).read_text(encoding="utf-8"))


@dataclass
class BlockResult:
    output: str
    checks: dict = field(default_factory=dict)   # description -> None (pass) or failure message
    error: BaseException | None = None


def _use_course_module():
    """Blocks import the site's runtime helpers (`from course import ...`), as in the browser."""
    runtime = str(ROOT / "build_tools" / "runtime")
    if runtime not in sys.path:
        sys.path.insert(0, runtime)


def run_block(block: Block, namespace: dict, use_solution: bool) -> BlockResult:
    _use_course_module()
    code = block.solution if (use_solution and block.solution.strip()) else block.code
    registered = []

    def check(description):
        def register(fn):
            registered.append((description, fn))
            return fn
        return register

    out = io.StringIO()
    result = BlockResult(output="")
    with contextlib.redirect_stdout(out):
        try:
            exec(compile(block.setup, f"{block.name}:setup", "exec"), namespace)
            exec(compile(code, f"{block.name}", "exec"), namespace)
        except BaseException as exc:  # the reader's code may raise anything
            result.error = exc
        if block.check.strip():
            namespace["check"] = check
            exec(compile(block.check, f"{block.name}:check", "exec"), namespace)
            for description, fn in registered:
                try:
                    fn()
                    result.checks[description] = None
                except BaseException as exc:
                    result.checks[description] = f"{type(exc).__name__}: {exc}"
    result.output = out.getvalue()
    return result


def run_page(blocks: list[Block], starter_for: str | None = None,
             namespace: dict | None = None, solutions: bool = True) -> dict[str, BlockResult]:
    """Run every block with its solution, except block `starter_for`, which runs the reader's start
    (and is the last block run). solutions=False runs every block as a new reader finds it.
    `namespace` (optional) receives the default session's global names; every other session gets
    its own."""
    namespace = {"__name__": "__main__"} if namespace is None else namespace
    sessions: dict[str, dict] = {}   # blocks with the same session="..." share one interpreter
    results = {}
    for block in blocks:
        session = block.options.get("session", "page")
        names = namespace if session == "page" else sessions.setdefault(session, {"__name__": "__main__"})
        use_solution = solutions and block.name != starter_for
        results[block.name] = run_block(block, names, use_solution=use_solution)
        if block.name == starter_for:
            break
    return results
