// Python interpreters for the blocks of a page. Each Interpreter is a module Web Worker running
// worker.js; each Session (blocks sharing a namespace, like notebook cells) holds one at a time.
// Once Python has loaded in this tab, one spare interpreter is kept ready, so a page reached by
// instant navigation, or a session after Stop or Reset, gets a fresh namespace without waiting.
// window.__pyodideBlocks collects timings (bench/page_load.py and the browser tests read them).
import { HERE, fromWorker, initMessage, toWorker } from "./config.js";

window.__pyodideBlocks ||= { loadMs: [], runs: [], sessions: [], started: 0 };

// Stop or Reset before Python finished loading: the run that waited for it ends quietly.
export class Cancelled extends Error {}

let loadedOnce = false; // has any interpreter in this tab finished loading?
let spare = null;
let spareWanted = false;
const idle = (f) => (window.requestIdleCallback ? requestIdleCallback(f, { timeout: 3000 }) : setTimeout(f, 1000));

class Interpreter {
  constructor(cfg) {
    window.__pyodideBlocks.started += 1;
    this.cfg = cfg;
    this.listener = null; // the owning session's handler for "event" and "done" messages
    this.worker = new Worker(new URL("worker.js", HERE), { type: "module" });
    this.ready = new Promise((resolve, reject) => {
      this.worker.onerror = (e) => reject(new Error(`the Python worker failed to start (${e.message || "script error"})`));
      this.worker.onmessage = ({ data }) => {
        if (!fromWorker(cfg, data)) return; // not a message of the contract: ignored
        if (data.type === "ready") {
          window.__pyodideBlocks.loadMs.push(data.loadMs);
          loadedOnce = true;
          this.loaded = true;
          resolve(data.loadMs);
          keepSpare(cfg);
        } else if (data.type === "load-error") reject(new Error(data.message));
        else this.listener?.(data);
      };
    });
    this.ready.catch(() => this.terminate());
    this.worker.postMessage(initMessage(cfg));
  }

  post(type, fields) { this.worker.postMessage(toWorker(this.cfg, type, fields)); }

  terminate() {
    this.dead = true;
    this.listener = null;
    this.worker.terminate();
  }
}

// Start a spare interpreter when the page is idle, if Python has loaded in this tab and none is kept.
export function keepSpare(cfg) {
  if (!loadedOnce || spareWanted || (spare && !spare.dead)) return;
  spareWanted = true;
  idle(() => {
    spareWanted = false;
    if (!spare || spare.dead) spare = new Interpreter(cfg);
  });
}

function take(cfg) {
  const taken = spare && !spare.dead ? spare : new Interpreter(cfg);
  spare = null;
  keepSpare(cfg);
  return taken;
}

let runCounter = 0;
export class Session {
  constructor(name, cfg) {
    this.name = name;
    this.cfg = cfg;
    this.blocks = [];
    this.interpreter = null;
    this.ready = null; // Promise<loadMs> of the current interpreter; rejects with Cancelled on discard
    this.ran = new Set(); // block ids run in the current interpreter
    this.busy = false;
    this.runs = new Map(); // runId -> handler, for runs still waiting for "done"
  }

  get loaded() { return !!this.interpreter?.loaded; }

  start() {
    if (this.ready) return this.ready;
    const interpreter = take(this.cfg);
    this.interpreter = interpreter;
    this.ran.clear();
    interpreter.listener = (data) => this.runs.get(data.runId)?.(data); // a live run's messages only
    const cancelled = new Promise((_, reject) => { this.cancel = () => reject(new Cancelled()); });
    this.ready = Promise.race([interpreter.ready, cancelled]);
    this.ready.catch(() => { if (this.interpreter === interpreter) this.discard(); });
    return this.ready;
  }

  // End the interpreter (running code, or a load in progress) and every run waiting on it.
  discard() {
    this.cancel?.();
    this.cancel = null;
    this.interpreter?.terminate();
    this.interpreter = null;
    this.ready = null;
    this.ran.clear();
    for (const handler of this.runs.values()) handler(null);
    this.runs.clear();
  }

  // Run one block's code: onEvent gets its output events as they stream; onTimeout fires at the
  // block's time limit. Resolves with the result, or null when the interpreter was discarded.
  execute(block, code, check, onEvent, onTimeout) {
    const runId = ++runCounter;
    return new Promise((resolve) => {
      const timer = setTimeout(onTimeout, block.spec.timeout * 1000);
      this.runs.set(runId, (data) => {
        if (data && data.type === "event") return onEvent(data);
        clearTimeout(timer);
        this.runs.delete(runId);
        if (data?.result.ok) this.ran.add(block.id);
        resolve(data ? data.result : null);
      });
      this.interpreter.post("run", { runId, id: block.id, code, setup: block.spec.setup, check,
        packages: block.spec.packages });
    });
  }
}
