"""Pre-rendered output: run the pages' blocks at build time (CPython) and put what they show in the page.

The reader sees the starting code's output (solutions are not applied, checks are not run), in page
order with one namespace per session, so pages show results with JavaScript off. One driver
process (runtime/course_drive.py) serves the whole build: the hook submits each page's blocks as
MkDocs renders it and collects the output when MkDocs writes the page, so the blocks run on the
second core meanwhile, and the output stays out of the search index (which reads the page before).

Results are cached in .cache/pyodide-prerender/ by a hash of the blocks, the runtime files and the
data files' contents (so a fresh clone with the cache restored hits it). A block that raises fails
the build with file:line, unless raises="..." names the error or it is an exercise whose stub
raises NotImplementedError; one that runs past its timeout fails it naming that block.
prerender="false" blocks are skipped, and so are sessions that need a package (packages="...")
the build's Python does not have.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from build_tools.blocks.contract import ROOT, RUNTIME_DIR, runtime_files
from build_tools.blocks.page import PageBlock, PageBlockError
from build_tools.blocks.page import where as page_where

CACHE = ROOT / ".cache" / "pyodide-prerender"
GRACE_S = 10  # beyond a block's own time limit, before the host gives up on the driver


def _importable(package: str) -> bool:
    return importlib.util.find_spec(package.replace("-", "_")) is not None


def jobs(blocks: list[PageBlock]) -> list[dict]:
    """Blocks to pre-render. A session that needs a package the build's Python lacks is skipped
    (site builds install no numpy); the reader still runs it, and CI runs it under CPython."""
    unavailable = {b.session for b in blocks if not all(map(_importable, b.block.options.packages))}
    return [{"id": b.id, "session": b.session, "line": b.line, "code": b.block.code, "setup": b.block.setup,
             "raises": b.block.options.raises, "exercise": b.block.is_exercise, "timeout": b.block.options.timeout}
            for b in blocks if b.block.options.prerender and b.session not in unavailable]


_file_hashes: dict[tuple, str] = {}


def _content_hash(path: Path) -> str:
    """sha256 of a file, remembered while its size and mtime stay the same (serve rebuilds)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _file_hashes:
        _file_hashes[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _file_hashes[key]


def environment_key(data_dir: Path) -> str:
    """What every page's output depends on besides its blocks: Python, runtime files, data files."""
    h = hashlib.sha256(sys.version.encode())
    for name, path in sorted(runtime_files().items()):
        h.update(f"{name}:{_content_hash(path)};".encode())
    if data_dir.is_dir():
        for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
            h.update(f"{path.relative_to(data_dir).as_posix()}:{_content_hash(path)};".encode())
    return h.hexdigest()


def cache_key(page_jobs: list[dict], environment: str, max_output: int) -> str:
    h = hashlib.sha256(environment.encode())
    h.update(json.dumps([page_jobs, max_output], sort_keys=True).encode())
    return h.hexdigest()[:24]


def check_outcome(job: dict, result: dict, src_path: str) -> None:
    where = f'{page_where(src_path, job["line"])}: block "{job["id"]}"'
    if "TimeLimit" in result["error_types"]:
        raise PageBlockError(f"{where} ran past its time limit of {job['timeout']:g} s at pre-render: make it "
                             'faster, give it a larger timeout="...", or add prerender="false" to it')
    if result["ok"]:
        if job["raises"]:
            raise PageBlockError(f'{where} is marked raises="{job["raises"]}" but ran without error at pre-render')
        return
    expected = job["raises"] and job["raises"].rsplit(".", 1)[-1] in result["error_types"]
    stub = job["exercise"] and "NotImplementedError" in result["error_types"]
    if not (expected or stub):
        raise PageBlockError(f"{where} raised an error at pre-render (if that is the point, mark it "
                             f'raises="{result["error_types"][0] if result["error_types"] else "..."}"):\n'
                             f'{result["error"]}')


class Driver:
    """The course_drive.py process: requests written to its stdin, replies read by a thread."""

    def __init__(self, data_dir: Path):
        paths = os.pathsep.join(sorted({str(p.parent) for p in runtime_files().values()}))
        env = {**os.environ, "PYTHONPATH": paths, "PYTHONDONTWRITEBYTECODE": "1"}
        self.proc = subprocess.Popen([sys.executable, str(RUNTIME_DIR / "course_drive.py"), str(data_dir)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, encoding="utf-8", cwd=ROOT, env=env)
        self.replies: queue.Queue = queue.Queue()
        self.stderr: list[str] = []
        self.readers = [threading.Thread(target=self._read, args=(self.proc.stdout, self.replies.put), daemon=True),
                        threading.Thread(target=self._read, args=(self.proc.stderr, self.stderr.append), daemon=True)]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _read(stream, sink) -> None:
        for line in stream:
            sink(line)
        sink(None)  # end of stream

    def send(self, request: dict) -> None:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        self.proc.stdin.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for reader in self.readers:
            reader.join(timeout=5)
        self.proc.stdout.close()
        self.proc.stderr.close()


class Prerender:
    """Pre-render for one build: submit(page) as pages are rendered, collect(page) as they are written."""

    def __init__(self, data_dir: Path, max_output: int):
        self.data_dir, self.max_output = data_dir, max_output
        self.environment = environment_key(data_dir)
        self.driver: Driver | None = None
        self.pending: dict[str, dict] = {}  # src_path -> {"jobs", "key", "sent"}
        self.done: dict[str, dict] = {}  # src_path -> {block id: html}
        self.replies: dict[str, list[dict]] = {}  # src_path -> replies read so far

    def submit(self, src_path: str, blocks: list[PageBlock]) -> None:
        page_jobs = jobs(blocks)
        if not page_jobs:
            self.done[src_path] = {}
            return
        key = cache_key(page_jobs, self.environment, self.max_output)
        cached = CACHE / f"{key}.json"
        if cached.exists():
            os.utime(cached)  # recently used: kept by _prune
            self.done[src_path] = json.loads(cached.read_text(encoding="utf-8"))
            return
        if self.driver is not None and self.driver.proc.poll() is not None and self.pending:
            self._fail(next(iter(self.pending)), None, "crashed")  # pages still waiting on it fail loudly
        if self.driver is None or self.driver.proc.poll() is not None:
            self.driver = Driver(self.data_dir)
        self.driver.send({"op": "prerender", "page": src_path, "max_output": self.max_output,
                          "blocks": [{k: j[k] for k in ("id", "session", "code", "setup", "timeout", "raises")}
                                     for j in page_jobs]})
        self.pending[src_path] = {"jobs": page_jobs, "key": key}

    def collect(self, src_path: str) -> dict[str, str]:
        """{block id: output HTML} of a submitted page, waiting for the driver if need be."""
        if src_path in self.done:
            return self.done.pop(src_path)
        pending = self.pending.pop(src_path, None)
        if pending is None:
            return {}
        replies = self._wait_for(src_path, {j["id"]: j for j in pending["jobs"]})
        by_id = {r["id"]: r for r in replies if "html" in r}
        for job in pending["jobs"]:
            check_outcome(job, by_id[job["id"]]["result"], src_path)
        outputs = {i: r["html"] for i, r in by_id.items()}
        CACHE.mkdir(parents=True, exist_ok=True)
        (CACHE / f"{pending['key']}.json").write_text(json.dumps(outputs), encoding="utf-8")
        _prune(CACHE)
        return outputs

    def _wait_for(self, src_path: str, jobs_by_id: dict[str, dict]) -> list[dict]:
        """Read replies until the page is done; a block past its limit + GRACE_S ends the driver."""
        running, since = None, time.monotonic()
        while not any(r.get("done") for r in self.replies.get(src_path, [])):
            limit = jobs_by_id[running]["timeout"] + GRACE_S if running else GRACE_S * 6
            try:
                line = self.driver.replies.get(timeout=max(0.0, since + limit - time.monotonic()))
            except queue.Empty:
                self._fail(src_path, jobs_by_id.get(running), "stopped answering")
            if line is None:
                self._fail(src_path, jobs_by_id.get(running), "crashed")
            reply = json.loads(line)
            self.replies.setdefault(reply["page"], []).append(reply)
            if reply["page"] == src_path and "start" in reply:
                running, since = reply["start"], time.monotonic()
        return self.replies.pop(src_path)

    def _fail(self, src_path: str, job: dict | None, what: str):
        self.driver.close()
        stderr = "".join(line for line in self.driver.stderr if line)[-3000:]
        self.driver = None
        self.pending.clear()
        self.replies.clear()
        where = f'{page_where(src_path, job["line"])}: block "{job["id"]}"' if job else f"{src_path}:"
        raise PageBlockError(f"{where} pre-render {what} (the block may loop in C code or use too much memory; "
                             f'add prerender="false" to it if it must)\n{stderr}')

    def close(self) -> None:
        if self.driver is not None:
            self.driver.close()
            self.driver = None


def _prune(cache: Path, keep: int = 500) -> None:
    """Drop the oldest entries (edited pages leave their old results behind)."""
    entries = sorted(cache.glob("*.json"), key=lambda p: p.stat().st_mtime)
    for old in entries[:-keep]:
        old.unlink(missing_ok=True)


def prerender_page(blocks: list[PageBlock], src_path: str, data_dir: Path, max_output: int) -> dict[str, str]:
    """One page, start to end (tests, tools): {block id: output HTML}."""
    run = Prerender(data_dir, max_output)
    try:
        run.submit(src_path, blocks)
        return run.collect(src_path)
    finally:
        run.close()
