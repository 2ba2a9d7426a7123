// Runnable ```pyodide blocks: editor (CodeMirror 5), Run/Stop/Reset/Restore/Copy, output, checks.
// Python runs in one module Web Worker per session (session.js, worker.js); blocks of a session share it like
// notebook cells. Configuration: <script id="pyodide-config" type="application/json"> (mkdocs.yml
// extra.pyodide, written by build_tools/blocks/hook.py), URLs relative to the site root.
import { drawFigure } from "./figures.js";
import { Session } from "./session.js";

const HERE = new URL("./", import.meta.url); // .../assets/pyodide/
const SITE = new URL("../../", HERE);
const DEFAULTS = {
  core_url: "assets/vendor/pyodide/",
  packages_url: "https://cdn.jsdelivr.net/pyodide/v314.0.7/full/",
  prefetch: true,
  max_output_chars: 200000,
  load_timeout: 120, // seconds before a load that never finishes is reported as failed
};
const STORAGE = "course-block:";

function config() {
  const node = document.getElementById("pyodide-config");
  const given = node ? JSON.parse(node.textContent) : {};
  const merged = { ...DEFAULTS, ...given };
  const dir = (u) => new URL(u.endsWith("/") ? u : u + "/", SITE).href;
  return { ...merged, core_url: dir(merged.core_url), packages_url: dir(merged.packages_url) };
}

// ---- CodeMirror, loaded once, only on pages with blocks --------------------------------------
let editorReady = null;
function loadEditor() {
  if (window.CodeMirror?.modes?.python) return Promise.resolve(window.CodeMirror);
  editorReady ||= (async () => {
    const vendor = new URL("assets/vendor/codemirror/", SITE);
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = new URL("lib/codemirror.css", vendor).href;
    document.head.append(css);
    for (const path of ["lib/codemirror.js", "mode/python/python.js"]) {
      await new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = new URL(path, vendor).href;
        s.onload = resolve;
        s.onerror = () => reject(new Error(`could not load ${s.src}`));
        document.head.append(s);
      });
    }
    return window.CodeMirror;
  })();
  return editorReady;
}

// ---- one controller per block ---------------------------------------------------------------
function button(label, title, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "md-button pyodide-button";
  b.textContent = label;
  b.title = title;
  b.addEventListener("click", onClick);
  return b;
}

function focusBefore(element) {
  const focusable = [...document.querySelectorAll("a[href], button:not([disabled]), input, select, textarea, [tabindex]:not([tabindex='-1'])")]
    .filter((e) => e.offsetParent !== null || e === element);
  focusable[focusable.indexOf(element) - 1]?.focus();
}

class Block {
  constructor(root, index, session) {
    this.root = root;
    this.spec = JSON.parse(root.dataset.spec);
    this.id = this.spec.id || `block-${index + 1}`;
    this.index = index;
    this.session = session;
    this.key = `${STORAGE}${location.pathname}:${this.id}`;
    root.id ||= `pyodide-${this.id}`;
    root.dataset.blockId = this.id;
    this.output = root.querySelector(".pyodide-output");
    this.source = root.querySelector(".pyodide-source");
    this.buildToolbar();
  }

