"""Front-end files the site serves itself, copied from ``node_modules`` (pinned in package.json).

Nothing a page runs comes from a third-party CDN: each entry maps a glob under ``node_modules/`` to
a folder under ``assets/vendor/`` in the built site.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

VENDOR_PREFIX = "assets/vendor"


@dataclass(frozen=True)
class Vendored:
    package: str  # npm package name, a folder in node_modules
    pattern: str  # glob inside the package
    dest: str  # folder under assets/vendor/ (relative paths below the glob's base are kept)
    base: str = ""  # part of the package path stripped before joining with dest


VENDORED: tuple[Vendored, ...] = (
    Vendored("katex", "dist/katex.min.css", "katex", base="dist"),
    Vendored("katex", "dist/katex.min.js", "katex", base="dist"),
    Vendored("katex", "dist/contrib/auto-render.min.js", "katex", base="dist"),
    Vendored("katex", "dist/fonts/*.woff2", "katex", base="dist"),
    # Runnable blocks: the editor, and Pyodide's core (extra packages come from extra.pyodide.packages_url).
    Vendored("codemirror", "lib/codemirror.js", "codemirror"),
    Vendored("codemirror", "lib/codemirror.css", "codemirror"),
    Vendored("codemirror", "mode/python/python.js", "codemirror"),
    *(Vendored("pyodide", name, "pyodide") for name in (
        "pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")),
)


class MissingAssets(RuntimeError):
    """node_modules lacks a file the site needs."""


def vendored_files(node_modules: Path, entries=VENDORED) -> dict[str, Path]:
    """Map each site path (e.g. ``assets/vendor/katex/katex.min.js``) to its file on disk.

    Raises MissingAssets naming the package and the fix when ``npm ci`` has not been run.
    """
    out: dict[str, Path] = {}
    for entry in entries:
        root = node_modules / entry.package
        matches = sorted(root.glob(entry.pattern))
        if not matches:
            raise MissingAssets(
                f"{root / entry.pattern} not found: run `npm ci` in the project root "
                f"(package.json pins {entry.package})"
            )
        for path in matches:
            rel = path.relative_to(root / entry.base) if entry.base else path.relative_to(root)
            out[f"{VENDOR_PREFIX}/{entry.dest}/{rel.as_posix()}"] = path
    return out
