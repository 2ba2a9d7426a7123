"""Pre-rendered output: run a page's blocks at build time (CPython) and render what they print.

The reader sees the starting code's output (solutions are not applied; checks are not run), in
page order with one namespace per session, so the page shows results with JavaScript off. Results
are cached under .cache/pyodide-prerender/ by a hash of the page's blocks and the runtime's source.

A block that raises fails the build with file:line, unless raises="..." names the error or it is an
exercise whose stub raises NotImplementedError. prerender="false" blocks are skipped, and so are
sessions that need a package (packages="...") the build's Python does not have.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
from html import escape
from pathlib import Path

from build_tools.blocks.figures import render_figure
from build_tools.blocks.page import PageBlock, PageBlockError

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = Path(__file__).resolve().parent / "runtime"
CACHE = ROOT / ".cache" / "pyodide-prerender"

DRIVER = """
import json, sys
sys.path.insert(0, sys.argv[1])
import course
course.DATA_DIR = sys.argv[2]
from course_runner import Session
sessions, out = {}, []
for block in json.load(sys.stdin):
    events = []
    emit = lambda kind, payload, events=events: events.append([kind, payload])
    session = sessions.setdefault(block["session"], Session(emit))
    session.emit = emit
    result = session.run(block["id"], block["code"], setup=block["setup"])
    out.append({"events": events, "result": result})
sys.__stdout__.write(json.dumps(out))
"""


def _importable(package: str) -> bool:
    return importlib.util.find_spec(package.replace("-", "_")) is not None


def _jobs(blocks: list[PageBlock]) -> list[dict]:
    """Blocks to pre-render. A session that needs a package the build's Python lacks is skipped
    (site builds install no numpy); the reader still runs it, and CI runs it under CPython."""
    unavailable = {b.session for b in blocks if not all(map(_importable, b.block.options.packages))}
    return [{"id": b.id, "session": b.session, "line": b.line, "code": b.block.code, "setup": b.block.setup,
             "raises": b.block.options.raises, "exercise": b.block.is_exercise, "timeout": b.block.options.timeout}
            for b in blocks if b.block.options.prerender and b.session not in unavailable]


def cache_key(jobs: list[dict], data_dir: Path) -> str:
    """Blocks + runtime source + Python version + the data files' sizes and mtimes (fetch_data)."""
    h = hashlib.sha256(sys.version.encode())
    if data_dir.is_dir():
        for path in sorted(data_dir.rglob("*")):
            stat = path.stat()
            h.update(f"{path.relative_to(data_dir)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    for name in ("course.py", "course_runner.py"):
        h.update((RUNTIME / name).read_bytes())
    h.update((Path(__file__).resolve().parent / "figures.py").read_bytes())
    h.update(json.dumps(jobs, sort_keys=True).encode())
    return h.hexdigest()[:24]


def execute(jobs: list[dict], data_dir: Path, src_path: str) -> list[dict]:
    limit = sum(j["timeout"] for j in jobs) + 10
    try:
        proc = subprocess.run([sys.executable, "-c", DRIVER, str(RUNTIME), str(data_dir)], input=json.dumps(jobs),
                              capture_output=True, text=True, timeout=limit, cwd=ROOT)
    except subprocess.TimeoutExpired:
        raise PageBlockError(f"{src_path}:{jobs[0]['line']}: pre-rendering the page's blocks took over {limit:.0f} s: "
                             'make the slow block faster, or add prerender="false" to it') from None
    if proc.returncode != 0:
        raise PageBlockError(f"{src_path}:{jobs[0]['line']}: pre-render crashed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


def check_outcome(job: dict, result: dict, src_path: str) -> None:
    if result["ok"]:
        if job["raises"]:
            raise PageBlockError(f'{src_path}:{job["line"]}: block "{job["id"]}" is marked raises="{job["raises"]}" '
                                 "but ran without error at pre-render")
        return
    expected = job["raises"] and job["raises"].rsplit(".", 1)[-1] in result["error_types"]
    stub = job["exercise"] and "NotImplementedError" in result["error_types"]
    if not (expected or stub):
        raise PageBlockError(f'{src_path}:{job["line"]}: block "{job["id"]}" raised at pre-render (mark it '
                             f'raises="..." if that is the point, or prerender="false"):\n{result["error"]}')


def render_events(events: list, result: dict, show_error: bool) -> str:
    parts, text, stream = [], [], None

    def flush():
        if text:
            parts.append(f'<pre class="pyodide-text pyodide-{stream}">{escape("".join(text))}</pre>')
            text.clear()

    for kind, payload in events:
        if kind in ("stdout", "stderr"):
            if kind != stream:
                flush()
                stream = kind
            text.append(payload)
        else:
            flush()
            stream = None
            if kind == "figure":
                parts.append(render_figure(payload))
            elif kind == "truncated":
                parts.append(f'<p class="pyodide-notice pyodide-notice-warning">Output truncated: {payload:,} more '
                             "characters were not shown.</p>")
    flush()
    if show_error and result["error"]:
        parts.append(f'<pre class="pyodide-text pyodide-error">{escape(result["error"])}</pre>')
    return f'<div class="pyodide-prerendered">{"".join(parts)}</div>' if parts else ""


def prerender_page(blocks: list[PageBlock], src_path: str, data_dir: Path) -> list[tuple[str, str]]:
    """-> [(block digest, output HTML)] in page order, for the blocks that pre-render."""
    jobs = _jobs(blocks)
    if not jobs:
        return []
    rendered_ids = {j["id"] for j in jobs}
    digests = [b.block.digest() for b in blocks if b.id in rendered_ids]
    cached = CACHE / f"{cache_key(jobs, data_dir)}.json"
    if cached.exists():
        cached.touch()  # recently used: kept by _prune
        return [tuple(x) for x in json.loads(cached.read_text())]
    outcomes = execute(jobs, data_dir, src_path)
    rendered = []
    for job, digest, outcome in zip(jobs, digests, outcomes):
        check_outcome(job, outcome["result"], src_path)
        rendered.append((digest, render_events(outcome["events"], outcome["result"], bool(job["raises"]))))
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(rendered))
    _prune(CACHE)
    return rendered


def _prune(cache: Path, keep: int = 500) -> None:
    """Drop the oldest entries (edited pages leave their old results behind)."""
    entries = sorted(cache.glob("*.json"), key=lambda p: p.stat().st_mtime)
    for old in entries[:-keep]:
        old.unlink(missing_ok=True)
