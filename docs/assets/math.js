// Render the maths with the site's own KaTeX copy. pymdownx.arithmatex (generic) wraps each formula
// in <span|div class="arithmatex">\(…\) or \[…\]; notebook pages keep $…$ in their Markdown cells.
// A few formulas per task, so a page full of maths never holds up the reader's input for long.
// document$ fires on first load and after each instant navigation.
const DELIMITERS = [
  { left: "$$", right: "$$", display: true },
  { left: "$", right: "$", display: false },
  { left: "\\(", right: "\\)", display: false },
  { left: "\\[", right: "\\]", display: true },
];
const SLICE_MS = 30;

async function renderMath() {
  const parts = [...document.querySelectorAll(".arithmatex, .jp-MarkdownCell")];
  let sliceStart = performance.now();
  for (const part of parts) {
    renderMathInElement(part, { delimiters: DELIMITERS, ignoredClasses: ["pyodide-block"], throwOnError: false });
    if (performance.now() - sliceStart > SLICE_MS) {
      await new Promise((resolve) => setTimeout(resolve));
      sliceStart = performance.now();
    }
  }
}

document$.subscribe(() => { renderMath(); });
