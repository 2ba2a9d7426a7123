// Python interpreters for the blocks of a page. Each Interpreter is a module Web Worker running
// worker.js; each Session (blocks sharing a namespace, like notebook cells) holds one at a time.
// Once Python has loaded in this tab, one spare interpreter is kept ready, so a page reached by
// instant navigation, or a session after Stop or Reset, gets a fresh namespace without waiting.
// window.__pyodideBlocks collects timings (bench/page_load.py and the browser tests read them).
import { HERE, fromWorker, initMessage, toWorker } from "./config.js";

window.__pyodideBlocks ||= { loadMs: [], runs: [], sessions: [], started: 0 };

// Stop or Reset before Python finished loading: the run that waited for it ends quietly.
export class Cancelled extends Error {}

// What execute() resolves with when the interpreter's worker has died (reader code called
// js.close(), or the worker crashed): it reported an error, or it did not take a run within
// STARTED_WITHIN_MS (an idle worker answers "started" at once).
export const WORKER_DIED = Symbol("the Python worker died");
const STARTED_WITHIN_MS = 5000;

let loadedOnce = false; // has any interpreter in this tab finished loading?
let spare = null;
let spareWanted = false;
const idle = (f) => (window.requestIdleCallback ? requestIdleCallback(f, { timeout: 3000 }) : setTimeout(f, 1000));

class Interpreter {
  constructor(cfg) {
    window.__pyodideBlocks.started += 1;
    this.cfg = cfg;
    this.listener = null; // the owning session's handler for "started", "event" and "done" messages
    this.onDeath = null; // the owning session's handler for a worker that died after loading
    this.onProgress = null; // the owning session's handler for load progress ({loaded, total} bytes)
    this.progress = null;
    this.worker = new Worker(new URL("worker.js", HERE), { type: "module" });
    const died = () => { if (this.loaded && !this.dead) { this.terminate(); this.onDeath?.(); } };
    this.worker.addEventListener("error", died);
    this.worker.addEventListener("messageerror", died);
    this.ready = new Promise((resolve, reject) => {
      this.worker.onerror = (e) => reject(new Error(`the Python worker failed to start (${e.message || "script error"})`));
      this.worker.onmessage = ({ data }) => {
        if (!fromWorker(cfg, data)) return; // not a message of the contract: ignored
        if (data.type === "progress") {
          if (this.loaded) return;
          this.progress = { loaded: data.loaded, total: data.total };
          this.onProgress?.(this.progress);
        } else if (data.type === "ready") {
          if (this.loaded) return; // once only (reader code can post messages too)
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
    this.onProgress = null;
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
    this.unsolved = new Set(); // exercises whose last run here raised or failed a check
    this.onProgress = null; // the block waiting for Python to load shows its progress
    this.busy = false;
    this.runs = new Map(); // runId -> handler, for runs still waiting for "done"
  }

  get loaded() { return !!this.interpreter?.loaded; }

  start() {
    if (this.ready) return this.ready;
    const interpreter = take(this.cfg);
    this.interpreter = interpreter;
    this.ran.clear();
    this.unsolved.clear();
    interpreter.listener = (data) => this.runs.get(data.runId)?.(data); // a live run's messages only
    interpreter.onProgress = (p) => this.onProgress?.(p);
    interpreter.onDeath = () => { for (const handler of [...this.runs.values()]) handler(WORKER_DIED); };
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
    this.unsolved.clear();
    for (const handler of this.runs.values()) handler(null);
    this.runs.clear();
  }

  // Run one block's code: onEvent gets its output events as they stream; onTimeout fires at the
  // block's time limit. Resolves with the result, null when the interpreter was discarded, or
  // WORKER_DIED when its worker died (it is then discarded: the next start takes a fresh one).
  execute(block, code, check, onEvent, onTimeout) {
    const runId = ++runCounter;
    const interpreter = this.interpreter;
    return new Promise((resolve) => {
      const timer = setTimeout(onTimeout, block.spec.timeout * 1000);
      const silent = setTimeout(() => this.runs.get(runId)?.(WORKER_DIED), STARTED_WITHIN_MS);
      this.runs.set(runId, (data) => {
        if (data?.type === "started") return clearTimeout(silent);
        if (data?.type === "event") return onEvent(data);
        clearTimeout(timer);
        clearTimeout(silent);
        this.runs.delete(runId);
        if (data === WORKER_DIED) {
          if (this.interpreter === interpreter) this.discard();
          return resolve(WORKER_DIED);
        }
        if (data) this.record(block, data.result);
        resolve(data ? data.result : null);
      });
      interpreter.post("run", { runId, id: block.id, code, setup: block.spec.setup, check,
        packages: block.spec.packages });
    });
  }

  // What a run leaves in this interpreter: the block has run (or raised what raises= says it
  // raises), and an exercise is solved or not.
  record(block, result) {
    const expected = block.spec.raises && result.error_types.includes(block.spec.raises.split(".").pop());
    if (result.ok || expected) this.ran.add(block.id);
    if (block.spec.check) {
      if (result.ok && result.checks.every((c) => c.ok)) this.unsolved.delete(block.id);
      else this.unsolved.add(block.id);
    }
  }
}
