"""Build benchmark: a full strict build of the site against the same pages built without the
project's own hooks and Markdown extension (```pyodide fences shown as plain code). Goal: <= 1.3x,
with warm caches and with cold ones (--cold: our caches emptied before each of our builds, as on
CI's fresh clone).

The two sides alternate within each round (ours, plain, then plain, ours, ...), so load from other
processes lands on both; each side reports wall and CPU time (min and median), and the ratio.

    .venv/bin/python bench/build.py [--rounds 5] [--cold [pyodide-prerender,links,...]]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml
from pymdownx import superfences

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support import ROOT, build_site, load_mkdocs_yml  # noqa: E402

# What our hooks cache under .cache/ (the plugins' own caches, which the baseline uses too, stay).
OUR_CACHES = ("pyodide-prerender", "links", "notebooks", "vendor")


def accept_any_options(language, inputs, options, attrs, md) -> bool:
    """Superfences validator for the baseline: take the fence's options without checking them."""
    options.update(inputs)
    return True


def plain_config() -> Path:
    """A config beside mkdocs.yml that inherits it but drops our hooks, and shows ```pyodide blocks
    as plain highlighted code (superfences' own formatter), so the same pages are built."""
    from build import accept_any_options as validator  # by module name, so mkdocs can import it

    plain_fence = {"name": "pyodide", "class": "pyodide",
                   "format": superfences.fence_code_format, "validator": validator}
    extensions = [
        {"pymdownx.superfences": {"custom_fences": [plain_fence]}}
        if isinstance(e, dict) and "pymdownx.superfences" in e else e
        for e in load_mkdocs_yml()["markdown_extensions"]
    ]
    path = ROOT / ".bench-plain.yml"  # beside mkdocs.yml so relative paths resolve; gitignored
    path.write_text(yaml.dump({"INHERIT": "mkdocs.yml", "hooks": [], "markdown_extensions": extensions}))
    return path


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_build(config: Path | None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of mkdocs and everything it started) of one build."""
    with tempfile.TemporaryDirectory() as out:
        cpu, start = children_cpu(), time.perf_counter()
        # Without our hooks, links to what they generate (e.g. events.ics) only warn: not strict.
        build_site(Path(out), config=config, strict=config is None)
        return time.perf_counter() - start, children_cpu() - cpu


def empty_our_caches(names=OUR_CACHES) -> None:
    for name in names:
        shutil.rmtree(ROOT / ".cache" / name, ignore_errors=True)


class SavedCaches:
    """Moves our caches aside for a cold benchmark and puts them back after, so the warm caches
    other builds on this machine rely on survive it."""

    def __enter__(self):
        self.saved = Path(tempfile.mkdtemp(prefix="bench-caches-", dir=ROOT / ".cache"))
        for name in OUR_CACHES:
            if (ROOT / ".cache" / name).exists():
                (ROOT / ".cache" / name).rename(self.saved / name)
        return self

    def __exit__(self, *exc):
        empty_our_caches()
        for path in self.saved.iterdir():
            path.rename(ROOT / ".cache" / path.name)
        self.saved.rmdir()


def summary(label: str, runs: list[tuple[float, float]]) -> str:
    wall, cpu = [r[0] for r in runs], [r[1] for r in runs]
    return (f"{label:<34} wall {min(wall):6.2f} / {statistics.median(wall):6.2f} s   "
            f"CPU {min(cpu):6.2f} / {statistics.median(cpu):6.2f} s   (min / median of {len(runs)})")


def ratios(ours: list[tuple[float, float]], base: list[tuple[float, float]], which: int) -> str:
    o, b = [r[which] for r in ours], [r[which] for r in base]
    per_round = statistics.median(x / y for x, y in zip(o, b, strict=True))
    return (f"{min(o) / min(b):5.2f}x min/min, {statistics.median(o) / statistics.median(b):5.2f}x median/median, "
            f"{per_round:5.2f}x median of per-round ratios")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", "--repeat", type=int, default=5, help="builds of each side (default 5)")
    parser.add_argument("--cold", nargs="?", const=",".join(OUR_CACHES), default="", metavar="CACHES",
                        help="empty our caches before each of our builds: all of .cache/{%s} by default, "
                             "or the comma-separated ones named (e.g. --cold pyodide-prerender)" % ",".join(OUR_CACHES))
    args = parser.parse_args()
    plain = plain_config()
    # mkdocs runs in a subprocess and must import accept_any_options from this file's module.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")]))
    ours: list[tuple[float, float]] = []
    base: list[tuple[float, float]] = []

    def run_ours():
        if args.cold:
            empty_our_caches(args.cold.split(","))
        ours.append(timed_build(None))

    def run_base():
        base.append(timed_build(plain))

    try:
        with SavedCaches() if args.cold else contextlib.nullcontext():
            timed_build(None)  # untimed: fills the caches a warm build relies on (--cold empties the named)
            timed_build(plain)  # untimed: warms the OS file cache and the plugins' caches for both
            for round_number in range(args.rounds):
                for run in (run_ours, run_base) if round_number % 2 == 0 else (run_base, run_ours):
                    run()
                print(f"  round {round_number + 1}: ours {ours[-1][0]:5.2f} s, plain {base[-1][0]:5.2f} s",
                      file=sys.stderr)
    finally:
        plain.unlink()
    mode = f"cold: {args.cold} emptied before each build" if args.cold else "warm caches"
    print(summary(f"ours ({mode})", ours))
    print(summary("same pages, no hooks/fences", base))
    print(f"ratio, wall: {ratios(ours, base, 0)}  (goal <= 1.3x)")
    print(f"ratio, CPU:  {ratios(ours, base, 1)}")


if __name__ == "__main__":
    main()
