"""Helpers shared by the test tiers (import as ``from tests.support import ...``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from mkdocs.utils import yaml_load

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = Path(sys.executable).with_name("mkdocs")


def load_mkdocs_yml() -> dict:
    with open(ROOT / "mkdocs.yml", encoding="utf-8") as f:
        return yaml_load(f)


def nav_sources(nav: list | None = None):
    """Every page file named in mkdocs.yml's nav (docs-relative), in nav order."""
    for item in load_mkdocs_yml()["nav"] if nav is None else nav:
        values = [item] if isinstance(item, str) else list(item.values())
        for value in values:
            yield from (nav_sources(value) if isinstance(value, list) else [value])


def excluded_from_search(src: str) -> bool:
    """A page whose front matter says `search: {exclude: true}` (handouts repeat their unit page)."""
    text = (ROOT / "docs" / src).read_text(encoding="utf-8") if src.endswith(".md") else ""
    front = re.match(r"---\n(.*?)\n---\n", text, re.S)
    return bool(front and (yaml.safe_load(front.group(1)) or {}).get("search", {}).get("exclude"))


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


def jupyter_plugin_entry() -> dict:
    """The mkdocs-jupyter entry of the real mkdocs.yml's plugins."""
    (entry,) = [p for p in load_mkdocs_yml()["plugins"] if isinstance(p, dict) and "mkdocs-jupyter" in p]
    return entry


def make_notebook_site(root: Path, use_directory_urls: bool = True) -> Path:
    """A site in root with the fixture notebooks (tests/fixtures/notebooks/course_src), configured
    like the real one (mkdocs-jupyter options, notebooks hook, repository); returns its mkdocs.yml."""
    import shutil

    import yaml

    from build_tools.notebooks.generate import write_all
    from build_tools.notebooks.links import repository_from_mkdocs_yml

    shutil.copytree(ROOT / "tests/fixtures/notebooks/course_src", root / "course_src")
    (root / "docs").mkdir()
    (root / "docs/index.md").write_text("# Home\n")
    extra = load_mkdocs_yml()["extra"]
    config = {
        "site_name": "Notebook fixture",
        "site_url": "https://example.org/deep/sub/path/",
        "use_directory_urls": use_directory_urls,
        "theme": {"name": "material"},
        "plugins": [jupyter_plugin_entry()],
        "hooks": [str(ROOT / "build_tools/notebooks/hook.py")],
        "extra": {"repository": extra["repository"]},
        "nav": [{"Home": "index.md"}, {"Notebooks": ["notebooks/demo/01_basics.ipynb"]}],
    }
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config))
    write_all(root / "course_src", root / "docs", repository_from_mkdocs_yml(ROOT / "mkdocs.yml"), root)
    return root / "mkdocs.yml"


def describe_block_result(page: str, runtime: str, result: dict) -> str:
    """One failed block of the every-block runner: page:line, block id, runtime, problem, output tail."""
    tail = result.get("output_tail", "").strip()
    shown = "\n    output (tail):\n      " + tail.replace("\n", "\n      ") if tail else ""
    after = (f" [may follow from the failure of block '{result['after_failure_of']}' above]"
             if result.get("after_failure_of") else "")
    return f"{page}:{result['line']} block '{result['id']}' ({runtime}){after}: {result['problem']}{shown}"
