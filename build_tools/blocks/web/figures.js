// Draw the `course` module's figures (plain data from Python) as SVG / tables. Text goes in via
// textContent only: nothing from Python is ever parsed as HTML. Mirrors build_tools/figures.py.
const SVG = "http://www.w3.org/2000/svg";
// Okabe-Ito-based series colours for a light page; blocks.css swaps in lighter ones for the dark scheme.
export const PALETTE = ["#0072b2", "#d55e00", "#007f5f", "#b5477f", "#7a5c00", "#6a3d9a"];

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// Viridis-like ramp from 0..1 -> rgb(), the same stops as figures.py.
const STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
export function colour(t) {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const c = STOPS[i].map((a, k) => Math.round(a + (STOPS[i + 1][k] - a) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function figureBox(title, svg) {
  const figure = document.createElement("figure");
  figure.className = "pyodide-figure";
  if (title) {
    const caption = document.createElement("figcaption");
    caption.textContent = title;
    figure.append(caption);
  }
  figure.append(svg);
  return figure;
}

function heatmap(data) {
  const rows = data.matrix.length, cols = data.matrix[0].length;
  const cell = Math.max(4, Math.min(28, Math.floor(480 / cols)));
  const left = data.y_labels ? 80 : 4, top = data.x_labels ? 70 : 4;
  const width = left + cols * cell + 4, height = top + rows * cell + 4;
  const values = data.matrix.flat().filter((v) => v !== null);
  const lo = Math.min(...values), hi = Math.max(...values);
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", class: "pyodide-heatmap" });
  svg.append(el("title", {}, `${data.title || "heatmap"}: ${rows} x ${cols}, values ${lo.toPrecision(3)} to ${hi.toPrecision(3)}`));
  data.matrix.forEach((row, i) => row.forEach((v, j) => {
    const rect = el("rect", { x: left + j * cell, y: top + i * cell, width: cell, height: cell,
      fill: v === null ? "#888" : colour(hi > lo ? (v - lo) / (hi - lo) : 0.5) });
    const label = `${data.y_labels ? data.y_labels[i] : i}, ${data.x_labels ? data.x_labels[j] : j}: ${v === null ? "nan" : v.toPrecision(4)}`;
    rect.append(el("title", {}, label));
    svg.append(rect);
  }));
  (data.y_labels || []).forEach((t, i) => svg.append(el("text", { x: left - 4, y: top + i * cell + cell / 2, "text-anchor": "end", "dominant-baseline": "middle", class: "pyodide-label" }, t)));
  (data.x_labels || []).forEach((t, j) => svg.append(el("text", { transform: `translate(${left + j * cell + cell / 2},${top - 4}) rotate(-60)`, class: "pyodide-label" }, t)));
  return figureBox(data.title, svg);
}

// Readable numbers for axis labels: 0.0123, 42.5, 16,250 (4 significant digits, thousands
// separators), and powers of ten as 10⁴ / 1.5×10⁻⁷ outside 0.001..1e15. Never "1.625e+04".
const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
export const powerOfTen = (e) => "10" + [...String(e)].map((c) => SUPERSCRIPT[c]).join("");

export function formatNumber(v) {
  if (v === 0) return "0";
  let e = Math.floor(Math.log10(Math.abs(v)));
  if (Math.abs(v) >= 10 ** (e + 1)) e += 1; // log10 rounding just below a power of ten
  if (e < -3 || e >= 15) {
    const m = +(v / 10 ** e).toPrecision(3);
    return m === 1 ? powerOfTen(e) : m === -1 ? `-${powerOfTen(e)}` : `${m}×${powerOfTen(e)}`;
  }
  return v.toLocaleString("en-US", { maximumFractionDigits: Math.max(0, 3 - e), useGrouping: true });
}

// y ticks as [value in plot units, label]: log axes get every power of ten (thinned to <= 6).
function yTicks(ylo, yhi, logY) {
  if (!logY) return [[ylo, formatNumber(ylo)], [yhi, formatNumber(yhi)]];
  const step = Math.ceil((yhi - ylo) / 6);
  const ticks = [];
  for (let e = ylo; e <= yhi; e += step) ticks.push([e, powerOfTen(e)]);
  return ticks;
}

// Series colours come from CSS classes (light and dark palettes in blocks.css); the stroke attribute
// is the light colour, for SVG viewed outside the page.
const seriesClass = (k) => `pyodide-series pyodide-series-${k % PALETTE.length}`;

function lines(data) {
  const W = 520, H = 260, L = 56, R = 12, T = 12, B = 40;
  const ys = data.series.flatMap((s) => s.y).filter((v) => v !== null);
  const f = data.log_y ? Math.log10 : (v) => v;
  const longest = Math.max(...data.series.map((s) => s.y.length));
  const xs = data.x || Array.from({ length: longest }, (_, i) => i);
  let [ylo, yhi] = [Math.min(...ys.map(f)), Math.max(...ys.map(f))];
  if (data.log_y) [ylo, yhi] = [Math.floor(ylo), Math.ceil(yhi)]; // whole decades
  if (ylo === yhi) { ylo -= 1; yhi += 1; }
  let [xlo, xhi] = [Math.min(...xs), Math.max(...xs)];
  if (xlo === xhi) { xlo -= 1; xhi += 1; }
  const px = (x) => L + ((x - xlo) / (xhi - xlo)) * (W - L - R);
  const pyUnits = (u) => T + (1 - (u - ylo) / (yhi - ylo)) * (H - T - B);
  const py = (y) => pyUnits(f(y));
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", class: "pyodide-lines" });
  svg.append(el("title", {}, data.title || "line plot"));
  svg.append(el("path", { d: `M${L},${T}V${H - B}H${W - R}`, class: "pyodide-axis", fill: "none" }));
  for (const [u, label] of yTicks(ylo, yhi, data.log_y)) {
    const y = +pyUnits(u).toFixed(1);
    svg.append(el("path", { d: `M${L - 3},${y}H${L}`, class: "pyodide-axis" }));
    svg.append(el("text", { x: L - 5, y, "text-anchor": "end", "dominant-baseline": "middle", class: "pyodide-label pyodide-y-tick" }, label));
  }
  svg.append(el("text", { x: L, y: H - B + 14, "text-anchor": "middle", class: "pyodide-label" }, formatNumber(xlo)));
  svg.append(el("text", { x: W - R, y: H - B + 14, "text-anchor": "end", class: "pyodide-label" }, formatNumber(xhi)));
  if (data.x_label) svg.append(el("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle", class: "pyodide-label" }, data.x_label));
  if (data.y_label) svg.append(el("text", { transform: `translate(12,${(T + H - B) / 2}) rotate(-90)`, "text-anchor": "middle", class: "pyodide-label" }, data.y_label));
  let row = 0;
  data.series.forEach((s, k) => {
    const points = s.y.map((y, i) => (y === null ? null : `${px(xs[i]).toFixed(1)},${py(y).toFixed(1)}`)).filter(Boolean);
    const stroke = PALETTE[k % PALETTE.length];
    svg.append(el("polyline", { points: points.join(" "), fill: "none", stroke, "stroke-width": 2, class: seriesClass(k) }));
    if (!s.name) return;
    // Legend entry, top right: "name ——" with the key drawn in the series' colour.
    const y = T + 10 + 14 * row++;
    const entry = el("g", { class: "pyodide-legend-entry" });
    entry.append(el("text", { x: W - R - 26, y, "text-anchor": "end", "dominant-baseline": "middle", class: "pyodide-legend" }, s.name));
    entry.append(el("line", { x1: W - R - 22, x2: W - R - 4, y1: y, y2: y, stroke, "stroke-width": 3, class: `${seriesClass(k)} pyodide-legend-key` }));
    svg.append(entry);
  });
  return figureBox(data.title, svg);
}

function table(data) {
  const wrap = document.createElement("div");
  wrap.className = "pyodide-table";
  const t = document.createElement("table");
  if (data.title) t.createCaption().textContent = data.title;
  if (data.header) {
    const tr = t.createTHead().insertRow();
    for (const h of data.header) { const th = document.createElement("th"); th.textContent = h; tr.append(th); }
  }
  const body = t.createTBody();
  for (const row of data.rows) {
    const tr = body.insertRow();
    for (const c of row) tr.insertCell().textContent = c;
  }
  wrap.append(t);
  if (data.hidden_rows) {
    const note = document.createElement("p");
    note.className = "pyodide-notice";
    note.textContent = `${data.hidden_rows} more rows not shown.`;
    wrap.append(note);
  }
  return wrap;
}

export function drawFigure(data) {
  if (data.kind === "heatmap") return heatmap(data);
  if (data.kind === "lines") return lines(data);
  if (data.kind === "table") return table(data);
  const p = document.createElement("p");
  p.textContent = `[unknown figure kind ${data.kind}]`;
  return p;
}
