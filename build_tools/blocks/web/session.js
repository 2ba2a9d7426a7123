// One Python interpreter per session of a page: a module Web Worker running worker.js.
// Blocks of a session share it like notebook cells; `ran` remembers which blocks ran in it.
// window.__pyodideBlocks collects timings (bench/page_load.py reads them).
window.__pyodideBlocks ||= { loadMs: [], runs: [], sessions: [] };
const HERE = new URL("./", import.meta.url); // .../assets/pyodide/
const SITE = new URL("../../", HERE);

let runCounter = 0;
export class Session {
  constructor(name, cfg) {
    this.name = name;
    this.cfg = cfg;
    this.blocks = [];
    this.worker = null;
    this.ready = null; // Promise<loadMs>
    this.ran = new Set(); // block ids run in the current interpreter
    this.busy = false;
    this.handlers = new Map();
  }

  start() {
    if (this.ready) return this.ready;
    const worker = new Worker(new URL("worker.js", HERE), { type: "module" });
    this.worker = worker;
    this.ran.clear();
    const inputBuffer = self.crossOriginIsolated ? new SharedArrayBuffer(8 + 65536) : undefined;
    this.inputBuffer = inputBuffer;
    this.ready = new Promise((resolve, reject) => {
      worker.onerror = (e) => reject(new Error(`the Python worker failed to start (${e.message || "script error"})`));
      worker.onmessage = ({ data }) => {
        if (data.type === "ready") { window.__pyodideBlocks.loadMs.push(data.loadMs); resolve(data.loadMs); }
        else if (data.type === "load-error") reject(new Error(data.message));
        else this.handlers.get(data.runId)?.(data);
      };
    });
    this.ready.catch(() => this.discard());
    worker.postMessage({
      type: "init", coreURL: this.cfg.core_url, packagesURL: this.cfg.packages_url,
      runtimeURL: new URL("runtime/", HERE).href, dataURL: new URL("assets/data/", SITE).href, inputBuffer,
      loadTimeout: this.cfg.load_timeout,
    });
    return this.ready;
  }

  discard() {
    this.worker?.terminate();
    this.worker = null;
    this.ready = null;
    this.ran.clear();
    for (const handler of this.handlers.values()) handler({ type: "killed" });
    this.handlers.clear();
  }

  // Run one block's code; callbacks get output as it streams. Resolves with the result dict.
  execute(block, code, check, onMessage) {
    const runId = ++runCounter;
    return new Promise((resolve) => {
      const timer = setTimeout(() => onMessage({ type: "timeout" }), block.spec.timeout * 1000);
      this.handlers.set(runId, (data) => {
        if (data.type === "input") return this.answerInput(data.prompt);
        if (data.type === "done" || data.type === "killed") {
          clearTimeout(timer);
          this.handlers.delete(runId);
          if (data.type === "done" && data.result.ok) this.ran.add(block.id);
          resolve(data.type === "done" ? data.result : null);
        } else onMessage(data);
      });
      this.worker.postMessage({ type: "run", runId, id: block.id, code, setup: block.spec.setup,
        check, packages: block.spec.packages });
    });
  }

  answerInput(prompt) {
    const answer = window.prompt(prompt || "input()") ?? "";
    const bytes = new TextEncoder().encode(answer).slice(0, 65536);
    new Uint8Array(this.inputBuffer, 8, bytes.length).set(bytes);
    new Int32Array(this.inputBuffer, 4, 1)[0] = bytes.length;
    const flag = new Int32Array(this.inputBuffer, 0, 1);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  }
}
