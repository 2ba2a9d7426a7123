// Render $…$ / $$…$$ (wrapped by pymdownx.arithmatex) with the site's own KaTeX copy.
// document$ fires on first load and after each instant navigation.
document$.subscribe(() => {
  renderMathInElement(document.body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
    ignoredClasses: ["pyodide-block"],
    throwOnError: false,
  });
});
