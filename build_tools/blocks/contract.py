"""The runnable-block contract, written once. Python reads it directly; the page reads it from the
JSON the build writes into every page (`page_config`), so web/*.js restates none of it.

What is here: fence options and their defaults, the `extra.pyodide` settings and theirs, the
Pyodide version and core files, the runtime files every interpreter loads, the page <-> worker
messages, the runtime's output events and result keys, and the HTML the page accepts from the
runtime's renderer. See README.md beside this file for the data flow.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RUNTIME_DIR = HERE / "runtime"  # the toolkit's runtime: course (reader API), course_runner, course_render, ...
PAGE_MODULES_DIR = ROOT / "course_src" / "pages"  # course code that blocks import (stdlib only)
WEB_DIR = HERE / "web"
SITE_PREFIX = "assets/pyodide/"  # where web/ and runtime files are served in the site

# ---- fence options ---------------------------------------------------------------------------
LANGUAGE = "pyodide"
DEFAULT_SESSION = "page"
DEFAULT_TIMEOUT = 30.0  # seconds
MAX_TIMEOUT = 600.0
SECTIONS = ("setup", "check", "solution")


def default_id(position: int) -> str:
    """Id of the block at 1-based `position` on its page when the fence gives none."""
    return f"block-{position}"


# ---- versions and files ------------------------------------------------------------------------
def _npm_version(package: str) -> str:
    return json.loads((ROOT / "package.json").read_text())["dependencies"][package]


PYODIDE_VERSION = _npm_version("pyodide")  # pinned once, in package.json
PYODIDE_CORE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")


def runtime_files() -> dict[str, Path]:
    """Every module a block's interpreter can import, by file name: the runtime, the page modules, and
    the standard-library modules that notebooks share with pages (course_src/circuits/circuit_scores.py:
    one definition of each circuits score, which notebooks inline and pages import).
    The browser worker, Node-Pyodide (CI) and CPython (pre-render) all load exactly these."""
    shared = [ROOT / "course_src" / "circuits" / "circuit_scores.py"]
    files = {}
    for path in [*sorted(RUNTIME_DIR.glob("*.py")), *sorted(PAGE_MODULES_DIR.glob("*.py")), *shared]:
        if path.name in files:
            raise ValueError(f"{path}: a runtime module named {path.name} exists already ({files[path.name]})")
        files[path.name] = path
    return files


# ---- extra.pyodide settings (mkdocs.yml) ---------------------------------------------------------
SETTINGS = {
    # name: (default, type, meaning)
    "core_url": ("assets/vendor/pyodide/", str, "Pyodide's core files (self-hosted from npm)"),
    "packages_url": (f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/", str,
                     "where packages=\"...\" are loaded from (a full Pyodide release)"),
    "prefetch": (True, bool, "download Python's files quietly once a block is in view"),
    "max_output_chars": (100_000, int, "characters of output shown per run; the rest is counted"),
    "load_timeout": (120, int, "seconds before a Python load that never finishes is reported"),
}


def settings_markdown() -> str:
    """The settings as a Markdown table, for the authors' guide (the docs restate no default)."""
    rows = [f"| `{name}` | `{json.dumps(default)}` | {meaning} |" for name, (default, _, meaning) in SETTINGS.items()]
    return "\n".join(["| Setting | Default | Meaning |", "| --- | --- | --- |", *rows])


class SettingsError(ValueError):
    """A wrong `extra.pyodide` entry in mkdocs.yml."""


def settings(given: dict | None) -> dict:
    """`extra.pyodide` from mkdocs.yml, checked, with every default filled in."""
    given = dict(given or {})
    unknown = sorted(set(given) - set(SETTINGS))
    if unknown:
        raise SettingsError(f"mkdocs.yml extra.pyodide: unknown setting(s) {unknown}; known: {sorted(SETTINGS)}")
    out = {}
    for name, (default, kind, _) in SETTINGS.items():
        value = given.get(name, default)
        if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            raise SettingsError(f"mkdocs.yml extra.pyodide.{name}: {value!r} is not a positive whole number")
        if kind is not int and not isinstance(value, kind):
            raise SettingsError(f"mkdocs.yml extra.pyodide.{name}: {value!r} should be a {kind.__name__}")
        out[name] = value
    return out


