// One runnable block: its editor (CodeMirror 5, mounted by page.js), toolbar (Run, Stop, Reset,
// Restore original, Copy), saved edits, and output. Python runs in its session's interpreter
// (session.js); output arrives as the runtime's events: text streams as text, HTML (figures, notices,
// the rendered result) through the contract's allowlist (safe_html.js).
import { enhanceHeatmaps } from "./heatmap.js";
import { safeFragment } from "./safe_html.js";
import { Cancelled, keepSpare } from "./session.js";

const STORAGE = "course-block:";

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

export class Block {
  // spec: the block's data-spec (final id and session, written by the build).
  constructor(root, spec, index, session) {
    this.root = root;
    this.spec = spec;
    this.id = spec.id;
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

  // Text is capped by the runtime (max_output_chars), which then sends its own notice.
  appendText(stream, text) {
    if (!this.textNode || this.textNode.dataset.stream !== stream) {
      this.textNode = document.createElement("pre");
      this.textNode.className = `pyodide-text pyodide-${stream}`;
      this.textNode.dataset.stream = stream;
      this.output.append(this.textNode);
    }
    this.textNode.append(document.createTextNode(text));
  }

  appendHTML(html) {
    const fragment = safeFragment(html, this.session.cfg.html);
    enhanceHeatmaps(fragment);
    this.output.append(fragment);
    this.textNode = null;
  }

  onEvent(event) {
    if (event.kind === "html") this.appendHTML(event.data);
    else this.appendText(event.kind, event.data);
  }

  // The result itself was rendered in Python and arrived as an "html" event; here: the status line.
  showResult(result) {
    if (result.error) this.hintUnsolvedExercise(result);
    if (result.checks.length) {
      const passed = result.checks.filter((c) => c.ok).length;
      this.status(`${passed} of ${result.checks.length} checks pass.`);
    } else {
      this.status(result.ok ? "Done." : "Finished with an error.");
      if (!result.error && !this.output.hasChildNodes()) this.notice("Ran without output.");
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
      if (!s.loaded) this.status("Loading Python (first run on this page)…");
      await s.start();
      const before = s.blocks.filter((b) => b.index < this.index && !s.ran.has(b.id));
      if (before.length) {
        this.notice(`First running the earlier block${before.length > 1 ? "s" : ""} ${before.map((b) => b.id).join(", ")} on this page (this block may use what they define).`);
        for (const b of before) {
          const r = await s.execute(b, b.code(), "", () => {}, () => this.stop(`Stopped: block ${b.id} ran past its time limit.`));
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
      const result = await s.execute(this, this.code(), this.spec.check, (e) => this.onEvent(e),
        () => this.stop(`Stopped after the time limit of ${this.spec.timeout} s.`));
      if (result) {
        window.__pyodideBlocks.runs.push({ id: this.id, ms: performance.now() - started });
        this.showResult(result);
      }
    } catch (error) {
      if (!(error instanceof Cancelled)) this.loadFailed(error); // Cancelled: Stop or Reset said why
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
    keepSpare(s.cfg); // the next Run takes a fresh interpreter kept ready
  }

  resetInterpreter() {
    const s = this.session;
    const wasBusy = s.busy;
    s.discard();
    this.clearOutput();
    this.notice(`Python was restarted${wasBusy ? " (the running code was stopped)" : ""}: all variables are gone.`);
    this.status("Python restarted.");
    keepSpare(s.cfg);
  }
}
