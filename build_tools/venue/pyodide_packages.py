"""The Pyodide packages the pages load (packages="..." on a pyodide fence), and copying them, with
their dependencies, out of a full Pyodide release into the kit's site."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from build_tools.blocks.check import DOCS, all_pages
from build_tools.blocks.contract import LANGUAGE

# The opening line of a runnable block's fence and its packages="..." option (the options' syntax is
# build_tools/blocks/spec.py's; only this one option matters here, so the page is not rendered).
FENCE = re.compile(rf"^\s*(`{{3,}}|~{{3,}})\s*{LANGUAGE}\b(?P<options>.*)$")
PACKAGES = re.compile(r"""\bpackages=(["'])(?P<names>[^"']*)\1""")
SITE_FOLDER = "pyodide-full"  # under the kit's site; becomes extra.pyodide.packages_url


def packages_used(docs: Path = DOCS) -> dict[str, list[str]]:
    """{package: [pages that load it]} over every page of the site."""
    used: dict[str, list[str]] = {}
    for page in all_pages(docs):
        for line in (docs / page).read_text(encoding="utf-8").splitlines():
            fence = FENCE.match(line)
            option = PACKAGES.search(fence["options"]) if fence else None
            for name in (n.strip() for n in option["names"].split(",")) if option else ():
                pages = used.setdefault(name, [])
                if page not in pages:
                    pages.append(page)
    return used


def closure(names, lock: dict) -> list[str]:
    """The lock file's package names for `names` and everything they depend on, sorted."""
    packages = {key.lower(): value for key, value in lock["packages"].items()}
    seen, todo = set(), [n.lower() for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in packages:
            raise KeyError(f"{name!r} is not in this Pyodide release's pyodide-lock.json")
        seen.add(name)
        todo.extend(d.lower() for d in packages[name].get("depends", []))
    return sorted(seen)


def copy_packages(names, full: Path, dest: Path) -> list[Path]:
    """Copy the files of `names` (with dependencies) and pyodide-lock.json from an unpacked full
    release (the folder holding pyodide-lock.json) into dest; returns the files written."""
    lock_file = full / "pyodide-lock.json"
    if not lock_file.is_file():
        raise FileNotFoundError(f"{lock_file} not found: give the unpacked full Pyodide release's folder")
    lock = json.loads(lock_file.read_text(encoding="utf-8"))
    packages = {key.lower(): value for key, value in lock["packages"].items()}
    dest.mkdir(parents=True, exist_ok=True)
    written = [Path(shutil.copy2(lock_file, dest))]
    for name in closure(names, lock):
        source = full / packages[name]["file_name"]
        if not source.is_file():
            raise FileNotFoundError(f"{source} (package {name}) is missing from the full release")
        written.append(Path(shutil.copy2(source, dest)))
    return written
