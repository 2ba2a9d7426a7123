"""Figures from data, and the site's data files, for runnable blocks.

    from course import heatmap, lines, table, fetch_data

Each figure function checks its data and hands a plain dict (JSON-able) to `_sink`. The runner that
executes blocks (course_runner) installs `_sink` and draws the dict with course_render, the one
renderer, into escaped HTML/SVG that the page inserts through the contract's allowlist; the reader's
strings are never markup. Without a runner, figures print a one-line summary. The same module runs in
the browser (Pyodide in a Web Worker), under Node-Pyodide and under CPython (pre-render, tests).
"""

from __future__ import annotations

import math
import os

MAX_CELLS = 250_000  # heatmap rows * columns
MAX_POINTS = 100_000  # all series of a line plot together
MAX_ROWS = 1_000  # table rows shown
# A run's figure budget: past it, figures are counted, not drawn, and the run says so (the page
# draws each figure in well under 100 ms, but thousands of them would still hold it up).
MAX_FIGURES_PER_RUN = 100
MAX_FIGURE_CHARS_PER_RUN = 12_000_000  # the HTML of a run's figures together (the largest heatmap is ~2 MB)

_sink = None  # callable(figure: dict) installed by the runner
DATA_DIR = None  # folder of docs/assets/data (CPython, Node); None in the browser
DATA_URL = None  # URL of the site's assets/data/ (browser)


class InputError(ValueError):
    """A reader's input that makes no sense, said in plain words: the page shows the message alone,
    with no traceback (calculators for readers who do not program)."""


def _plain(values, what: str) -> list:
    """numpy arrays, tuples, ranges -> list (numpy is optional)."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    try:
        return list(values)
    except TypeError:
        raise TypeError(f"{what} must be a list, got {type(values).__name__}") from None


def _number(value, what: str):
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number, got {value!r}")
    return None if math.isnan(value) or math.isinf(value) else float(value)


def _labels(labels, count: int, what: str):
    if labels is None:
        return None
    labels = [str(label) for label in _plain(labels, what)]
    if len(labels) != count:
        raise ValueError(f"{what} has {len(labels)} labels but the data has {count}")
    return labels


def _title(title):
    return None if title is None else str(title)


def _emit(figure: dict) -> None:
    if _sink is not None:
        _sink(figure)
    else:
        print(f"[{figure['kind']}: {figure.get('title') or 'untitled'}]")


def heatmap(matrix, x_labels=None, y_labels=None, title=None) -> None:
    """Draw a matrix (list of rows of floats), e.g. an attention pattern (queries x keys)."""
    rows = [_plain(row, "each row of the heatmap") for row in _plain(matrix, "heatmap matrix")]
    if not rows or not rows[0]:
        raise ValueError("heatmap matrix is empty")
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"heatmap row {i} has {len(row)} values but row 0 has {width}: rows must be equal length")
    if len(rows) * width > MAX_CELLS:
        raise ValueError(f"heatmap has {len(rows) * width} cells; the limit is {MAX_CELLS}: show a slice")
    cells = [[_number(v, f"heatmap[{i}][{j}]") for j, v in enumerate(row)] for i, row in enumerate(rows)]
    _emit({"kind": "heatmap", "matrix": cells, "title": _title(title),
           "x_labels": _labels(x_labels, width, "x_labels"), "y_labels": _labels(y_labels, len(rows), "y_labels")})


def lines(series, x=None, title=None, x_label=None, y_label=None, log_y=False) -> None:
    """Plot one list of floats, or a dict name -> list of floats (e.g. train and val loss)."""
    if not isinstance(series, dict):
        series = {"": series}
    named = [{"name": str(name), "y": [_number(v, f"series {name!r}") for v in _plain(ys, f"series {name!r}")]}
             for name, ys in series.items()]
    if not named or not any(s["y"] for s in named):
        raise ValueError("lines() got no values to plot")
    if sum(len(s["y"]) for s in named) > MAX_POINTS:
        raise ValueError(f"lines() got more than {MAX_POINTS} points: plot every n-th value")
    longest = max(len(s["y"]) for s in named)
    xs = None if x is None else [_number(v, "x") for v in _plain(x, "x")]
    if xs is not None and len(xs) != longest:
        raise ValueError(f"x has {len(xs)} values but the longest series has {longest}")
    if log_y and any(v is not None and v <= 0 for s in named for v in s["y"]):
        raise ValueError("log_y=True needs every value > 0")
    _emit({"kind": "lines", "series": named, "x": xs, "title": _title(title),
           "x_label": _title(x_label), "y_label": _title(y_label), "log_y": bool(log_y)})


def table(rows, header=None, title=None) -> None:
    """Show rows (list of lists) as a table; cells are shown as text."""
    rows = [[_cell(c) for c in _plain(row, "each table row")] for row in _plain(rows, "table rows")]
    header = None if header is None else [str(h) for h in _plain(header, "header")]
    hidden = max(0, len(rows) - MAX_ROWS)
    _emit({"kind": "table", "rows": rows[:MAX_ROWS], "header": header, "title": _title(title), "hidden_rows": hidden})


def _cell(value) -> str:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def fetch_data(path: str) -> bytes:
    """The bytes of docs/assets/data/<path>, e.g. fetch_data("gpt2/r50k_base.tiktoken")."""
    parts = str(path).replace("\\", "/").split("/")
    if not path or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"fetch_data({path!r}): give a path below docs/assets/data, e.g. 'gpt2/file.json'")
    if DATA_URL is not None:
        return _fetch_in_browser(DATA_URL + "/".join(parts))
    root = DATA_DIR or os.environ.get("COURSE_DATA_DIR") or _default_data_dir()
    full = os.path.join(root, *parts)
    if not os.path.isfile(full):
        raise FileNotFoundError(f"fetch_data({path!r}): no file docs/assets/data/{path} in the site")
    with open(full, "rb") as f:
        return f.read()


def _default_data_dir() -> str:
    here = os.path.dirname(os.path.abspath(__file__))  # build_tools/blocks/runtime
    return os.path.join(here, "..", "..", "..", "docs", "assets", "data")


def _fetch_in_browser(url: str) -> bytes:
    """Synchronous XHR from the worker (allowed there, with an arraybuffer response)."""
    from js import Uint8Array, XMLHttpRequest  # only in Pyodide

    request = XMLHttpRequest.new()
    request.open("GET", url, False)
    request.responseType = "arraybuffer"
    request.send()
    if request.status != 200:
        raise FileNotFoundError(f"fetch_data: {url} answered HTTP {request.status}")
    return Uint8Array.new(request.response).to_bytes()
