"""The runtime's output as HTML: figures from `course` data, the truncation notice, errors and checks.

The one renderer (stdlib only), run wherever the runtime runs: CPython at build time (pre-rendered
output) and Pyodide in the browser worker. It returns escaped HTML/SVG strings that use only the
elements and attributes of contract.HTML_ELEMENTS / HTML_GLOBAL_ATTRIBUTES; the page rebuilds what
it receives through that allowlist. Colours that switch with the light/dark scheme are CSS classes
(blocks.css); attributes carry only the data's own colours.

    figure(d) -> str      # d: a dict from course.heatmap / lines / table
    truncated(chars) -> str, figures_skipped(count, ...) -> str, result(result) -> str,
    events([(kind, payload), ...]) -> str

Heatmaps are one PNG raster (one pixel per cell) in an <image>, not a <rect> per cell: thousands of
SVG elements froze pages for seconds. The values travel as data-values for the page's hover tooltip.
"""

from __future__ import annotations

import base64
import json
import math
import struct
import zlib
from html import escape

# Okabe-Ito-based series colours for a light page (the stroke= fallback); blocks.css sets both schemes.
PALETTE = ["#0072b2", "#d55e00", "#007f5f", "#b5477f", "#7a5c00", "#6a3d9a"]
STOPS = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]  # viridis-like
NAN_RGB = (136, 136, 136)
IMAGE_PREFIX = "data:image/png;base64,"  # = contract.HTML_IMAGE_PREFIX (contract is not in the runtime)
LABEL_CHARS = 16  # longer axis labels are cut with "…" (the tooltip has them whole)


# ---- numbers ------------------------------------------------------------------------------------
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(e: int) -> str:
    """10**e as a label: 10⁴, 10⁻³."""
    return "10" + str(e).translate(SUPERSCRIPT)


def format_number(v: float) -> str:
    """The one number formatter for labels: 0.0123, 42.5, 16,250 (4 significant digits, thousands
    separators); 10⁴-style outside 0.001..1e15 (1.5×10⁻⁷). Never "1.625e+04"."""
    if v == 0:
        return "0"
    e = math.floor(math.log10(abs(v)))
    if abs(v) >= 10 ** (e + 1):  # log10 rounding just below a power of ten
        e += 1
    if e < -3 or e >= 15:
        m = float(f"{v / 10 ** e:.3g}")
        if abs(m) == 1:
            return ("-" if m < 0 else "") + power_of_ten(e)
        return f"{m:g}×{power_of_ten(e)}"
    digits = max(0, 3 - e)
    text = f"{v:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if digits else text


def _values_json(matrix: list[list]) -> str:
    """data-values: JSON rows of numbers to 4 significant digits (%.4g is valid JSON), null for NaN."""
    return "[" + ",".join("[" + ",".join("null" if v is None else f"{v:.4g}" for v in row) + "]"
                          for row in matrix) + "]"


