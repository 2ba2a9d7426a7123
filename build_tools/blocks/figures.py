"""The `course` module's figures (plain dicts) as static SVG/HTML for pre-rendered output.

Mirrors build_tools/assets/pyodide/figures.js (same geometry and colours), so the page looks the
same with JavaScript off and after Run. Every string from Python is escaped.
"""

from __future__ import annotations

from html import escape

# Okabe-Ito-based series colours for a light page; blocks.css swaps in lighter ones for the dark scheme.
PALETTE = ["#0072b2", "#d55e00", "#007f5f", "#b5477f", "#7a5c00", "#6a3d9a"]
STOPS = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]


def colour(t: float) -> str:
    x = min(1.0, max(0.0, t)) * (len(STOPS) - 1)
    i = min(len(STOPS) - 2, int(x))
    f = x - i
    r, g, b = (round(a + (c - a) * f) for a, c in zip(STOPS[i], STOPS[i + 1]))
    return f"rgb({r},{g},{b})"


def _p(v: float) -> str:
    return f"{v:.4g}"


def _figure(title, svg: str) -> str:
    caption = f"<figcaption>{escape(title)}</figcaption>" if title else ""
    return f'<figure class="pyodide-figure">{caption}{svg}</figure>'


def heatmap(d: dict) -> str:
    rows, cols = len(d["matrix"]), len(d["matrix"][0])
    cell = max(4, min(28, 480 // cols))
    left, top = (80 if d["y_labels"] else 4), (70 if d["x_labels"] else 4)
    width, height = left + cols * cell + 4, top + rows * cell + 4
    values = [v for row in d["matrix"] for v in row if v is not None]
    lo, hi = min(values), max(values)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'role="img" class="pyodide-heatmap"><title>{escape(d["title"] or "heatmap")}: {rows} x {cols}, '
           f"values {_p(lo)} to {_p(hi)}</title>"]
    for i, row in enumerate(d["matrix"]):
        for j, v in enumerate(row):
            fill = "#888" if v is None else colour((v - lo) / (hi - lo) if hi > lo else 0.5)
            label = f'{d["y_labels"][i] if d["y_labels"] else i}, {d["x_labels"][j] if d["x_labels"] else j}: {"nan" if v is None else _p(v)}'
            out.append(f'<rect x="{left + j * cell}" y="{top + i * cell}" width="{cell}" height="{cell}" fill="{fill}">'
                       f"<title>{escape(label)}</title></rect>")
    for i, t in enumerate(d["y_labels"] or []):
        out.append(f'<text x="{left - 4}" y="{top + i * cell + cell / 2}" text-anchor="end" dominant-baseline="middle" '
                   f'class="pyodide-label">{escape(t)}</text>')
    for j, t in enumerate(d["x_labels"] or []):
        out.append(f'<text transform="translate({left + j * cell + cell / 2},{top - 4}) rotate(-60)" '
                   f'class="pyodide-label">{escape(t)}</text>')
    return _figure(d["title"], "".join(out) + "</svg>")


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(e: int) -> str:
    """10**e as a label: 10⁴, 10⁻³."""
    return "10" + str(e).translate(SUPERSCRIPT)


def format_number(v: float) -> str:
    """Axis label: 0.0123, 42.5, 16,250 (4 significant digits, thousands separators); 10⁴-style
    outside 0.001..1e15. Never "1.625e+04". Same output as formatNumber in figures.js."""
    import math

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


def _y_ticks(ylo: float, yhi: float, log_y: bool) -> list[tuple[float, str]]:
    """(value in plot units, label): log axes get every power of ten, thinned to at most 6."""
    if not log_y:
        return [(ylo, format_number(ylo)), (yhi, format_number(yhi))]
    step = -(-(yhi - ylo) // 6)
    return [(e, power_of_ten(int(e))) for e in range(int(ylo), int(yhi) + 1, int(step))]


def _series_class(k: int) -> str:
    """Series colours come from CSS (light and dark palettes in blocks.css); stroke= is the light one."""
    return f"pyodide-series pyodide-series-{k % len(PALETTE)}"


def lines(d: dict) -> str:
    import math

    W, H, L, R, T, B = 520, 260, 56, 12, 12, 40
    f = math.log10 if d["log_y"] else (lambda v: v)
    ys = [v for s in d["series"] for v in s["y"] if v is not None]
    longest = max(len(s["y"]) for s in d["series"])
    xs = d["x"] or list(range(longest))
    ylo, yhi = min(map(f, ys)), max(map(f, ys))
    if d["log_y"]:  # whole decades
        ylo, yhi = math.floor(ylo), math.ceil(yhi)
    if ylo == yhi:
        ylo, yhi = ylo - 1, yhi + 1
    xlo, xhi = min(xs), max(xs)
    if xlo == xhi:
        xlo, xhi = xlo - 1, xhi + 1
    px = lambda x: L + (x - xlo) / (xhi - xlo) * (W - L - R)  # noqa: E731
    py_units = lambda u: T + (1 - (u - ylo) / (yhi - ylo)) * (H - T - B)  # noqa: E731
    py = lambda y: py_units(f(y))  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
           f'class="pyodide-lines"><title>{escape(d["title"] or "line plot")}</title>',
           f'<path d="M{L},{T}V{H - B}H{W - R}" class="pyodide-axis" fill="none"/>']
    for u, label in _y_ticks(ylo, yhi, d["log_y"]):
        y = f"{py_units(u):.1f}"
        out.append(f'<path d="M{L - 3},{y}H{L}" class="pyodide-axis"/>')
        out.append(f'<text x="{L - 5}" y="{y}" text-anchor="end" dominant-baseline="middle" '
                   f'class="pyodide-label pyodide-y-tick">{label}</text>')
    out += [f'<text x="{L}" y="{H - B + 14}" text-anchor="middle" class="pyodide-label">{format_number(xlo)}</text>',
            f'<text x="{W - R}" y="{H - B + 14}" text-anchor="end" class="pyodide-label">{format_number(xhi)}</text>']
    if d["x_label"]:
        out.append(f'<text x="{(L + W - R) / 2}" y="{H - 6}" text-anchor="middle" class="pyodide-label">{escape(d["x_label"])}</text>')
    if d["y_label"]:
        out.append(f'<text transform="translate(12,{(T + H - B) / 2}) rotate(-90)" text-anchor="middle" '
                   f'class="pyodide-label">{escape(d["y_label"])}</text>')
    row = 0
    for k, s in enumerate(d["series"]):
        points = " ".join(f"{px(xs[i]):.1f},{py(y):.1f}" for i, y in enumerate(s["y"]) if y is not None)
        stroke = PALETTE[k % len(PALETTE)]
        out.append(f'<polyline points="{points}" fill="none" stroke="{stroke}" stroke-width="2" class="{_series_class(k)}"/>')
        if s["name"]:  # legend entry, top right: "name ——", the key in the series' colour
            y = T + 10 + 14 * row
            row += 1
            out.append(f'<g class="pyodide-legend-entry"><text x="{W - R - 26}" y="{y}" text-anchor="end" '
                       f'dominant-baseline="middle" class="pyodide-legend">{escape(s["name"])}</text>'
                       f'<line x1="{W - R - 22}" x2="{W - R - 4}" y1="{y}" y2="{y}" stroke="{stroke}" stroke-width="3" '
                       f'class="{_series_class(k)} pyodide-legend-key"/></g>')
    return _figure(d["title"], "".join(out) + "</svg>")


def table(d: dict) -> str:
    caption = f"<caption>{escape(d['title'])}</caption>" if d["title"] else ""
    head = ("<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in d["header"]) + "</tr></thead>") if d["header"] else ""
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in d["rows"])
    note = f'<p class="pyodide-notice">{d["hidden_rows"]} more rows not shown.</p>' if d.get("hidden_rows") else ""
    return f'<div class="pyodide-table"><table>{caption}{head}<tbody>{body}</tbody></table>{note}</div>'


def render_figure(d: dict) -> str:
    return {"heatmap": heatmap, "lines": lines, "table": table}[d["kind"]](d)