# ---- runtime events and results (course_runner -> host) ---------------------------------------------
EVENT_KINDS = ("stdout", "stderr", "html")  # text streams, and HTML from course_render (figures, notices)
RESULT_KEYS = ("ok", "error", "error_types", "checks")  # checks: [{"name", "ok", "message"}]

# ---- page <-> worker messages ---------------------------------------------------------------------
# Every message is an object with "type"; the other fields each type carries are listed here.
TO_WORKER = {
    "init": ("coreURL", "packagesURL", "runtimeURL", "runtimeFiles", "dataURL", "loadTimeout", "maxOutput"),
    "run": ("runId", "id", "code", "setup", "check", "packages"),
}
FROM_WORKER = {
    "ready": ("loadMs",),
    "load-error": ("message",),
    "progress": ("loaded", "total"),  # bytes of Python's files received so far / announced so far
    "started": ("runId",),  # the worker took the run (a worker that never says so has died)
    "event": ("runId", "kind", "data"),  # kind in EVENT_KINDS
    "done": ("runId", "result"),  # result: RESULT_KEYS
}

# ---- HTML the page accepts from the runtime's renderer ----------------------------------------------
# course_render writes only these elements and attributes; the page rebuilds what it receives from
# them and drops everything else (reader code runs in the same interpreter as the renderer).
HTML_ELEMENTS = {
    "figure": (), "figcaption": (), "div": (), "p": (), "pre": (), "ul": (), "li": (),
    "table": (), "caption": (), "thead": (), "tbody": (), "tr": (), "th": ("scope",), "td": (),
    "svg": ("viewBox", "width", "height", "role", "aria-label", "preserveAspectRatio"),
    "g": ("transform",), "title": (),
    "rect": ("x", "y", "width", "height", "fill", "stroke"),
    "line": ("x1", "x2", "y1", "y2", "stroke", "stroke-width"),
    "path": ("d", "fill", "stroke", "stroke-width"),
    "polyline": ("points", "fill", "stroke", "stroke-width"),
    "text": ("x", "y", "text-anchor", "dominant-baseline", "transform"),
    # xlink:href, not href: Material's instant navigation rewrites every [href] of a new page, and
    # setting .href on an SVG <image> throws. The page keeps it under its local name, href.
    "image": ("x", "y", "width", "height", "xlink:href", "href", "preserveAspectRatio"),
}
HTML_GLOBAL_ATTRIBUTES = ("class", "data-values", "data-rows", "data-cols", "data-x-labels", "data-y-labels")
HTML_IMAGE_PREFIX = "data:image/png;base64,"  # the only URL an attribute may hold (heatmap rasters)


def _runtime_constant(name: str) -> int:
    """A whole-number constant of runtime/course.py (the runtime owns its limits; the page reads them here)."""
    import ast

    tree = ast.parse((RUNTIME_DIR / "course.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise KeyError(f"runtime/course.py has no constant {name}")


def max_html_chars(max_output_chars: int) -> int:
    """The most HTML one run may put in the page: its figure budget, plus the error and the checks'
    messages (each capped at max_output_chars by the runtime, up to 6 times longer once escaped) and
    notices. The page drops what goes past it (only forged messages can)."""
    return _runtime_constant("MAX_FIGURE_CHARS_PER_RUN") + 16 * max_output_chars


def page_config(given_settings: dict | None) -> dict:
    """What every page's script needs, as JSON (<script id="pyodide-config">). URLs are relative to
    the site root."""
    given = settings(given_settings)
    return json.loads(json.dumps({  # plain JSON values: lists, not tuples
        **given,
        "max_html_chars": max_html_chars(given["max_output_chars"]),
        "runtime_url": SITE_PREFIX + "runtime/",
        "runtime_files": list(runtime_files()),
        "data_url": "assets/data/",
        "core_files": list(PYODIDE_CORE_FILES),
        "to_worker": TO_WORKER,
        "from_worker": FROM_WORKER,
        "event_kinds": list(EVENT_KINDS),
        "result_keys": list(RESULT_KEYS),
        "html": {"elements": HTML_ELEMENTS, "global_attributes": list(HTML_GLOBAL_ATTRIBUTES),
                 "image_prefix": HTML_IMAGE_PREFIX},
    }))
