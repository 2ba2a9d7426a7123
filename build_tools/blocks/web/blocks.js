// One runnable block: its editor (CodeMirror 5, mounted by page.js), toolbar (Run, Stop, Restart
// Python, Undo my edits, Copy), saved edits, and output. Python runs in its session's interpreter
// (session.js); output arrives as the runtime's events: text streams as text, HTML (figures, notices,
// the rendered result) through the contract's allowlist (safe_html.js). The page inserts at most
// max_output_chars of text and max_html_chars of HTML per run, whatever the worker sends.
// Screen readers hear a one-line summary of each run from a polite live region, not the output.
import { enhanceHeatmaps } from "./heatmap.js";
import { safeFragment } from "./safe_html.js";
import { Cancelled, WORKER_DIED, keepSpare } from "./session.js";

const STORAGE = "course-block:";
let storageWarned = false; // "could not save" is said once per page

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

const plural = (n, word) => `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;
const megabytes = (bytes) => (bytes / 1e6).toFixed(1);
const solved = (r) => r.ok && r.checks.every((c) => c.ok);

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
    // The output is not a live region (it may hold 100,000 characters): a summary is announced.
    this.output.removeAttribute("role");
    this.output.removeAttribute("aria-live");
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
    const reset = button("Restart Python", "Restart Python for this page (forget all variables)", () => this.resetInterpreter());
    const restore = button("Undo my edits", "Bring back the code as written in the course", () => this.restore());
    const copy = button("Copy", "Copy the code", () => this.copy());
    this.statusLine = document.createElement("span");
    this.statusLine.className = "pyodide-status";
    this.progress = document.createElement("progress");
    this.progress.className = "pyodide-progress";
    this.progress.hidden = true;
    this.progress.setAttribute("aria-label", "Loading Python");
    this.announcer = document.createElement("span");
    this.announcer.className = "pyodide-announce";
    this.announcer.setAttribute("role", "status");
    this.announcer.setAttribute("aria-live", "polite");
    bar.append(this.runButton, this.stopButton, reset, restore, copy, this.progress, this.statusLine, this.announcer);
    this.toolbar = bar;
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
        Tab: (cm) => (escaped ? this.firstButton().focus() : cm.somethingSelected() ? cm.indentSelection("add") : cm.replaceSelection("    ", "end")),
        "Shift-Tab": (cm) => (escaped ? focusBefore(cm.getInputField()) : cm.indentSelection("subtract")),
      },
    });
    this.editor.on("keydown", (cm, e) => { if (e.key !== "Escape" && e.key !== "Tab" && e.key !== "Shift") escaped = false; });
    this.editor.on("focus", () => { escaped = false; });
    let pending = null;
    this.editor.on("change", () => { clearTimeout(pending); pending = setTimeout(() => this.save(), 250); });
    if (saved !== null) this.status("Your edited code was restored from this browser.");
  }

  // Esc then Tab: the first button that can be pressed (Stop while the block runs, else Run).
  firstButton() { return this.toolbar.querySelector("button:not([disabled])"); }

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
    } catch { // storage full or blocked: edits last for this visit only, and the reader is told once
      if (storageWarned) return;
      storageWarned = true;
      this.status("Your edits could not be saved in this browser (its storage is full or blocked): they last until you leave this page.", true);
    }
  }

  restore() {
    this.editor?.setValue(this.spec.code.replace(/\n$/, ""));
    try { localStorage.removeItem(this.key); } catch { /* storage blocked: nothing was saved */ }
    this.status("Your edits were undone: this is the code as written in the course.", true);
  }

  // The visible status line; `announce`: also tell screen readers (the status line is not live).
  status(text, announce = false) {
    this.statusLine.textContent = text;
    if (announce) this.announce(text);
  }

  announce(text) { this.announcer.textContent = text; }

  // Python is loading for this run: a progress bar and the megabytes received so far.
  loading(p) {
    const total = p && p.total >= p.loaded && p.total > 0 ? ` of ${megabytes(p.total)}` : "";
    this.status(`Loading Python (first run on this page)…${p ? ` ${megabytes(p.loaded)}${total} MB` : ""}`);
    this.progress.hidden = false;
    if (p && total) {
      this.progress.max = p.total;
      this.progress.value = p.loaded;
    } else this.progress.removeAttribute("value"); // indeterminate until sizes are known
  }

  clearOutput() {
    this.output.replaceChildren();
    this.output.classList.remove("pyodide-prerendered");
    this.textNode = null;
    const cfg = this.session.cfg;
    this.budget = { text: cfg.max_output_chars, html: cfg.max_html_chars, dropped: 0, lines: 0, figures: 0 };
  }

  notice(text, kind = "info") {
    const p = document.createElement("p");
    p.className = `pyodide-notice pyodide-notice-${kind}`;
    p.textContent = text;
    this.output.append(p);
    this.textNode = null;
    return p;
  }

  // Text is capped by the runtime (max_output_chars), which then sends its own notice; the page
  // caps it again (a message posted by reader code skips the runtime).
  appendText(stream, text) {
    const kept = text.slice(0, Math.max(0, this.budget.text));
    this.budget.text -= kept.length;
    this.budget.dropped += text.length - kept.length;
    if (!kept) return;
    text = kept;
    this.budget.lines += (text.match(/\n/g) || []).length;
    if (!this.textNode || this.textNode.dataset.stream !== stream) {
      this.textNode = document.createElement("pre");
      this.textNode.className = `pyodide-text pyodide-${stream}`;
      this.textNode.dataset.stream = stream;
      this.output.append(this.textNode);
    }
    this.textNode.append(document.createTextNode(text));
  }

  appendHTML(html) {
    if (html.length > this.budget.html) {
      this.budget.dropped += html.length;
      return;
    }
    this.budget.html -= html.length;
    const fragment = safeFragment(html, this.session.cfg.html);
    enhanceHeatmaps(fragment);
    this.budget.figures += fragment.querySelectorAll?.(".pyodide-figure, .pyodide-table").length || 0;
    this.output.append(fragment);
    this.textNode = null;
  }

  onEvent(event) {
    if (event.kind === "html") this.appendHTML(event.data);
    else this.appendText(event.kind, event.data);
  }

  // Past the page's own caps (only a message posted by reader code gets there): say what was left out.
  noteDropped() {
    if (this.budget.dropped) {
      this.notice(`${this.budget.dropped.toLocaleString("en")} more characters of output were not shown (over this page's limit for one run).`, "warning");
    }
  }

  // The result itself was rendered in Python and arrived as an "html" event; here: the status line
  // and the summary screen readers hear.
  showResult(result) {
    this.noteDropped();
    if (result.error_types.includes("PyodideFatalError") && result.error) { // no Python left to render it
      const pre = document.createElement("pre");
      pre.className = "pyodide-text pyodide-error";
      pre.textContent = result.error.slice(0, this.session.cfg.max_output_chars);
      this.output.append(pre);
    }
    if (result.error) this.hintUnsolvedExercise(result);
    const passed = result.checks.filter((c) => c.ok).length;
    if (result.checks.length) this.status(`${passed} of ${result.checks.length} checks pass.`);
    else {
      this.status(result.ok ? "Done." : "Finished with an error.");
      if (!result.error && !this.output.hasChildNodes()) this.notice("Ran without output.");
    }
    const parts = [result.ok ? "ran" : `ran with an error${result.error_types[0] ? ` (${result.error_types[0]})` : ""}`,
      plural(this.budget.lines, "line") + " of output"];
    if (this.budget.figures) parts.push(plural(this.budget.figures, "figure"));
    if (result.checks.length) parts.push(`${passed} of ${plural(result.checks.length, "check")} passed`);
    this.announce(`Block ${this.id} ${parts.join(", ")}.`);
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
    const focused = document.activeElement;
    if (this.toolbar.contains(focused) && focused.disabled) { // pressed from the keyboard: keep focus near
      (running ? this.stopButton : this.runButton).focus();
    }
  }

  async run() {
    const s = this.session;
    if (s.busy) {
      this.status("Another block on this page is running: wait for it, or press its Stop.", true);
      return;
    }
    s.busy = true;
    this.clearOutput();
    this.setRunning(true);
    let outcome = null;
    try {
      for (let attempt = 0; attempt < 2; attempt += 1) {
        outcome = await this.runOnce();
        if (outcome !== WORKER_DIED) break;
        // The worker had died (reader code closed it, or it crashed) before it took this run.
        this.notice("Python had stopped working (its worker ended), so it was restarted: the earlier blocks run again as needed.", "warning");
        this.status("Python restarted.", true);
      }
    } catch (error) {
      if (!(error instanceof Cancelled)) this.loadFailed(error); // Cancelled: Stop or Restart said why
    } finally {
      s.onProgress = null;
      this.progress.hidden = true;
      s.busy = false;
      this.setRunning(false);
    }
  }

  // One attempt: load Python, run the earlier blocks this one may need, then this block.
  // Resolves with the result, null (stopped; the stop said why), "not run", or WORKER_DIED.
  async runOnce() {
    const s = this.session;
    if (!s.loaded) {
      s.onProgress = (p) => this.loading(p);
      this.loading(s.interpreter?.progress);
      this.announce("Loading Python…");
    }
    await s.start();
    s.onProgress = null;
    this.progress.hidden = true;
    const chain = await this.runEarlierBlocks();
    if (chain !== true) return chain;
    this.status("Running…");
    const started = performance.now();
    const result = await s.execute(this, this.code(), this.spec.check, (e) => this.onEvent(e),
      () => this.stop(`Stopped after the time limit of ${this.spec.timeout} s.`));
    if (!result || result === WORKER_DIED) return result;
    window.__pyodideBlocks.runs.push({ id: this.id, ms: performance.now() - started });
    this.showResult(result);
    if (result.error_types.includes("PyodideFatalError")) {
      s.discard(); // Pyodide itself broke (worker.js): the next run takes a fresh interpreter
      keepSpare(s.cfg);
      this.notice("Python could not go on after this error, so it was restarted: the variables of earlier blocks are gone; they will run again automatically when needed.", "warning");
    }
    return result;
  }

  // Earlier blocks of the session not run in this interpreter, and earlier exercises left unsolved,
  // run first (a reader may start at any heading). An exercise that raises or fails its checks runs
  // its reference solution instead, and says so. True when this block may run.
  async runEarlierBlocks() {
    const s = this.session;
    const before = s.blocks.filter((b) => b.index < this.index && (!s.ran.has(b.id) || s.unsolved.has(b.id)));
    if (!before.length) return true;
    this.notice(`First running the earlier block${before.length > 1 ? "s" : ""} ${before.map((b) => b.id).join(", ")} on this page (this block may use what they define).`);
    this.status("Running the earlier blocks…");
    for (const b of before) {
      const timeout = () => this.stop(`Stopped: block ${b.id} ran past its time limit.`);
      let r = null;
      if (!s.ran.has(b.id)) {
        r = await s.execute(b, b.code(), b.spec.check, () => {}, timeout);
        if (!r || r === WORKER_DIED) return r;
      }
      if (b.spec.solution && (!r || !solved(r))) {
        const reference = await s.execute(b, b.spec.solution, "", () => {}, timeout);
        if (!reference || reference === WORKER_DIED) return reference;
        if (reference.ok) {
          this.notice(`Exercise ${b.id} isn't solved yet, so its reference solution ran so this block can use it.`);
          continue;
        }
        r = reference;
      }
      if (!r.ok && !s.ran.has(b.id)) {
        this.notice(`Block ${b.id} above raised an error, so this block was not run:`, "error");
        const pre = document.createElement("pre");
        pre.className = "pyodide-text pyodide-error";
        pre.textContent = (r.error || "").slice(0, s.cfg.max_output_chars);
        this.output.append(pre);
        this.status(`Not run: block ${b.id} raised an error.`);
        this.announce(`Block ${this.id} was not run: the earlier block ${b.id} raised an error.`);
        return "not run";
      }
    }
    return true;
  }

  loadFailed(error) {
    this.status("Python could not be loaded.", true);
    const p = this.notice(`Python could not be loaded: ${error.message}. Check your connection, then retry.`, "error");
    p.append(" ", button("Retry", "Try loading Python again", () => this.run()));
  }

  stop(reason) {
    const s = this.session;
    if (!s.busy) return;
    s.discard();
    this.notice(`${reason} Python was restarted, so the variables of earlier blocks are gone; they will run again automatically when needed.`, "warning");
    this.status("Stopped.", true);
    keepSpare(s.cfg); // the next Run takes a fresh interpreter kept ready
  }

  resetInterpreter() {
    const s = this.session;
    const wasBusy = s.busy;
    s.discard();
    this.clearOutput();
    this.notice(`Python was restarted${wasBusy ? " (the running code was stopped)" : ""}: all variables are gone.`);
    this.status("Python restarted.", true);
    keepSpare(s.cfg);
  }
}
