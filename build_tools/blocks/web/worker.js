// Python for the runnable blocks of one session, in a module Web Worker (the page never freezes).
// Page -> worker: {type: "init", coreURL, packagesURL, runtimeURL, dataURL, inputBuffer?}
//                 {type: "run", runId, id, code, setup, check, packages}
// Worker -> page: {type: "ready", loadMs} | {type: "load-error", message}
//                 {type: "output", runId, stream, text} | {type: "figure", runId, figure}
//                 {type: "truncated", runId, chars} | {type: "input", runId, prompt}
//                 {type: "done", runId, result: {ok, error, error_types, checks}}
let session = null;
let currentRun = null;
let inputBuffer = null; // SharedArrayBuffer for input(), only when the page is cross-origin isolated

async function fetchText(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return response.text();
}

function readLine(prompt) {
  if (!inputBuffer) {
    throw new Error("input() cannot pause a block in this browser: set the value in the code instead, e.g. name = \"Ada\"");
  }
  const flag = new Int32Array(inputBuffer, 0, 1);
  Atomics.store(flag, 0, 0);
  postMessage({ type: "input", runId: currentRun, prompt });
  Atomics.wait(flag, 0, 0);
  const length = new Int32Array(inputBuffer, 4, 1)[0];
  return new TextDecoder().decode(new Uint8Array(inputBuffer, 8, length).slice());
}

// Pyodide only logs a warning when its .wasm cannot be fetched, then waits forever: ask for each
// core file first (HEAD, in parallel with the load), so a missing file is an error naming it.
const CORE_FILES = ["pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"];
async function missingCoreFile(coreURL) {
  const answers = await Promise.all(CORE_FILES.map(async (name) => {
    const url = new URL(name, coreURL).href;
    try {
      const r = await fetch(url, { method: "HEAD" });
      return r.ok || r.status === 405 ? null : `${url} answered HTTP ${r.status}`;
    } catch (error) {
      return `${url} could not be reached (${error.message})`;
    }
  }));
  const problem = answers.find(Boolean);
  if (problem) throw new Error(problem);
  return new Promise(() => {}); // all present: let the load itself finish
}

async function init(message) {
  const started = performance.now();
  const { loadPyodide } = await import(new URL("pyodide.mjs", message.coreURL).href).catch((error) => {
    throw new Error(`${new URL("pyodide.mjs", message.coreURL).href} could not be loaded (${error.message})`);
  });
  let timer;
  const pyodide = await Promise.race([
    loadPyodide({ indexURL: message.coreURL, packageBaseUrl: message.packagesURL }),
    missingCoreFile(message.coreURL),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(
      `Pyodide did not start within ${message.loadTimeout} s`)), message.loadTimeout * 1000); }),
  ]).finally(() => clearTimeout(timer));
  const loadMs = performance.now() - started;
  pyodide.FS.mkdirTree("/course_runtime");
  for (const name of ["course.py", "course_runner.py"]) {
    pyodide.FS.writeFile(`/course_runtime/${name}`, await fetchText(new URL(name, message.runtimeURL).href));
  }
  inputBuffer = message.inputBuffer || null;
  pyodide.globals.set("_data_url", message.dataURL);
  pyodide.runPython(`
import sys
sys.path.insert(0, "/course_runtime")
import course, course_runner
course.DATA_URL = _data_url
del _data_url`);
  const emit = (kind, payload) => {
    if (kind === "figure") postMessage({ type: "figure", runId: currentRun, figure: payload.toJs({ dict_converter: Object.fromEntries }) });
    else if (kind === "truncated") postMessage({ type: "truncated", runId: currentRun, chars: payload });
    else postMessage({ type: "output", runId: currentRun, stream: kind, text: payload });
  };
  const Session = pyodide.globals.get("course_runner").Session;
  session = { pyodide, runner: Session(emit, inputBuffer ? readLine : null), loadMs };
  return loadMs;
}

async function run(message) {
  currentRun = message.runId;
  if (message.packages?.length) {
    await session.pyodide.loadPackage(message.packages, { messageCallback: () => {} });
  }
  const result = session.runner.run(message.id, message.code, message.setup || "", message.check || "");
  const plain = result.toJs({ dict_converter: Object.fromEntries });
  result.destroy();
  postMessage({ type: "done", runId: message.runId, result: plain });
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
    } catch (error) {
      const message = String(error?.message || error);
      postMessage({ type: "done", runId: data.runId, result: { ok: false, error: message, error_types: [], checks: [] } });
    }
  }
};
