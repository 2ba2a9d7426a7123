// Python for the runnable blocks of one session, in a module Web Worker (the page never freezes).
// Messages (fields listed once, in build_tools/blocks/contract.py; the page builds and checks them):
//   page -> worker: init, run
//   worker -> page: ready | load-error, then per run: event* (the runtime's own events, passed
//                   through unchanged, then the rendered result as "html"), done
let python = null; // { pyodide, runner, render }
let currentRun = null;

async function fetchText(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return response.text();
}

// Pyodide only logs a warning when one of its files cannot be fetched, then waits forever. While it
// loads, any failed fetch under coreURL fails the load with a message naming the file.
function watchCoreFetches(coreURL) {
  const realFetch = self.fetch;
  let fail;
  const failed = new Promise((_, reject) => { fail = reject; });
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
    return response;
  };
  return { failed, restore: () => { self.fetch = realFetch; } };
}

async function init(message) {
  const started = performance.now();
  const core = new URL("pyodide.mjs", message.coreURL).href;
  const runtime = Promise.all(message.runtimeFiles.map(async (name) =>
    [name, await fetchText(new URL(name, message.runtimeURL).href)]));
  runtime.catch(() => {}); // reported below, after the core's own errors
  const watch = watchCoreFetches(message.coreURL);
  let timer;
  let pyodide;
  try {
    const { loadPyodide } = await import(core).catch((error) => {
      throw new Error(`${core} could not be loaded (${error.message})`);
    });
    pyodide = await Promise.race([
      loadPyodide({ indexURL: message.coreURL, packageBaseUrl: message.packagesURL }),
      watch.failed,
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(
        `Pyodide did not start within ${message.loadTimeout} s`)), message.loadTimeout * 1000); }),
    ]);
  } finally {
    clearTimeout(timer);
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
    } catch (error) { // not the reader's code (that is caught in Python): a package that would not load
      const result = python.pyodide.toPy({ ok: false, error: String(error?.message || error), error_types: [], checks: [] });
      try { finish(data.runId, result); } finally { result.destroy(); }
    }
  }
};
