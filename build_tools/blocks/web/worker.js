// Python for the runnable blocks of one session, in a module Web Worker (the page never freezes).
// Messages (fields listed once, in build_tools/blocks/contract.py; the page builds and checks them):
//   page -> worker: init, run
//   worker -> page: progress* (bytes of Python's files received while it loads), ready | load-error,
//                   then per run: started (the run was taken: a worker that never says so is dead),
//                   event* (the runtime's own events, passed through unchanged, then the rendered
//                   result as "html"), done
let python = null; // { pyodide, runner, render }
let currentRun = null;

async function fetchText(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return response.text();
}

// Pyodide only logs a warning when one of its files cannot be fetched, then waits forever. While it
// loads, any failed fetch under coreURL fails the load with a message naming the file. Every byte
// received is counted (a copy of each response is read alongside; the original, with its URL,
// goes to Pyodide, so the browser's compiled-code cache still applies) and reported as "progress".
const PROGRESS_EVERY_MS = 200;

function watchCoreFetches(coreURL) {
  const realFetch = self.fetch;
  let fail;
  const failed = new Promise((_, reject) => { fail = reject; });
  const watch = { failed, loaded: 0, total: 0, lastByte: performance.now(), restore: () => { self.fetch = realFetch; } };
  let posted = 0;
  const report = (force) => {
    const now = performance.now();
    if (!force && now - posted < PROGRESS_EVERY_MS) return;
    posted = now;
    postMessage({ type: "progress", loaded: watch.loaded, total: Math.max(watch.total, watch.loaded) });
  };
  const count = async (response) => {
    const size = Number(response.headers.get("content-length"));
    if (size > 0) watch.total += size;
    try {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        watch.loaded += value.byteLength;
        watch.lastByte = performance.now();
        report(false);
      }
    } catch { /* the original's reader reports failures */ }
    report(true);
  };
  self.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input, self.location.href).href;
    const watched = url.startsWith(coreURL);
    let response;
    try {
      response = await realFetch(input, init);
    } catch (error) {
      if (watched) fail(new Error(`${url} could not be reached (${error.message})`));
      throw error;
    }
    if (watched && !response.ok) fail(new Error(`${url} answered HTTP ${response.status}`));
    else if (response.ok && response.body) count(response.clone());
    watch.lastByte = performance.now();
    return response;
  };
  return watch;
}

// The load limit scales with what arrives: a load fails only after loadTimeout seconds in which no
// byte came (a slow link that is still receiving is never failed; a stalled one is).
function stalled(watch, seconds) {
  let timer;
  const promise = new Promise((_, reject) => {
    const tick = () => {
      const quiet = (performance.now() - watch.lastByte) / 1000;
      if (quiet >= seconds) {
        reject(new Error(`Pyodide did not start: nothing arrived for ${seconds} s (${(watch.loaded / 1e6).toFixed(1)} MB had arrived)`));
      } else timer = setTimeout(tick, Math.min(1000, (seconds - quiet) * 1000 + 10));
    };
    timer = setTimeout(tick, Math.min(1000, seconds * 1000));
  });
  return { promise, stop: () => clearTimeout(timer) };
}

async function init(message) {
  const started = performance.now();
  const core = new URL("pyodide.mjs", message.coreURL).href;
  const runtime = Promise.all(message.runtimeFiles.map(async (name) =>
    [name, await fetchText(new URL(name, message.runtimeURL).href)]));
  runtime.catch(() => {}); // reported below, after the core's own errors
  const watch = watchCoreFetches(message.coreURL);
  const limit = stalled(watch, message.loadTimeout);
  let pyodide;
  try {
    const { loadPyodide } = await import(core).catch((error) => {
      throw new Error(`${core} could not be loaded (${error.message})`);
    });
    pyodide = await Promise.race([
      loadPyodide({ indexURL: message.coreURL, packageBaseUrl: message.packagesURL }),
      watch.failed,
      limit.promise,
    ]);
  } finally {
    limit.stop();
    watch.restore();
  }
  pyodide.FS.mkdirTree("/course_runtime");
  for (const [name, text] of await runtime) pyodide.FS.writeFile(`/course_runtime/${name}`, text);
  pyodide.globals.set("_data_url", message.dataURL);
  pyodide.runPython(`
import sys
sys.path.insert(0, "/course_runtime")
import course, course_runner, course_render
course.DATA_URL = _data_url
del _data_url`);
  const emit = (kind, payload) => postMessage({ type: "event", runId: currentRun, kind, data: String(payload) });
  python = {
    pyodide,
    runner: pyodide.globals.get("course_runner").Session(emit, message.maxOutput),
    render: pyodide.globals.get("course_render").result,
    overflow: String(pyodide.globals.get("course_runner").stack_overflow_message()), // read now: a
    // stack overflow can break Pyodide for good, and then no Python can say it
  };
  return performance.now() - started;
}

function finish(runId, result) {
  const html = python.render(result);
  if (html) postMessage({ type: "event", runId, kind: "html", data: String(html) });
  const plain = result.toJs({ dict_converter: Object.fromEntries });
  postMessage({ type: "done", runId, result: plain });
}

async function run(message) {
  currentRun = message.runId;
  postMessage({ type: "started", runId: message.runId });
  if (message.packages?.length) {
    await python.pyodide.loadPackage(message.packages, { messageCallback: () => {} });
  }
  const result = python.runner.run(message.id, message.code, message.setup, message.check);
  try { finish(message.runId, result); } finally { result.destroy(); }
}

self.onmessage = async ({ data }) => {
  if (data.type === "init") {
    try {
      postMessage({ type: "ready", loadMs: await init(data) });
    } catch (error) {
      postMessage({ type: "load-error", message: String(error?.message || error) });
    }
  } else if (data.type === "run") {
    try {
      await run(data);
    } catch (error) { // not the reader's code (that is caught in Python): a package that would not load,
      // or the browser's own stack running out under the reader's recursion, which breaks Pyodide
      // for good: then the result (built without Python) carries PyodideFatalError, and the page
      // takes a fresh interpreter.
      const text = String(error?.message || error);
      const overflow = text.includes("Maximum call stack size exceeded");
      const fatal = !!error?.pyodide_fatal_error || overflow || /fatal/i.test(text);
      if (fatal) {
        const types = [...(overflow ? ["RecursionError"] : []), "PyodideFatalError"];
        postMessage({ type: "done", runId: data.runId,
          result: { ok: false, error: overflow ? python.overflow : text, error_types: types, checks: [] } });
        self.close();
        return;
      }
      const result = python.pyodide.toPy({ ok: false, error: text, error_types: [], checks: [] });
      try { finish(data.runId, result); } finally { result.destroy(); }
    }
  }
};
