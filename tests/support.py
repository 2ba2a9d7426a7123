"""Helpers shared by the test tiers (import as ``from tests.support import ...``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mkdocs.utils import yaml_load

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = Path(sys.executable).with_name("mkdocs")


def load_mkdocs_yml() -> dict:
    with open(ROOT / "mkdocs.yml", encoding="utf-8") as f:
        return yaml_load(f)


def build_site(dest: Path, *extra_args: str, config: Path | None = None,
               strict: bool = True) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` of the real site (or of `config`) into dest; raises with the log on failure."""
    cmd = [str(MKDOCS), "build", *(["--strict"] if strict else []), "--site-dir", str(dest), *extra_args]
    if config is not None:
        cmd += ["--config-file", str(config)]
    env = {**os.environ, "DISABLE_MKDOCS_2_WARNING": "true", "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise AssertionError(f"mkdocs build failed:\n{result.stdout}\n{result.stderr}")
    return result