def _json(value) -> str:
    return escape(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def nice_step(lo: float, hi: float, count: int = 5, whole: bool = False) -> float:
    """The round step (1, 2, 2.5 or 5 x 10^k; whole numbers only if `whole`) that cuts lo..hi into
    the number of ticks closest to `count`."""
    power = 10 ** math.floor(math.log10((hi - lo) / max(1, count - 1)))
    steps = [m * p for p in (power / 10, power, power * 10) for m in (1, 2, 2.5, 5)]
    steps = [st for st in steps if not whole or (st >= 1 and float(st).is_integer())] or [1]
    return min(steps, key=lambda st: abs((hi - lo) / st + 1 - count))


def nice_ticks(lo: float, hi: float, step: float) -> list[float]:
    """The multiples of `step` from lo to hi inclusive."""
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


# ---- colours and the PNG raster --------------------------------------------------------------------
def colour(t: float) -> tuple[int, int, int]:
    """0..1 -> (r, g, b) on the viridis-like ramp."""
    x = min(1.0, max(0.0, t)) * (len(STOPS) - 1)
    i = min(len(STOPS) - 2, int(x))
    f = x - i
    return tuple(round(a + (c - a) * f) for a, c in zip(STOPS[i], STOPS[i + 1], strict=True))


RAMP = [bytes(colour(k / 255)) for k in range(256)]  # the ramp in 256 steps, as RGB bytes
NAN_PIXEL = bytes(NAN_RGB)


def png(rows: list[bytes]) -> bytes:
    """An 8-bit RGB PNG from rows of RGB bytes (PNG spec: signature, IHDR, IDAT, IEND)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    height, width = len(rows), len(rows[0]) // 3
    raw = b"".join(b"\0" + row for row in rows)  # filter type 0 (none) before each row
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def _image(x, y, width, height, rows: list[bytes], cls: str) -> str:
    href = IMAGE_PREFIX + base64.b64encode(png(rows)).decode("ascii")
    return (f'<image x="{x}" y="{y}" width="{width}" height="{height}" preserveAspectRatio="none" '
            f'class="{cls}" xlink:href="{href}"/>')


# ---- figures ------------------------------------------------------------------------------------
def _figure(title, svg: str) -> str:
    caption = f"<figcaption>{escape(title)}</figcaption>" if title else ""
    return f'<figure class="pyodide-figure">{caption}{svg}</figure>'


def _svg(cls: str, width, height, summary: str, extra: str = "") -> str:
    s = escape(summary)
    return (f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{s}" '
            f'class="{cls}"{extra}><title>{s}</title>')


def _text(x, y, label: str, cls: str = "pyodide-label", anchor: str = "", middle: bool = False) -> str:
    a = f' text-anchor="{anchor}"' if anchor else ""
    m = ' dominant-baseline="middle"' if middle else ""
    return f'<text x="{x:g}" y="{y:g}"{a}{m} class="{cls}">{escape(label)}</text>'


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _every(count: int, cell: float, room: float, labelled: bool) -> int:
    """Show every n-th axis label so that labels are at least `room` px apart (round steps for indices)."""
    n = max(1, math.ceil(room / cell))
    if labelled or n == 1:
        return n
    return next(s for s in (2, 5, 10, 20, 50, 100, 200, 500, 1000, 10**9) if s >= n)


def heatmap(d: dict) -> str:
    matrix, title = d["matrix"], d.get("title")
    rows, cols = len(matrix), len(matrix[0])
    x_labels = d.get("x_labels") or [str(j) for j in range(cols)]
    y_labels = d.get("y_labels") or [str(i) for i in range(rows)]
    cell = min(28, 480 / cols, 720 / rows)  # square cells; the grid at most 480 x 720
    cell = int(cell) if cell >= 4 else round(cell, 3)
    xs = [j for j in range(0, cols, _every(cols, cell, 12, bool(d.get("x_labels"))))]
    ys = [i for i in range(0, rows, _every(rows, cell, 11, bool(d.get("y_labels"))))]
    longest = lambda labels, shown: max(len(_cut(labels[k])) for k in shown)  # noqa: E731
    left = 8 + 6 * longest(y_labels, ys)
    top = 8 + round(5.2 * longest(x_labels, xs))  # x labels are rotated -60 degrees
    gw, gh = round(cols * cell, 2), round(rows * cell, 2)
    bar_x, bar_h = left + gw + 10, max(gh, 60)
    width, height = round(bar_x + 10 + 6 + 6 * 9), round(top + bar_h + 4)

    values = [v for row in matrix for v in row if v is not None]
    lo, hi = (min(values), max(values)) if values else (0.0, 0.0)
    scale = 255 / (hi - lo) if hi > lo else 0.0
    middle = 0 if scale else 128
    pixels = [b"".join(NAN_PIXEL if v is None else RAMP[middle + int((v - lo) * scale + 0.5)] for v in row)
              for row in matrix]
    summary = f"{title or 'heatmap'}: {rows} x {cols}, " + (
        f"values {format_number(lo)} to {format_number(hi)}" if values else "no finite values")
    data = (f' data-rows="{rows}" data-cols="{cols}" data-values="{_values_json(matrix)}"'
            f' data-x-labels="{_json(x_labels)}" data-y-labels="{_json(y_labels)}"')
    out = [_svg("pyodide-heatmap", width, height, summary, data),
           _image(left, top, gw, gh, pixels, "pyodide-cells")]
    for i in ys:
        out.append(_text(left - 4, top + (i + 0.5) * cell, _cut(y_labels[i]), anchor="end", middle=True))
    for j in xs:
        out.append(f'<text transform="translate({left + (j + 0.5) * cell:g},{top - 4}) rotate(-60)" '
                   f'class="pyodide-label">{escape(_cut(x_labels[j]))}</text>')
    # colour scale: a 1-pixel-wide ramp, high values on top, min and max labelled
    ramp = RAMP[::-4]
    out.append(_image(bar_x, top, 10, bar_h, ramp, "pyodide-colour-scale"))
    out.append(_text(bar_x + 14, top + 5, format_number(hi), middle=True))
    out.append(_text(bar_x + 14, top + bar_h - 5, format_number(lo), middle=True))
    return _figure(title, "".join(out) + "</svg>")


def _tick_labels(ticks: list[float]) -> list[tuple[float, str]]:
    """(value, label) per tick: format_number, except that an axis of whole numbers below 10,000
    (years, steps) shows them bare: 2020, not 2,020."""
    if all(float(t).is_integer() and abs(t) < 10_000 for t in ticks):
        return [(t, str(int(t))) for t in ticks]
    return [(t, format_number(t)) for t in ticks]


def _log_ticks(lo: int, hi: int) -> list[int]:
    """Powers of ten from 10^lo to 10^hi, thinned to at most 6."""
    step = math.ceil((hi - lo + 1) / 6)
    return list(range(lo, hi + 1, step))


def _series_class(k: int) -> str:
    return f"pyodide-series pyodide-series-{k % len(PALETTE)}"


def lines(d: dict) -> str:
    W, T, PH = 520, 12, 208  # width, top margin, plot-area height
    log_y, series = d.get("log_y"), d["series"]
    f = math.log10 if log_y else (lambda v: v)
    ys = [f(v) for s in series for v in s["y"] if v is not None]
    xs = d.get("x") or list(range(max(len(s["y"]) for s in series)))
    known_x = [x for x in xs if x is not None]
    ylo, yhi = (min(ys), max(ys)) if ys else (0.0, 1.0)
    if log_y:
        ylo, yhi = math.floor(ylo), math.ceil(yhi)  # whole decades
    if ylo == yhi:
        ylo, yhi = ylo - 1, yhi + 1
    if log_y:
        yticks = [(e, power_of_ten(e)) for e in _log_ticks(int(ylo), int(yhi))]
    else:
        step = nice_step(ylo, yhi)  # the y range grows to whole steps, so both ends are labelled
        ylo, yhi = math.floor(ylo / step + 1e-9) * step, math.ceil(yhi / step - 1e-9) * step
        yticks = _tick_labels(nice_ticks(ylo, yhi, step))
    xlo, xhi = (min(known_x), max(known_x)) if known_x else (0.0, 1.0)
    if xlo == xhi:
        xlo, xhi = xlo - 1, xhi + 1
    whole = all(float(x).is_integer() for x in known_x)  # steps, indices: no ticks between them
    xticks = _tick_labels(nice_ticks(xlo, xhi, nice_step(xlo, xhi, whole=whole)))
    L = max(56, 26 + 6 * max(len(label) for _, label in yticks))  # room for the longest y label
    R = max(12, 3 * len(xticks[-1][1]) - round((xhi - xticks[-1][0]) / (xhi - xlo) * (W - L)))
    px = lambda x: L + (x - xlo) / (xhi - xlo) * (W - L - R)  # noqa: E731
    py = lambda u: T + (1 - (u - ylo) / (yhi - ylo)) * PH  # noqa: E731  (u in plot units)
    bottom = T + PH
    named = [(k, s["name"]) for k, s in enumerate(series) if s["name"]]
    legend_top = bottom + (42 if d.get("x_label") else 28)
    H = legend_top + 14 * len(named) + (6 if named else 0)
    out = [_svg("pyodide-lines", W, H, d.get("title") or "line plot"),
           f'<path d="M{L},{T}V{bottom}H{W - R}" class="pyodide-axis" fill="none"/>']
    for u, label in yticks:
        y = f"{py(u):.1f}"
        out.append(f'<path d="M{L - 3},{y}H{L}" class="pyodide-axis"/>')
        out.append(_text(L - 5, float(y), label, "pyodide-label pyodide-y-tick", "end", True))
    for t, label in xticks:
        x = f"{px(t):.1f}"
        out.append(f'<path d="M{x},{bottom}V{bottom + 3}" class="pyodide-axis"/>')
        out.append(_text(float(x), bottom + 13, label, "pyodide-label pyodide-x-tick", "middle"))
    if d.get("x_label"):
        out.append(_text((L + W - R) / 2, bottom + 27, d["x_label"], anchor="middle"))
    if d.get("y_label"):
        out.append(f'<text transform="translate(12,{T + PH / 2}) rotate(-90)" text-anchor="middle" '
                   f'class="pyodide-label">{escape(d["y_label"])}</text>')
    for k, s in enumerate(series):
        segments, current = [], []
        for i, v in enumerate(s["y"]):
            if v is None or xs[i] is None:
                current = []
                continue
            if not current:
                segments.append(current)
            current.append((px(xs[i]), py(f(v))))
        for seg in segments:  # a gap at each missing value; a lone point as a short dash
            seg = seg if len(seg) > 1 else [(seg[0][0] - 2, seg[0][1]), (seg[0][0] + 2, seg[0][1])]
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
            out.append(f'<polyline points="{points}" fill="none" stroke="{PALETTE[k % len(PALETTE)]}" '
                       f'stroke-width="2" class="{_series_class(k)}"/>')
    for row, (k, name) in enumerate(named):  # legend below the plot: "—— name", key in the series' colour
        y = legend_top + 14 * row
        out.append(f'<g class="pyodide-legend-entry"><line x1="{L}" x2="{L + 18}" y1="{y}" y2="{y}" '
                   f'stroke="{PALETTE[k % len(PALETTE)]}" stroke-width="3" '
                   f'class="{_series_class(k)} pyodide-legend-key"/>'
                   + _text(L + 24, y, name, "pyodide-legend", middle=True) + "</g>")
    return _figure(d.get("title"), "".join(out) + "</svg>")


def table(d: dict) -> str:
    caption = f"<caption>{escape(d['title'])}</caption>" if d.get("title") else ""
    head = ("<thead><tr>" + "".join(f'<th scope="col">{escape(h)}</th>' for h in d["header"])
            + "</tr></thead>") if d.get("header") else ""
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in d["rows"])
    note = (f'<p class="pyodide-notice">{d["hidden_rows"]:,} more rows not shown.</p>'
            if d.get("hidden_rows") else "")
    return f'<div class="pyodide-table"><table>{caption}{head}<tbody>{body}</tbody></table>{note}</div>'


KINDS = {"heatmap": heatmap, "lines": lines, "table": table}


def figure(d: dict) -> str:
    """A dict from course.heatmap / lines / table as HTML."""
    draw = KINDS.get(d.get("kind"))
    if draw is None:
        return f'<p class="pyodide-notice pyodide-notice-error">[unknown figure kind {escape(str(d.get("kind")))}]</p>'
    return draw(d)


# ---- notices, results, a run's events ---------------------------------------------------------------
def truncated(chars: int) -> str:
    return (f'<p class="pyodide-notice pyodide-notice-warning">Output truncated: {chars:,} more characters '
            "were not shown.</p>")


def figures_skipped(count: int, max_figures: int, max_chars: int) -> str:
    """The notice for figures past a run's figure budget (course.MAX_FIGURES_PER_RUN / _CHARS_)."""
    return (f'<p class="pyodide-notice pyodide-notice-warning">{count:,} more figure{"s" if count != 1 else ""} '
            f"{'were' if count != 1 else 'was'} not drawn: one run draws at most {max_figures:,} figures "
            f"({max_chars // 1_000_000:,} MB of figures). Draw fewer, e.g. every 10th step, or one figure "
            "that combines them.</p>")


def result(result: dict) -> str:
    """A run's error (traceback) and its checks, as blocks.js showed them."""
    parts = []
    if result.get("error"):
        parts.append(f'<pre class="pyodide-text pyodide-error">{escape(result["error"])}</pre>')
    if result.get("checks"):
        items = "".join(
            f'<li class="pyodide-{"pass" if c["ok"] else "fail"}">{"✓ Pass" if c["ok"] else "✗ Fail"}: '
            f'{escape(c["name"])}{" — " + escape(c["message"]) if c.get("message") else ""}</li>'
            for c in result["checks"])
        parts.append(f'<ul class="pyodide-checks">{items}</ul>')
    return "".join(parts)


def events(events: list) -> str:
    """[(kind, payload), ...] from a run -> its output HTML: consecutive text of one stream in one
    <pre class="pyodide-text pyodide-{stream}">, "html" payloads as they are (this module wrote them)."""
    parts, text, stream = [], [], None
    for kind, payload in events:
        if kind != stream and text:
            parts.append(f'<pre class="pyodide-text pyodide-{stream}">{escape("".join(text))}</pre>')
            text = []
        stream = kind
        if kind in ("stdout", "stderr"):
            text.append(payload)
        elif kind == "html":
            parts.append(payload)
        else:
            raise ValueError(f"unknown output event kind {kind!r}")
    if text:
        parts.append(f'<pre class="pyodide-text pyodide-{stream}">{escape("".join(text))}</pre>')
    return "".join(parts)
