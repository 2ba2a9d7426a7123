"""Check every runnable block of the site: real Pyodide under Node, CPython for sessions with packages=.

The rule (runtime/course_verify.py): plain blocks run cleanly or raise what they declare; an
exercise's checks fail on its starting code and pass on its solution. Used by tests/blocks, the
chapter tests (verify_in_process) and bench/run_blocks.py:

    python -m build_tools.blocks.check [page.md ...]      # prints one line per problem; exit 1 if any
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from build_tools.blocks.contract import HERE, ROOT, RUNTIME_DIR, runtime_files, settings
from build_tools.blocks.page import PageBlock, PageBlockError, read_page_blocks

DOCS = ROOT / "docs"
DATA = DOCS / "assets" / "data"
MAX_OUTPUT = settings({})["max_output_chars"]  # as a reader's page caps output


def all_pages(docs: Path = DOCS) -> list[str]:
    """Every page MkDocs builds (notes beside data files are excluded from the site)."""
    return sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.md") if "assets/data" not in p.as_posix())


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
        job.write_text(json.dumps({
            "runtime_files": {name: str(path) for name, path in runtime_files().items()},
            "data_dir": str(DATA), "max_output": MAX_OUTPUT,
            "pages": [{"path": p, "blocks": b, "budget_s": page_budget(b)} for p, b in jobs.items()]}))
        proc = subprocess.run(["node", str(HERE / "node" / "run_pyodide.mjs"), str(job), str(result)],
                              cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0 or not result.exists():
            raise RuntimeError(f"Node-Pyodide runner failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
        return json.loads(result.read_text())


def run_cpython(jobs: dict, timeout: float = 1200) -> dict:
    """The same check under CPython, through the build's driver (runtime/course_drive.py)."""
    if not jobs:
        return {"pages": {}}
    requests = "".join(json.dumps({"op": "verify", "page": path, "blocks": blocks, "max_output": MAX_OUTPUT,
                                   "budget_s": page_budget(blocks)}) + "\n" for path, blocks in jobs.items())
    paths = os.pathsep.join(sorted({str(p.parent) for p in runtime_files().values()}))
    proc = subprocess.run([sys.executable, str(RUNTIME_DIR / "course_drive.py"), str(DATA)], input=requests,
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": paths})
    if proc.returncode != 0:
        raise RuntimeError(f"CPython block runner failed:\n{proc.stderr[-4000:]}")
    return {"pages": {reply["page"]: {"results": reply["results"]}
                      for reply in map(json.loads, proc.stdout.splitlines()) if reply.get("done")}}


def verify_in_process(blocks: list[PageBlock], sessions: dict | None = None) -> dict[str, dict]:
    """verify_page in this interpreter, for tests that then call what the blocks defined: block id ->
    its result; `sessions` (optional) receives {session name: course_runner.Session}."""
    for folder in sorted({str(p.parent) for p in runtime_files().values()}):  # as in the drivers
        if folder not in sys.path:
            sys.path.insert(0, folder)
    import course
    from course_verify import verify_page

    course.DATA_DIR = str(DATA)
    return {r["id"]: r for r in verify_page([block_dict(b) for b in blocks], sessions, max_output=MAX_OUTPUT)}


def problems(pages: list[str]) -> list[str]:
    """One line per block that breaks the rule, as `page.md:line block 'id' (runner): problem`."""
    pyodide, cpython, errors = plan(pages)
    out = [f"{error}" for error in errors.values()]
    for runner, report in (("pyodide", run_pyodide(pyodide)), ("cpython", run_cpython(cpython))):
        for path, page in report["pages"].items():
            for r in page["results"]:
                if not r["ok"]:
                    out.append(f"{path}:{r['line']} block '{r['id']}' ({runner}): {r['problem']}")
    return out


if __name__ == "__main__":
    found = problems(sys.argv[1:] or all_pages())
    print("\n".join(found) or "Every block passes.")
    sys.exit(1 if found else 0)
