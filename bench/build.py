"""Build benchmark: wall time of a full strict build, and its ratio to the same pages built with the
project's own Markdown extensions and hooks switched off (goal: <= 1.3x).

    .venv/bin/python bench/build.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

import yaml
from pymdownx import superfences
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support import ROOT, build_site, load_mkdocs_yml  # noqa: E402


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


def timed_build(config: Path | None) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        # Without our hooks, links to what they generate (e.g. events.ics) only warn: not strict.
        build_site(Path(out), config=config, strict=config is None)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    plain = plain_config()
    # mkdocs runs in a subprocess and must import accept_any_options from this file's module.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")]))
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
