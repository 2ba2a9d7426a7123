"""Notebook smoke benchmark: executes every solution and exercise notebook as CI does (SMOKE=1,
CPU, offline) and prints per-notebook and total times. Goal: all notebooks <= 5 min on 2 cores,
each notebook < 60 s.

    .venv/bin/python bench/notebooks.py [--only gpt2/01_model] [--solutions-only]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from build_tools.notebooks.execute import run_exercise, run_solution  # noqa: E402
from build_tools.notebooks.generate import ROOT, build, discover  # noqa: E402
from build_tools.notebooks.links import repository_from_mkdocs_yml  # noqa: E402


def offline_tiktoken_cache() -> None:
    """As scripts/test.sh: GPT-2's BPE ranks from the copy beside the checkout when offline."""
    cache = ROOT.parent / "shared/data/tiktoken-cache"
    if "TIKTOKEN_CACHE_DIR" not in os.environ and cache.is_dir():
        os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="track/NN_name, e.g. gpt2/01_model")
    parser.add_argument("--solutions-only", action="store_true")
    args = parser.parse_args()
    offline_tiktoken_cache()
    repo = repository_from_mkdocs_yml(ROOT / "mkdocs.yml")
    sources = [s for s in discover(ROOT / "course_src") if not args.only or f"{s.parent.name}/{s.stem}" == args.only]
    print(f"{'notebook':32} {'solution':>9} {'exercise':>9} {'total':>8}  result", flush=True)
    grand, failures, total_cpu = time.monotonic(), 0, 0.0
    for source in sources:
        name = f"{source.parent.name}/{source.stem}"
        built = build(source, repo)
        solution = run_solution(built, built.solution, name)
        exercise = None if args.solutions_only else run_exercise(built, built.exercise, name)
        seconds = solution.seconds + (exercise.seconds if exercise else 0)
        problems = solution.problems + (exercise.problems if exercise else [])
        failures += bool(problems)
        ex = f"{exercise.seconds:8.1f}s" if exercise else f"{'-':>9}"
        cpu = solution.cpu_seconds + (exercise.cpu_seconds if exercise else 0)
        total_cpu += cpu
        stubs = f"cpu {cpu:5.1f}s  "
        if exercise:
            stubs += f"{len(exercise.stubs_raised)}/{len(built.stubs)} stubs, {exercise.replays} replays"
        print(f"{name:32} {solution.seconds:8.1f}s {ex} {seconds:7.1f}s  "
              f"{'ok' if not problems else 'FAIL'}  {stubs}", flush=True)
        for problem in problems:
            print("    " + problem.replace("\n", "\n    "))
    total = time.monotonic() - grand
    print(f"{'all notebooks':32} {'':>9} {'':>9} {total:7.1f}s  cpu {total_cpu:5.1f}s  "
          f"(goal <= 300 s on 2 cores; {len(sources)} notebooks)")
    print(f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          "(other work on the machine inflates wall times)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
