// Run pages' runnable blocks in real Pyodide under Node (offline: node_modules/pyodide).
// Usage: node run_pyodide.mjs job.json result.json
//   job.json: {"runtime_files": {name: path}, "data_dir", "max_output", "pages": [{"path", "budget_s", "blocks": [...]}]}
//   result.json: {"load_ms", "pages": {path: {"ms", "results": [...]}}}  (see runtime/course_verify.py)
// A page that runs past its time budget is interrupted (KeyboardInterrupt in the running block)
// by a watchdog thread through Pyodide's interrupt buffer, so a runaway loop cannot hang CI.
import { readFileSync, writeFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { loadPyodide } from "pyodide";

const [jobPath, resultPath] = process.argv.slice(2);
const job = JSON.parse(readFileSync(jobPath, "utf8"));

const started = performance.now();
const pyodide = await loadPyodide({ stdout: (s) => process.stderr.write(s + "\n"), stderr: (s) => process.stderr.write(s + "\n") });
const loadMs = performance.now() - started;

const interrupt = new Int32Array(new SharedArrayBuffer(4));
pyodide.setInterruptBuffer(interrupt);
const watchdog = new Worker(`
  const { parentPort } = require("node:worker_threads");
  let timer = null, buffer = null;
  parentPort.on("message", ({ buffer: b, budgetMs }) => {
    if (b) buffer = new Int32Array(b);
    clearTimeout(timer);
    if (budgetMs) timer = setTimeout(() => Atomics.store(buffer, 0, 2), budgetMs);  // 2 = SIGINT
  });`, { eval: true });
watchdog.postMessage({ buffer: interrupt.buffer });

pyodide.FS.mkdirTree("/runtime");
for (const [name, path] of Object.entries(job.runtime_files)) {  // contract.runtime_files(): as in the browser
  pyodide.FS.writeFile(`/runtime/${name}`, readFileSync(path));
}
pyodide.FS.mkdirTree("/data");
pyodide.mountNodeFS("/data", job.data_dir);
pyodide.runPython(`import sys; sys.path.insert(0, "/runtime")
import course; course.DATA_DIR = "/data"
from course_verify import verify_page`);
const verifyPage = pyodide.globals.get("verify_page");

const pages = {};
for (const page of job.pages) {
  const t = performance.now();
  watchdog.postMessage({ budgetMs: page.budget_s * 1000 });
  const blocks = pyodide.toPy(page.blocks);
  const results = verifyPage.callKwargs(blocks, { max_output: job.max_output });
  blocks.destroy();
  watchdog.postMessage({ budgetMs: 0 });
  Atomics.store(interrupt, 0, 0);
  pages[page.path] = { ms: performance.now() - t, results: results.toJs({ dict_converter: Object.fromEntries }) };
  results.destroy();
  process.stderr.write(`pyodide: ${page.path}: ${page.blocks.length} block(s) in ${(performance.now() - t).toFixed(0)} ms\n`);
}
writeFileSync(resultPath, JSON.stringify({ load_ms: loadMs, pages }));
await watchdog.terminate();