  buildToolbar() {
    const bar = document.createElement("div");
    bar.className = "pyodide-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", `Code block ${this.id}`);
    this.runButton = button("Run", "Run this block (Ctrl+Enter)", () => this.run());
    this.stopButton = button("Stop", "Stop the running code (restarts Python)", () => this.stop("Stopped."));
    this.stopButton.disabled = true;
    const reset = button("Reset", "Restart Python for this page (forget all variables)", () => this.resetInterpreter());
    const restore = button("Restore original", "Bring back the code as written in the course", () => this.restore());
    const copy = button("Copy", "Copy the code", () => this.copy());
    this.statusLine = document.createElement("span");
    this.statusLine.className = "pyodide-status";
    this.statusLine.setAttribute("role", "status");
    bar.append(this.runButton, this.stopButton, reset, restore, copy, this.statusLine);
    this.root.insertBefore(bar, this.output);
  }

  async mountEditor(CodeMirror) {
    if (this.editor || !this.source) return; // already mounted
    const saved = this.saved();
    let escaped = false;
    const host = document.createElement("div");
    host.className = "pyodide-editor";
    this.source.replaceWith(host);
    this.editor = CodeMirror(host, {
      value: saved ?? this.spec.code.replace(/\n$/, ""), mode: "python", theme: "course", indentUnit: 4, lineNumbers: true,
      lineWrapping: true, // long lines wrap at the content width instead of scrolling sideways
      viewportMargin: Infinity, // every line is in the DOM: long blocks print fully, find-in-page works
      screenReaderLabel: `Python code, block ${this.id}`,
      extraKeys: {
        "Ctrl-Enter": () => this.run(), "Cmd-Enter": () => this.run(),
        Esc: () => { escaped = true; },
        // Tab indents; Esc then Tab leaves the editor (keyboard users are never trapped in it).
        Tab: (cm) => (escaped ? this.runButton.focus() : cm.somethingSelected() ? cm.indentSelection("add") : cm.replaceSelection("    ", "end")),
        "Shift-Tab": (cm) => (escaped ? focusBefore(cm.getInputField()) : cm.indentSelection("subtract")),
      },
    });
    this.editor.on("keydown", (cm, e) => { if (e.key !== "Escape" && e.key !== "Tab" && e.key !== "Shift") escaped = false; });
    this.editor.on("focus", () => { escaped = false; });
    let pending = null;
    this.editor.on("change", () => { clearTimeout(pending); pending = setTimeout(() => this.save(), 250); });
    if (saved !== null) this.status("Your edited code was restored from this browser.");
  }

  async copy() {
    try {
      await navigator.clipboard.writeText(this.code());
    } catch { // no clipboard API (plain http on a venue network): copy through a selection
      const area = document.createElement("textarea");
      area.value = this.code();
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
      this.editor?.focus();
    }
    this.status("Copied.");
  }

  code() { return this.editor ? this.editor.getValue() + "\n" : this.spec.code; }

  saved() {
    try {
      const entry = JSON.parse(localStorage.getItem(this.key) || "null");
      return entry && entry.original === this.spec.code ? entry.code : null;
    } catch { return null; }
  }

  save() {
    try {
      if (this.code() === this.spec.code) localStorage.removeItem(this.key);
      else localStorage.setItem(this.key, JSON.stringify({ original: this.spec.code, code: this.code().replace(/\n$/, "") }));
    } catch { /* storage full or disabled: edits last for this visit only */ }
  }

  restore() {
    this.editor?.setValue(this.spec.code.replace(/\n$/, ""));
    try { localStorage.removeItem(this.key); } catch { /* ignore */ }
    this.status("Original code restored.");
  }

  status(text) { this.statusLine.textContent = text; }

  clearOutput() {
    this.output.replaceChildren();
    this.output.classList.remove("pyodide-prerendered");
    this.chars = 0;
    this.textNode = null;
  }

  notice(text, kind = "info") {
    const p = document.createElement("p");
    p.className = `pyodide-notice pyodide-notice-${kind}`;
    p.textContent = text;
    this.output.append(p);
    this.textNode = null;
    return p;
  }

  appendText(stream, text) {
    const limit = this.session.cfg.max_output_chars;
    if (this.chars >= limit) return;
    const kept = text.slice(0, limit - this.chars);
    this.chars += kept.length;
    if (!this.textNode || this.textNode.dataset.stream !== stream) {
      this.textNode = document.createElement("pre");
      this.textNode.className = `pyodide-text pyodide-${stream}`;
      this.textNode.dataset.stream = stream;
      this.output.append(this.textNode);
    }
    this.textNode.append(document.createTextNode(kept));
    if (kept.length < text.length) this.notice("Output truncated: too much to show.", "warning");
  }

  onMessage(data) {
    if (data.type === "output") this.appendText(data.stream, data.text);
    else if (data.type === "figure") { this.output.append(drawFigure(data.figure)); this.textNode = null; }
    else if (data.type === "truncated") this.notice(`Output truncated: ${data.chars.toLocaleString()} more characters were not shown.`, "warning");
    else if (data.type === "timeout") this.stop(`Stopped after the time limit of ${this.spec.timeout} s.`);
  }

  showResult(result) {
    if (!result) return;
    if (result.error) {
      const pre = document.createElement("pre");
      pre.className = "pyodide-text pyodide-error";
      pre.textContent = result.error;
      this.output.append(pre);
      this.textNode = null;
      this.hintUnsolvedExercise(result);
    }
    if (result.checks.length) {
      const list = document.createElement("ul");
      list.className = "pyodide-checks";
      for (const c of result.checks) {
        const li = document.createElement("li");
        li.className = c.ok ? "pyodide-pass" : "pyodide-fail";
        li.textContent = `${c.ok ? "✓ Pass" : "✗ Fail"}: ${c.name}${c.message ? ` — ${c.message}` : ""}`;
        list.append(li);
      }
      this.output.append(list);
      const passed = result.checks.filter((c) => c.ok).length;
      this.status(`${passed} of ${result.checks.length} checks pass.`);
    } else if (!result.error && !this.output.hasChildNodes()) {
      this.notice("Ran without output.");
    }
  }

  // A stub of an earlier exercise raised: point the reader at it rather than at this block.
  hintUnsolvedExercise(result) {
    if (!result.error_types.includes("NotImplementedError")) return;
    const exercise = this.session.blocks.find((b) => b !== this && b.spec.check && result.error.includes(`File "<${b.id}>"`));
    if (exercise) {
      this.notice(`This block uses your code from the exercise "${exercise.id}" above, which is not finished yet: solve it (or copy its Solution) and run it, then run this block again.`, "warning");
    }
  }

  setRunning(running) {
    this.runButton.disabled = running;
    this.stopButton.disabled = !running;
    this.root.classList.toggle("pyodide-running", running);
  }

  async run() {
    const s = this.session;
    if (s.busy) {
      this.status("Another block on this page is running: wait for it, or press its Stop.");
      return;
    }
    s.busy = true;
    this.clearOutput();
    this.setRunning(true);
    try {
      if (!s.ready) this.status("Loading Python (first run on this page)…");
      await s.start();
      const before = s.blocks.filter((b) => b.index < this.index && !s.ran.has(b.id));
      if (before.length) {
        this.notice(`First running the earlier block${before.length > 1 ? "s" : ""} ${before.map((b) => b.id).join(", ")} on this page (this block may use what they define).`);
        for (const b of before) {
          const r = await s.execute(b, b.code(), "", (d) => d.type === "timeout" ? this.stop(`Stopped: block ${b.id} ran past its time limit.`) : null);
          if (!r) return;
          if (!r.ok && !b.spec.raises) {
            this.notice(`Block ${b.id} raised an error, so this block was not run. Run that block to see it.`, "error");
            return;
          }
          if (!r.ok) s.ran.add(b.id);
        }
      }
      this.status("Running…");
      const started = performance.now();
      const result = await s.execute(this, this.code(), this.spec.check, (d) => this.onMessage(d));
      if (result) {
        window.__pyodideBlocks.runs.push({ id: this.id, ms: performance.now() - started });
        this.showResult(result);
        if (!result.checks.length) this.status(result.ok ? "Done." : "Finished with an error.");
      }
    } catch (error) {
      this.loadFailed(error);
    } finally {
      s.busy = false;
      this.setRunning(false);
    }
  }

  loadFailed(error) {
    this.status("Python could not be loaded.");
    const p = this.notice(`Python could not be loaded: ${error.message}. Check your connection, then retry.`, "error");
    p.append(" ", button("Retry", "Try loading Python again", () => this.run()));
  }

  stop(reason) {
    const s = this.session;
    if (!s.busy) return;
    s.discard();
    this.notice(`${reason} Python was restarted, so the variables of earlier blocks are gone; they will run again automatically when needed.`, "warning");
    this.status("Stopped.");
    s.start().catch(() => {}); // warm a fresh interpreter for the next run
  }

  resetInterpreter() {
    const s = this.session;
    const wasBusy = s.busy;
    s.discard();
    this.clearOutput();
    this.notice(`Python was restarted${wasBusy ? " (the running code was stopped)" : ""}: all variables are gone.`);
    this.status("Python restarted.");
  }
}

