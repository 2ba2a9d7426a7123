// Draw the `course` module's figures (plain data from Python) as SVG / tables. Text goes in via
// textContent only: nothing from Python is ever parsed as HTML. Mirrors build_tools/figures.py.
const SVG = "http://www.w3.org/2000/svg";
export const PALETTE = ["#3f51b5", "#e91e63", "#009688", "#ff9800", "#795548", "#9c27b0"];

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

function lines(data) {
  const W = 520, H = 260, L = 56, R = 12, T = 12, B = 40;
  const ys = data.series.flatMap((s) => s.y).filter((v) => v !== null);
  const f = data.log_y ? Math.log10 : (v) => v;
  const longest = Math.max(...data.series.map((s) => s.y.length));
  const xs = data.x || Array.from({ length: longest }, (_, i) => i);
  let [ylo, yhi] = [Math.min(...ys.map(f)), Math.max(...ys.map(f))];
  if (ylo === yhi) { ylo -= 1; yhi += 1; }
  let [xlo, xhi] = [Math.min(...xs), Math.max(...xs)];
  if (xlo === xhi) { xlo -= 1; xhi += 1; }
  const px = (x) => L + ((x - xlo) / (xhi - xlo)) * (W - L - R);
  const py = (y) => T + (1 - (f(y) - ylo) / (yhi - ylo)) * (H - T - B);
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", class: "pyodide-lines" });
  svg.append(el("title", {}, data.title || "line plot"));
  svg.append(el("path", { d: `M${L},${T}V${H - B}H${W - R}`, class: "pyodide-axis", fill: "none" }));
  const fmt = (v) => (data.log_y ? 10 ** v : v).toPrecision(3);
  svg.append(el("text", { x: L - 4, y: T + 4, "text-anchor": "end", class: "pyodide-label" }, fmt(yhi)));
  svg.append(el("text", { x: L - 4, y: H - B, "text-anchor": "end", class: "pyodide-label" }, fmt(ylo)));
  svg.append(el("text", { x: L, y: H - B + 14, "text-anchor": "middle", class: "pyodide-label" }, String(+xlo.toPrecision(3))));
  svg.append(el("text", { x: W - R, y: H - B + 14, "text-anchor": "end", class: "pyodide-label" }, String(+xhi.toPrecision(3))));
  if (data.x_label) svg.append(el("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle", class: "pyodide-label" }, data.x_label));
  if (data.y_label) svg.append(el("text", { transform: `translate(12,${(T + H - B) / 2}) rotate(-90)`, "text-anchor": "middle", class: "pyodide-label" }, data.y_label));
  data.series.forEach((s, k) => {
    const points = s.y.map((y, i) => (y === null ? null : `${px(xs[i]).toFixed(1)},${py(y).toFixed(1)}`)).filter(Boolean);
    svg.append(el("polyline", { points: points.join(" "), fill: "none", stroke: PALETTE[k % PALETTE.length], "stroke-width": 2 }));
    if (s.name) svg.append(el("text", { x: W - R - 4, y: T + 12 + 14 * k, "text-anchor": "end", fill: PALETTE[k % PALETTE.length], class: "pyodide-legend" }, s.name));
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
