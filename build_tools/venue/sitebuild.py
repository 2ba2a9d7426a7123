"""Build the real site (--strict) into a kit, optionally pointing extra.pyodide.packages_url at a
folder inside it. Runs MkDocs in a child process (`python -m build_tools.venue.sitebuild SITE [URL]`)
so that hooks' module state never leaks into the caller."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUIET = {"DISABLE_MKDOCS_2_WARNING": "true", "NO_MKDOCS_2_WARNING": "1"}


class SiteBuildError(RuntimeError):
    """The strict build failed; the message holds MkDocs' log."""


def build_site(site_dir: Path, packages_url: str | None = None, timeout: float = 1800) -> None:
    """`mkdocs build --strict` of the repository's site into site_dir (replacing what is there)."""
    cmd = [sys.executable, "-m", "build_tools.venue.sitebuild", str(site_dir), *filter(None, [packages_url])]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, **QUIET})
    if result.returncode != 0:
        raise SiteBuildError(f"the site did not build:\n{result.stdout}\n{result.stderr}")


def _main(site_dir: str, packages_url: str | None = None) -> None:
    import logging

    from mkdocs.commands.build import build

    # MkDocs reports a failed build through its log: without a handler the caller's message is empty.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s - %(message)s")
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"), strict=True, site_dir=site_dir)
    if packages_url:
        config["extra"].setdefault("pyodide", {})["packages_url"] = packages_url
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()


if __name__ == "__main__":
    _main(*sys.argv[1:3])
