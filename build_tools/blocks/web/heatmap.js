// Heatmap tooltips without per-cell elements. A heatmap is <svg class="pyodide-heatmap"> holding one
// raster <image> (the cells) and its data: data-values (JSON rows), data-x-labels, data-y-labels
// (JSON lists). One delegated listener shows "row label, column label: value" for the cell under
// the pointer; a focused heatmap shows its current cell and arrow keys move it.
const data = new WeakMap(); // svg -> {values, xs, ys, row, col}
let tip = null;

function parse(svg) {
  if (data.has(svg)) return data.get(svg);
  let entry = null;
  try {
    const values = JSON.parse(svg.dataset.values || "[]");
    const xs = JSON.parse(svg.dataset.xLabels || "null");
    const ys = JSON.parse(svg.dataset.yLabels || "null");
    if (Array.isArray(values) && values.length && Array.isArray(values[0])) entry = { values, xs, ys, row: 0, col: 0 };
  } catch { /* malformed data: no tooltip */ }
  data.set(svg, entry);
  return entry;
}

const grid = (svg) => (svg.querySelector("image") || svg).getBoundingClientRect();

function show(svg, entry, row, col) {
  const { values, xs, ys } = entry;
  if (row < 0 || row >= values.length || col < 0 || col >= values[row].length) return hide();
  entry.row = row;
  entry.col = col;
  if (!tip) {
    tip = document.createElement("div");
    tip.className = "pyodide-tooltip";
    tip.id = "pyodide-tooltip";
    tip.setAttribute("role", "tooltip");
    document.body.append(tip);
  }
  tip.textContent = `${ys?.[row] ?? row}, ${xs?.[col] ?? col}: ${values[row][col]}`;
  const r = grid(svg);
  const h = r.height / values.length, w = r.width / values[row].length;
  tip.style.left = `${r.left + (col + 0.5) * w}px`;
  tip.style.top = `${r.top + row * h}px`;
  tip.hidden = false;
  svg.setAttribute("aria-describedby", tip.id);
}

function hide() { if (tip) tip.hidden = true; }

function onPointer(event) {
  const svg = event.target.closest?.("svg.pyodide-heatmap");
  const entry = svg && parse(svg);
  if (!entry) return hide();
  const r = grid(svg);
  const row = Math.floor(((event.clientY - r.top) / r.height) * entry.values.length);
  const col = Math.floor(((event.clientX - r.left) / r.width) * entry.values[0].length);
  show(svg, entry, row, col);
}

const MOVES = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
function onKey(event) {
  const svg = event.target.closest?.("svg.pyodide-heatmap");
  const entry = svg && parse(svg);
  if (!entry) return;
  if (event.key === "Escape") return hide();
  const move = MOVES[event.key];
  if (!move) return;
  event.preventDefault();
  const row = Math.min(Math.max(entry.row + move[0], 0), entry.values.length - 1);
  const col = Math.min(Math.max(entry.col + move[1], 0), entry.values[row].length - 1);
  show(svg, entry, row, col);
}

function onFocus(event) {
  const svg = event.target.closest?.("svg.pyodide-heatmap");
  const entry = svg && parse(svg);
  if (entry) show(svg, entry, entry.row, entry.col);
}

let listening = false;
// Make the heatmaps under `root` keyboard-focusable, and listen once for the whole document.
export function enhanceHeatmaps(root) {
  for (const svg of root.querySelectorAll("svg.pyodide-heatmap:not([tabindex])")) svg.setAttribute("tabindex", "0");
  if (listening) return;
  listening = true;
  document.addEventListener("pointermove", onPointer, { passive: true });
  document.addEventListener("focusin", onFocus);
  document.addEventListener("focusout", hide);
  document.addEventListener("keydown", onKey);
  addEventListener("scroll", hide, { passive: true, capture: true });
}