// ---- page wiring ----------------------------------------------------------------------------
function prefetchWhenIdle(blocks) {
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 1500));
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.disconnect();
      const block = blocks.find((b) => b.root === entry.target);
      idle(() => block.session.start().catch(() => {}), { timeout: 4000 });
      return;
    }
  });
  for (const b of blocks) observer.observe(b.root);
  return observer;
}

// Material's instant navigation emits document$ for every page it swaps in, and also when the first
// same-page anchor click re-fetches the page the reader is on. Initialisation is idempotent:
// - a block already initialised (data-pyodide-init) is never set up twice;
// - the same page coming back with the same blocks (same data-hash, same order) gets the live
//   blocks put back in place, so edits, outputs and the interpreter's variables survive.
let pageState = null; // { path, sessions: Map<name, Session>, blocks: Block[], observer }

function sameBlocks(blocks, roots) {
  return blocks.length === roots.length && blocks.every((b, i) => b.root.dataset.hash === roots[i].dataset.hash);
}

function keepLiveBlocks(roots) {
  if (!pageState || pageState.path !== location.pathname || !sameBlocks(pageState.blocks, roots)) return false;
  pageState.blocks.forEach((b, i) => {
    if (roots[i] === b.root) return;
    roots[i].replaceWith(b.root);
    b.editor?.refresh(); // CodeMirror measures again after being re-attached
  });
  return true;
}

function discardPage() {
  for (const s of pageState.sessions.values()) s.discard();
  pageState.observer?.disconnect();
  pageState = null;
}

async function initPage() {
  const roots = [...document.querySelectorAll(".pyodide-block")];
  if (keepLiveBlocks(roots)) return;
  if (pageState) discardPage(); // another page: its interpreters go away
  const fresh = roots.filter((root) => !root.dataset.pyodideInit);
  if (!fresh.length) return;
  const cfg = config();
  const sessions = new Map();
  const blocks = fresh.map((root, index) => {
    root.dataset.pyodideInit = "true";
    const spec = JSON.parse(root.dataset.spec);
    const name = spec.session || "page";
    if (!sessions.has(name)) sessions.set(name, new Session(name, cfg));
    const block = new Block(root, index, sessions.get(name));
    sessions.get(name).blocks.push(block);
    return block;
  });
  pageState = { path: location.pathname, sessions, blocks, observer: cfg.prefetch ? prefetchWhenIdle(blocks) : null };
  window.__pyodideBlocks.sessions = [...sessions.values()];
  try {
    const CodeMirror = await loadEditor();
    for (const b of blocks) await b.mountEditor(CodeMirror);
  } catch (error) {
    for (const b of blocks) b.status(`The editor could not be loaded (${error.message}); the code can still run as written.`);
  }
  document.documentElement.classList.add("pyodide-ready");
}

if (window.document$?.subscribe) window.document$.subscribe(() => initPage());
else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initPage);
else initPage();
