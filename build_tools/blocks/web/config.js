// The page's copy of the runnable-block contract: <script id="pyodide-config" type="application/json">,
// written by the build from build_tools/blocks/contract.py (page_config). Nothing here restates it:
// this module only resolves its URLs against the site root and builds / checks worker messages with it.
export const HERE = new URL("./", import.meta.url); // .../assets/pyodide/
export const SITE = new URL("../../", HERE);

const dir = (url) => new URL(url.endsWith("/") ? url : url + "/", SITE).href;

let cached = null;
export function readConfig() {
  if (cached) return cached;
  const node = document.getElementById("pyodide-config");
  if (!node) throw new Error("this page has no pyodide-config (was it built with build_tools/blocks/hook.py?)");
  const given = JSON.parse(node.textContent);
  cached = Object.freeze({
    ...given,
    core_url: dir(given.core_url), packages_url: dir(given.packages_url),
    runtime_url: dir(given.runtime_url), data_url: dir(given.data_url),
  });
  return cached;
}

// Page -> worker: the only place messages are built. Every field the contract lists must be given.
export function toWorker(cfg, type, fields) {
  const names = cfg.to_worker[type];
  const missing = names ? names.filter((n) => !(n in fields)) : [type];
  if (missing.length) throw new Error(`worker message ${type}: missing ${missing.join(", ")}`);
  return Object.fromEntries([["type", type], ...names.map((n) => [n, fields[n]])]);
}

export function initMessage(cfg) {
  return toWorker(cfg, "init", {
    coreURL: cfg.core_url, packagesURL: cfg.packages_url, runtimeURL: cfg.runtime_url,
    runtimeFiles: cfg.runtime_files, dataURL: cfg.data_url, loadTimeout: cfg.load_timeout,
    maxOutput: cfg.max_output_chars,
  });
}

// Worker -> page: true only for a message of a known type with every field the contract lists, with
// values of the right shape (reader code can post messages from the worker: a forged one is ignored).
const isCheck = (c) => !!c && typeof c === "object" && typeof c.name === "string" && typeof c.ok === "boolean"
  && typeof c.message === "string";
const count = (n) => typeof n === "number" && Number.isFinite(n) && n >= 0;

export function fromWorker(cfg, data) {
  if (!data || typeof data !== "object") return false;
  const names = cfg.from_worker[data.type];
  if (!names || !names.every((n) => n in data)) return false;
  if ("runId" in data && !Number.isInteger(data.runId)) return false;
  if (data.type === "event") return cfg.event_kinds.includes(data.kind) && typeof data.data === "string";
  if (data.type === "progress") return count(data.loaded) && count(data.total);
  if (data.type === "done") {
    const r = data.result;
    return !!r && typeof r === "object" && cfg.result_keys.every((k) => k in r)
      && typeof r.ok === "boolean" && (r.error == null || typeof r.error === "string")
      && Array.isArray(r.error_types) && r.error_types.every((t) => typeof t === "string")
      && Array.isArray(r.checks) && r.checks.every(isCheck);
  }
  return true;
}
