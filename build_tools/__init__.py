"""Build tools for the course site: Markdown extensions, notebook generation and checks.

Each module does one job as pure functions; the files in ``build_tools/hooks/`` are the thin MkDocs
shims that call them.
"""
