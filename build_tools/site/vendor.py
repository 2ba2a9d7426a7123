"""Front-end files the site serves itself, copied from ``node_modules`` (pinned in package.json).

Nothing a page runs comes from a third-party CDN: each entry maps a glob under ``node_modules/`` to
a folder under ``assets/vendor/`` in the built site. Entries marked ``minify`` are served minified
(esbuild, a pinned devDependency), made once per content and kept in ``.cache/vendor/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

VENDOR_PREFIX = "assets/vendor"


@dataclass(frozen=True)
class Vendored:
    package: str  # npm package name, a folder in node_modules
    pattern: str  # glob inside the package
    dest: str  # folder under assets/vendor/ (relative paths below the glob's base are kept)
    base: str = ""  # part of the package path stripped before joining with dest
    minify: bool = False  # serve it minified (CodeMirror 5 ships only unminified files)


VENDORED: tuple[Vendored, ...] = (
    Vendored("katex", "dist/katex.min.css", "katex", base="dist"),
    Vendored("katex", "dist/katex.min.js", "katex", base="dist"),
    Vendored("katex", "dist/contrib/auto-render.min.js", "katex", base="dist"),
    Vendored("katex", "dist/fonts/*.woff2", "katex", base="dist"),
    # Runnable blocks: the editor, and Pyodide's core (extra packages come from extra.pyodide.packages_url).
    Vendored("codemirror", "lib/codemirror.js", "codemirror", minify=True),
    Vendored("codemirror", "lib/codemirror.css", "codemirror", minify=True),
    Vendored("codemirror", "mode/python/python.js", "codemirror", minify=True),
    *(Vendored("pyodide", name, "pyodide") for name in (
        "pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")),
)


class MissingAssets(RuntimeError):
    """node_modules lacks a file the site needs."""


def vendored_files(node_modules: Path, entries=VENDORED, cache_dir: Path | None = None) -> dict[str, Path]:
    """Map each site path (e.g. ``assets/vendor/katex/katex.min.js``) to its file on disk.

    With ``cache_dir``, entries marked ``minify`` map to their minified copy there (made on first use).
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
            if entry.minify and cache_dir is not None:
                path = minified(path, node_modules, cache_dir)
            out[f"{VENDOR_PREFIX}/{entry.dest}/{rel.as_posix()}"] = path
    return out


ESBUILD_OPTIONS = ("--minify", "--target=es2017", "--log-level=error")


def minified(source: Path, node_modules: Path, cache_dir: Path) -> Path:
    """A minified copy of a .js or .css file, by esbuild, cached by content, esbuild version and options.

    A JavaScript file's leading // comment lines (its copyright and licence) are kept.
    """
    esbuild = node_modules / "esbuild/bin/esbuild"
    manifest = node_modules / "esbuild/package.json"
    if not esbuild.is_file() or not manifest.is_file():
        raise MissingAssets(f"{esbuild} not found: run `npm ci` in the project root "
                            "(package.json pins esbuild, which minifies CodeMirror)")
    data = source.read_bytes()
    version = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    key = hashlib.blake2b(data + f"\0{version}\0{ESBUILD_OPTIONS}".encode(), digest_size=12).hexdigest()
    out = cache_dir / key / source.name
    if out.is_file():
        return out
    result = subprocess.run([str(esbuild), *ESBUILD_OPTIONS, f"--loader={source.suffix[1:]}"],
                            input=data, capture_output=True)
    if result.returncode != 0:
        raise MissingAssets(f"esbuild could not minify {source}:\n{result.stderr.decode(errors='replace')}")
    header = b""
    if source.suffix == ".js":
        for line in data.splitlines(keepends=True):
            if not line.startswith(b"//"):
                break
            header += line
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}")  # concurrent builds: write, then rename
    partial.write_bytes(header + result.stdout)
    partial.replace(out)
    return out
