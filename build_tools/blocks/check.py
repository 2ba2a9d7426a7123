"""Run every runnable block of the site: real Pyodide under Node, CPython for sessions with packages=.

Shared by tests/blocks/test_every_block.py, the chapter tests (verify_in_process) and bench/run_blocks.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from build_tools.blocks.contract import PAGE_MODULES_DIR
from build_tools.blocks.page import PageBlock, PageBlockError, read_page_blocks

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
HERE = Path(__file__).resolve().parent
RUNTIME = HERE / "runtime"
DATA = DOCS / "assets" / "data"


def all_pages(docs: Path = DOCS) -> list[str]:
    return sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.md"))


def block_dict(block: PageBlock) -> dict:
    b = block.block
    return {"id": block.id, "session": block.session, "line": block.line, "code": b.code,
            "setup": b.setup, "check": b.check, "solution": b.solution, "raises": b.options.raises,
            "timeout": b.options.timeout}


def plan(pages: list[str], docs: Path = DOCS) -> tuple[dict, dict, dict]:
    """-> (pyodide jobs, cpython jobs, parse errors); a session with any packages= runs on CPython."""
    pyodide, cpython, errors = {}, {}, {}
    for path in pages:
        try:
            blocks = read_page_blocks(docs / path, docs)
        except PageBlockError as error:
            errors[path] = str(error)
            continue
        on_cpython = {b.session for b in blocks if b.block.options.packages}
        for block in blocks:
            target = cpython if block.session in on_cpython else pyodide
            target.setdefault(path, []).append(block_dict(block))
    return pyodide, cpython, errors


def page_budget(blocks: list[dict]) -> float:
    """Seconds a page may take in CI: each block's timeout, twice for exercises (stub + solution)."""
    return sum(b["timeout"] * (2 if b["check"] else 1) for b in blocks) + 10


def run_pyodide(jobs: dict, timeout: float = 1200) -> dict:
    """{page: [block dicts]} -> {"load_ms", "pages": {page: {"ms", "results"}}} from Node-Pyodide."""
    if not jobs:
        return {"load_ms": 0, "pages": {}}
    with tempfile.TemporaryDirectory() as tmp:
        job, result = Path(tmp, "job.json"), Path(tmp, "result.json")
        job.write_text(json.dumps({"runtime_dir": str(RUNTIME), "data_dir": str(DATA),
                                   "verify_py": str(RUNTIME / "course_verify.py"),
                                   "pages": [{"path": p, "blocks": b, "budget_s": page_budget(b)}
                                             for p, b in jobs.items()]}))
        proc = subprocess.run(["node", str(HERE / "node" / "run_pyodide.mjs"), str(job), str(result)],
                              cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0 or not result.exists():
            raise RuntimeError(f"Node-Pyodide runner failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
        return json.loads(result.read_text())


def verify_in_process(blocks: list[PageBlock], sessions: dict | None = None) -> dict[str, dict]:
    """verify_page in this interpreter, for tests that then call what the blocks defined: block id ->
    its result; `sessions` (optional) receives {session name: course_runner.Session}."""
    for folder in (str(RUNTIME), str(HERE), str(PAGE_MODULES_DIR)):  # the runtime's import names, and course_src/pages
        if folder not in sys.path:
            sys.path.insert(0, folder)
    import course
    from course_verify import verify_page

    course.DATA_DIR = str(DATA)
    return {r["id"]: r for r in verify_page([block_dict(b) for b in blocks], sessions)}


CPYTHON_DRIVER = """
import json, sys, time
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import course; course.DATA_DIR = sys.argv[3]
from course_verify import verify_page
pages = {}
for path, blocks in json.load(sys.stdin).items():
    t = time.perf_counter()
    results = verify_page(blocks)
    pages[path] = {"ms": (time.perf_counter() - t) * 1000, "results": results}
sys.__stdout__.write(json.dumps({"pages": pages}))
"""


def run_cpython(jobs: dict, timeout: float = 1200) -> dict:
    if not jobs:
        return {"pages": {}}
    proc = subprocess.run([sys.executable, "-c", CPYTHON_DRIVER, str(RUNTIME), str(HERE), str(DATA)],
                          input=json.dumps(jobs), capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"CPython block runner failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout)
