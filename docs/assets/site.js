// Reader progress without accounts, and print options. Runs on every page load and after each
// Material instant navigation (document$). Progress lives in localStorage only:
//   "course-progress" = {"format": "course-progress", "version": 1, "done": {"gpt2/01-tokenization/": "2026-11-22"}}
// Section ids are page URLs relative to the site root (stable across hosts and sub-paths).
(() => {
  const KEY = "course-progress";
  const FORMAT = "course-progress";
  const PRINT_KEY = "course-print-solutions";

  function load() {
    try {
      const data = JSON.parse(localStorage.getItem(KEY) || "{}");
      return data && typeof data.done === "object" && data.done ? data.done : {};
    } catch (e) {
      return {};  // corrupt or blocked storage: start empty rather than break the page
    }
  }

  function save(done) {
    try {
      localStorage.setItem(KEY, JSON.stringify({ format: FORMAT, version: 1, done }));
    } catch (e) {
      console.warn("Progress could not be saved (storage unavailable):", e);
    }
  }

  function today() {
    return new Date().toISOString().slice(0, 10);
  }

  function setDone(section, isDone) {
    const done = load();
    if (isDone) done[section] = done[section] || today();
    else delete done[section];
    save(done);
    render();
  }

  // Merge an imported file into the stored progress; returns how many sections it marked done.
  function importProgress(text) {
    const data = JSON.parse(text);
    if (!data || data.format !== FORMAT || typeof data.done !== "object" || data.done === null) {
      throw new Error("this is not a progress file exported from this course");
    }
    const done = load();
    let added = 0;
    for (const [section, date] of Object.entries(data.done)) {
      if (typeof section !== "string" || !/^[\w./-]*$/.test(section)) continue;
      if (!(section in done)) added += 1;
      done[section] = done[section] || String(date).slice(0, 10);
    }
    save(done);
    return added;
  }

  function exportProgress() {
    const body = JSON.stringify({ format: FORMAT, version: 1, exported: new Date().toISOString(), done: load() }, null, 2);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([body], { type: "application/json" }));
    link.download = "course-progress.json";
    document.body.append(link);
    link.click();
    setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  }

  function button(label, onClick, className) {
    const el = document.createElement("button");
    el.type = "button";
    el.className = "md-button " + (className || "");
    el.textContent = label;
    el.addEventListener("click", onClick);
    return el;
  }

  function trackPanel(panel) {
    panel.hidden = false;
    if (panel.dataset.ready) return;
    panel.dataset.ready = "1";
    const summary = document.createElement("p");
    summary.className = "track-progress__summary";
    const bar = document.createElement("progress");
    bar.className = "track-progress__bar";
    const status = document.createElement("p");
    status.className = "track-progress__status";
    status.setAttribute("role", "status");
    const file = document.createElement("input");
    file.type = "file";
    file.accept = "application/json,.json";
    file.hidden = true;
    file.className = "track-progress__file";
    file.addEventListener("change", async () => {
      const chosen = file.files[0];
      if (!chosen) return;
      try {
        const added = importProgress(await chosen.text());
        status.textContent = `Imported: ${added} more section(s) marked done.`;
      } catch (e) {
        status.textContent = `Could not import ${chosen.name}: ${e.message}.`;
      }
      file.value = "";
      render();
    });
    const actions = document.createElement("div");
    actions.className = "track-progress__actions";
    actions.append(
      button("Export progress", exportProgress, "track-progress__export"),
      button("Import progress", () => file.click(), "track-progress__import"),
      file,
    );
    panel.append(summary, bar, actions, status);
  }

  function render() {
    const done = load();
    for (const card of document.querySelectorAll(".section-card[data-section]")) {
      const control = card.querySelector(".section-card__done");
      if (!control) continue;
      const isDone = card.dataset.section in done;
      control.hidden = false;
      control.setAttribute("aria-pressed", String(isDone));
      control.textContent = isDone ? "Done ✓ (undo)" : "Mark as done";
      control.classList.toggle("md-button--primary", !isDone);
      card.classList.toggle("section-card--done", isDone);
      if (!control.dataset.bound) {
        control.dataset.bound = "1";
        control.addEventListener("click", () => setDone(card.dataset.section, !(card.dataset.section in load())));
      }
    }
    for (const mark of document.querySelectorAll(".progress-mark[data-section]")) {
      const isDone = mark.dataset.section in done;
      mark.textContent = isDone ? "✓" : "";
      mark.title = isDone ? `Done on ${done[mark.dataset.section]}` : "";
      mark.setAttribute("role", "img"); // aria-label is not allowed on a plain span (axe aria-prohibited-attr)
      mark.setAttribute("aria-label", isDone ? "done" : "not done");
    }
    for (const panel of document.querySelectorAll(".track-progress[data-sections]")) {
      trackPanel(panel);
      const sections = panel.dataset.sections.split(" ").filter(Boolean);
      const count = sections.filter((s) => s in done).length;
      panel.querySelector(".track-progress__summary").textContent =
        `${count} of ${sections.length} sections done`;
      const bar = panel.querySelector(".track-progress__bar");
      bar.max = Math.max(sections.length, 1);
      bar.value = count;
    }
  }

  // Print: closed <details> print expanded (print.css); solutions only when the reader asks.
  function printOptions() {
    const article = document.querySelector("article.md-content__inner");
    if (!article) return;
    for (const details of article.querySelectorAll("details")) {
      const summary = details.querySelector("summary");
      if (details.classList.contains("pyodide-solution") || /^\s*solution/i.test(summary ? summary.textContent : "")) {
        details.classList.add("is-solution");
      }
    }
    const wanted = localStorage.getItem(PRINT_KEY) === "1";
    document.documentElement.classList.toggle("print-solutions", wanted);
    if (!article.querySelector("details.is-solution") || article.querySelector(".print-options")) return;
    const label = document.createElement("label");
    label.className = "print-options";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = wanted;
    box.addEventListener("change", () => {
      localStorage.setItem(PRINT_KEY, box.checked ? "1" : "0");
      document.documentElement.classList.toggle("print-solutions", box.checked);
    });
    label.append(box, " Include solutions when printing this page");
    const updated = article.querySelector(".md-source-file");  // keep "last updated" last
    if (updated) updated.before(label);
    else article.append(label);
  }

  // Print shows the address of external links (print.css); a link into this site, which the page
  // may hold as an absolute address, would print a long local URL instead, so it is marked.
  function markSameSiteLinks() {
    // Only the article: the announcement bar's HTML must stay as built (Material hashes it to
    // remember a dismissal).
    for (const link of document.querySelectorAll('article a[href^="http"]')) {
      if (link.host === location.host) link.classList.add("same-site");
    }
  }

  // Accessible names Material's templates leave out: the search dialog and the loading bar of
  // instant navigation (axe aria-dialog-name, aria-progressbar-name). Both only work with JS.
  function nameMaterialWidgets() {
    const search = document.querySelector(".md-search[role=dialog]");
    if (search && !search.hasAttribute("aria-label")) {
      const input = search.querySelector(".md-search__input");
      search.setAttribute("aria-label", (input && input.getAttribute("aria-label")) || "Search");
    }
    const progress = document.querySelector(".md-progress[role=progressbar]");
    if (progress && !progress.hasAttribute("aria-label")) progress.setAttribute("aria-label", "Loading page");
  }

  // A display formula wider than the column scrolls sideways (Material: div.arithmatex, overflow
  // auto); keyboard users scroll it once it can take focus (WCAG 2.1.1, axe
  // scrollable-region-focusable). Formulas are typeset after load (math.js: the content changes)
  // and the column's width changes with the window, so observers keep the tab stop on exactly the
  // formulas that overflow.
  function updateTabStop(formula) {
    if (formula.scrollWidth > formula.clientWidth + 1) formula.setAttribute("tabindex", "0");
    else formula.removeAttribute("tabindex");
  }
  const resized = "ResizeObserver" in window
    ? new ResizeObserver((entries) => entries.forEach((entry) => updateTabStop(entry.target))) : null;
  const typeset = new MutationObserver((records) => {
    for (const formula of new Set(records.map((r) => r.target.closest("div.arithmatex")))) {
      if (formula) updateTabStop(formula);
    }
  });

  function watchWideFormulas() {
    for (const formula of document.querySelectorAll(".md-typeset div.arithmatex")) {
      if (formula.dataset.overflowWatched) continue;
      formula.dataset.overflowWatched = "1";
      updateTabStop(formula);
      if (resized) resized.observe(formula);
      typeset.observe(formula, { childList: true, subtree: true });
    }
  }

  document$.subscribe(() => {
    render();
    printOptions();
    markSameSiteLinks();
    nameMaterialWidgets();
    watchWideFormulas();
  });
  // Another tab marked a section done: keep this one in step.
  window.addEventListener("storage", (event) => event.key === KEY && render());
})();
