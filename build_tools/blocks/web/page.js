// Runnable ```pyodide blocks: the page side's entry point (mkdocs.yml extra_javascript, as a module).
// Finds the page's blocks (their data-spec carries the final id and session), groups them into
// sessions, mounts the editor, and keeps starts fast:
// - prefetch: once a block is in view, Python's core files are fetched quietly into the HTTP cache
//   (not with Save-Data or on 2G, not when extra.pyodide.prefetch is false);
// - intent: pointing at a block's toolbar or focusing its code starts its interpreter;
// - a spare interpreter (session.js) is kept once Python has loaded, for the next page and after Stop.
// Material's instant navigation swaps pages in place; each swap emits document$ and lands here.
import { Block } from "./blocks.js";
import { SITE, readConfig } from "./config.js";
import { enhanceHeatmaps } from "./heatmap.js";
import { Session } from "./session.js";

// ---- CodeMirror, loaded once, only on pages with blocks --------------------------------------
let editorReady = null;
function loadEditor() {
  if (window.CodeMirror?.modes?.python) return Promise.resolve(window.CodeMirror);
  editorReady ||= (async () => {
    const vendor = new URL("assets/vendor/codemirror/", SITE);
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = new URL("lib/codemirror.css", vendor).href;
    document.head.append(css);
    for (const path of ["lib/codemirror.js", "mode/python/python.js"]) {
      await new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = new URL(path, vendor).href;
        s.onload = resolve;
        s.onerror = () => reject(new Error(`could not load ${s.src}`));
        document.head.append(s);
      });
    }
    return window.CodeMirror;
  })().catch((error) => { editorReady = null; throw error; }); // a later page may retry a failed load
  return editorReady;
}

// ---- starting Python early, within the reader's means -----------------------------------------
function frugal() {
  const c = navigator.connection;
  return !!c && (c.saveData || c.effectiveType === "2g" || c.effectiveType === "slow-2g");
}

let prefetched = false;
function prefetchCore(cfg) {
  if (prefetched) return;
  prefetched = true;
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 1500));
  idle(() => {
    for (const name of cfg.core_files) {
      fetch(new URL(name, cfg.core_url), { priority: "low" }).then((r) => r.arrayBuffer()).catch(() => {});
    }
  }, { timeout: 4000 });
}

function watchForPrefetch(cfg, blocks) {
  if (!cfg.prefetch || prefetched || frugal()) return null;
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    observer.disconnect();
    prefetchCore(cfg);
  });
  for (const b of blocks) observer.observe(b.root);
  return observer;
}

function startOnIntent(cfg, block) {
  if (frugal()) return;
  const start = () => block.session.start().catch(() => {}); // a failure shows on Run, which retries
  block.root.querySelector(".pyodide-toolbar").addEventListener("pointerenter", start);
  block.root.addEventListener("focusin", start);
}

// ---- page wiring ----------------------------------------------------------------------------
// Material emits document$ for every page it swaps in, and also when the first same-page anchor
// click re-fetches the page the reader is on. Initialisation is idempotent:
// - a block already initialised (data-pyodide-init) is never set up twice;
// - the same page coming back with the same blocks (same data-hash, same order) gets the live
//   blocks put back in place, so edits, outputs and the interpreter's variables survive.
let pageState = null; // { path, sessions: Map<name, Session>, blocks: Block[], observer }

function sameBlocks(blocks, roots) {
  return blocks.length === roots.length && blocks.every((b, i) => b.root.dataset.hash === roots[i].dataset.hash);
}

function keepLiveBlocks(roots) {
  if (!pageState || pageState.path !== location.pathname || !sameBlocks(pageState.blocks, roots)) return false;
  pageState.blocks.forEach((b, i) => {
    if (roots[i] === b.root) return;
    roots[i].replaceWith(b.root);
    b.editor?.refresh(); // CodeMirror measures again after being re-attached
  });
  return true;
}

function discardPage() {
  for (const s of pageState.sessions.values()) s.discard();
  pageState.observer?.disconnect();
  pageState = null;
  document.documentElement.classList.remove("pyodide-ready"); // set again when this page's editors are in
}

async function initPage() {
  const roots = [...document.querySelectorAll(".pyodide-block")];
  if (keepLiveBlocks(roots)) return;
  if (pageState) discardPage(); // another page: its interpreters go away (the spare stays)
  const fresh = roots.filter((root) => !root.dataset.pyodideInit);
  if (!fresh.length) return;
  const cfg = readConfig();
  const sessions = new Map();
  const blocks = fresh.map((root, index) => {
    root.dataset.pyodideInit = "true";
    const spec = JSON.parse(root.dataset.spec);
    if (!sessions.has(spec.session)) sessions.set(spec.session, new Session(spec.session, cfg));
    const block = new Block(root, spec, index, sessions.get(spec.session));
    sessions.get(spec.session).blocks.push(block);
    startOnIntent(cfg, block);
    return block;
  });
  pageState = { path: location.pathname, sessions, blocks, observer: watchForPrefetch(cfg, blocks) };
  window.__pyodideBlocks.sessions = [...sessions.values()];
  enhanceHeatmaps(document); // pre-rendered heatmaps get their tooltips too
  try {
    const CodeMirror = await loadEditor();
    for (const b of blocks) { // one editor per task: a page of blocks never blocks input for long
      if (pageState?.blocks !== blocks) return; // the reader has moved on to another page
      await b.mountEditor(CodeMirror);
      await new Promise((resolve) => setTimeout(resolve));
    }
  } catch (error) {
    for (const b of blocks) b.status(`The editor could not be loaded (${error.message}); the code can still run as written.`);
  }
  document.documentElement.classList.add("pyodide-ready");
}

if (window.document$?.subscribe) window.document$.subscribe(() => initPage());
else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initPage);
else initPage();
