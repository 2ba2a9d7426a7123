"""Time to execute every runnable block of the site in Node-Pyodide (as CI does), per page.

    .venv/bin/python bench/run_blocks.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from build_tools.blocks.check import all_pages, plan, run_cpython, run_pyodide  # noqa: E402


def main() -> None:
    pyodide_jobs, cpython_jobs, errors = plan(all_pages())
    started = time.perf_counter()
    result = run_pyodide(pyodide_jobs)
    total = time.perf_counter() - started
    blocks = sum(len(b) for b in pyodide_jobs.values())
    failed = sum(not r["ok"] for p in result["pages"].values() for r in p["results"])
    for page, data in sorted(result["pages"].items(), key=lambda kv: -kv[1]["ms"]):
        print(f"  {data['ms'] / 1000:7.2f} s  {page} ({len(data['results'])} blocks)")
    blocks_seconds = sum(p["ms"] for p in result["pages"].values()) / 1000
    print(f"Node-Pyodide: {blocks} blocks on {len(pyodide_jobs)} pages in {total:.1f} s wall "
          f"(loadPyodide {result['load_ms'] / 1000:.1f} s, blocks {blocks_seconds:.1f} s); "
          f"{failed} failing")
    if cpython_jobs:
        started = time.perf_counter()
        run_cpython(cpython_jobs)
        print(f"CPython (packages=): {sum(len(b) for b in cpython_jobs.values())} blocks in "
              f"{time.perf_counter() - started:.1f} s")
    for error in errors.values():
        print(f"  not run, does not parse: {error}")


if __name__ == "__main__":
    main()
