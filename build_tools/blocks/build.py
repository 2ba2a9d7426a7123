"""Runnable blocks in a site build, independent of the generator: what the MkDocs hook (hook.py)
calls at each step. Errors are PageBlockError (file:line) or contract.SettingsError."""

from __future__ import annotations

import json
import re
from pathlib import Path

from build_tools.blocks import contract, fence
from build_tools.blocks.prerender import Prerender

SETTINGS_MARKER = re.compile(r"^<!-- pyodide-settings -->[ \t]*$", re.M)  # the authors' guide's settings table


def served_files() -> dict[str, Path]:
    """Site path -> file: the page's scripts and styles, and every runtime module."""
    served = {p.name: p for p in contract.WEB_DIR.iterdir() if p.is_file()}
    served.update({f"runtime/{name}": path for name, path in contract.runtime_files().items()})
    return {contract.SITE_PREFIX + name: path for name, path in served.items()}


class SiteBlocks:
    """One build: pages are begun (Markdown read), rendered (blocks known) and written (output in)."""

    def __init__(self, docs_dir: Path, extra_pyodide: dict | None):
        config = contract.page_config(extra_pyodide)
        data = json.dumps(config).replace("<", "\\u003c")
        self.config_script = f'<script id="pyodide-config" type="application/json">{data}</script>'
        self.prerender = Prerender(docs_dir / "assets" / "data", config["max_output_chars"])

    def begin_page(self, src_path: str, text: str, markdown: str) -> str:
        fence.begin_page(src_path, text)
        return SETTINGS_MARKER.sub(lambda _: contract.settings_markdown(), markdown)

    def page_rendered(self, src_path: str) -> None:
        self.prerender.submit(src_path, fence.end_page().finish())

    def page_written(self, src_path: str, output: str) -> str:
        for block_id, html in self.prerender.collect(src_path).items():
            shown = f'<div class="pyodide-prerendered">{html}</div>' if html else ""  # blocks.css labels it
            output = output.replace(fence.PLACEHOLDER.format(id=block_id), shown, 1)
        # On every page, not just those with blocks: instant navigation keeps the first page's <head>.
        return output.replace("</head>", self.config_script + "</head>", 1)

    def close(self) -> None:
        self.prerender.close()
