"""MkDocs hook for runnable blocks (thin shim over build_tools.blocks.page / prerender).

- on_page_markdown: validate the page's ```pyodide fences (errors as file:line) and pre-render them;
- on_page_content: put the pre-rendered output into the blocks' output regions;
- on_files: serve the widget (build_tools/assets/pyodide) and the `course` runtime;
- on_post_page: the extra.pyodide settings as JSON for the page's script.
The fence itself is rendered by build_tools.blocks.fence (a superfences formatter).
"""

import json
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from build_tools.blocks.page import PageBlockError, page_blocks
from build_tools.blocks.prerender import prerender_page
from build_tools.blocks.fence import PLACEHOLDER

ROOT = Path(__file__).resolve().parents[2]
ASSETS = Path(__file__).resolve().parent / "web"
RUNTIME = Path(__file__).resolve().parent / "runtime"
SETTINGS = {"core_url", "packages_url", "prefetch", "max_output_chars", "load_timeout"}
_rendered: dict[str, list] = {}


def source_text(page, markdown: str) -> str:
    """The page file as written (front matter included, so line numbers match the editor)."""
    try:
        return page.file.content_string
    except Exception:  # generated page with no source file
        return markdown


def settings(config) -> dict:
    given = (config.get("extra") or {}).get("pyodide") or {}
    unknown = set(given) - SETTINGS
    if unknown:
        raise PluginError(f"mkdocs.yml extra.pyodide: unknown setting(s) {sorted(unknown)}; known: {sorted(SETTINGS)}")
    return given


def on_config(config):
    settings(config)
    return config


def on_files(files, config):
    for path in sorted(ASSETS.glob("*")):
        files.append(File.generated(config, f"assets/pyodide/{path.name}", abs_src_path=str(path)))
    for name in ("course.py", "course_runner.py"):
        files.append(File.generated(config, f"assets/pyodide/runtime/{name}", abs_src_path=str(RUNTIME / name)))
    return files


def on_page_markdown(markdown, page, config, files):
    src = page.file.src_path
    try:
        blocks = page_blocks(source_text(page, markdown), src)
        data_dir = Path(config["docs_dir"]) / "assets" / "data"
        _rendered[src] = prerender_page(blocks, src, data_dir) if blocks else []
    except PageBlockError as error:
        raise PluginError(f"runnable block error: {error}") from None
    return markdown


def on_page_content(html, page, config, files):
    for digest, output in _rendered.pop(page.file.src_path, []):
        html = html.replace(PLACEHOLDER.format(digest=digest), output, 1)
    return html


def on_post_page(output, page, config):
    # On every page, not just those with blocks: instant navigation keeps the first page's <head>.
    data = json.dumps(settings(config)).replace("<", "\\u003c")
    return output.replace("</head>", f'<script id="pyodide-config" type="application/json">{data}</script></head>', 1)
