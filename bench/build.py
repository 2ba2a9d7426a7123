"""Build benchmark: wall time of a full strict build, and its ratio to the same pages built with the
project's own Markdown extensions and hooks switched off (goal: <= 1.3x).

    .venv/bin/python bench/build.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time

import yaml
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support import ROOT, build_site, load_mkdocs_yml  # noqa: E402


def plain_config() -> Path:
    """A config beside mkdocs.yml that inherits it but drops our hooks and our custom fences."""
    config = load_mkdocs_yml()
    extensions = [
        "pymdownx.superfences" if isinstance(e, dict) and "pymdownx.superfences" in e else e
        for e in config["markdown_extensions"]
    ]
    path = ROOT / ".bench-plain.yml"  # beside mkdocs.yml so relative paths resolve; gitignored
    path.write_text(yaml.dump({"INHERIT": "mkdocs.yml", "hooks": [], "markdown_extensions": extensions}))
    return path


def timed_build(config: Path | None) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        build_site(Path(out), config=config)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    plain = plain_config()
    try:
        ours = [timed_build(None) for _ in range(args.repeat)]
        base = [timed_build(plain) for _ in range(args.repeat)]
    finally:
        plain.unlink()
    full, bare = statistics.median(ours), statistics.median(base)
    print(f"full build (ours):          {full:6.2f} s  (median of {args.repeat})")
    print(f"same pages, no hooks/fences: {bare:6.2f} s")
    print(f"ratio:                       {full / bare:6.2f}x  (goal <= 1.3x)")


if __name__ == "__main__":
    main()
