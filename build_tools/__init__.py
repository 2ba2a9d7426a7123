"""Build tools for the course site, one package per feature, each with a thin MkDocs hook:

- ``build_tools.blocks``: runnable ```pyodide blocks (fence, contract, pre-render, runtime, page JS);
- ``build_tools.notebooks``: exercise and solution notebooks generated from ``course_src/``;
- ``build_tools.site``: section cards, events, link checks, vendored front-end assets.

The packages import nothing from each other; logic is in plain modules, hooks only adapt MkDocs.
"""
