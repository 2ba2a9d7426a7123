"""MkDocs hook for runnable blocks: a thin shim over build_tools.blocks (see README.md there)."""

import json
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from build_tools.blocks import contract, fence
from build_tools.blocks.page import PageBlockError
from build_tools.blocks.prerender import Prerender

_run: Prerender | None = None
_config_script = ""


def on_config(config):
    try:
        contract.settings(config.extra.get("pyodide"))
    except contract.SettingsError as error:
        raise PluginError(str(error)) from None
    return config


def on_pre_build(config):
    global _run, _config_script
    page_config = contract.page_config(config.extra.get("pyodide"))
    _run = Prerender(Path(config["docs_dir"]) / "assets" / "data", page_config["max_output_chars"])
    data = json.dumps(page_config).replace("<", "\\u003c")
    _config_script = f'<script id="pyodide-config" type="application/json">{data}</script>'



def on_files(files, config):
    served = {p.name: p for p in contract.WEB_DIR.iterdir() if p.is_file()}
    served.update({f"runtime/{name}": path for name, path in contract.runtime_files().items()})
    for name, path in served.items():
        files.append(File.generated(config, contract.SITE_PREFIX + name, abs_src_path=str(path)))
    return files


def on_page_markdown(markdown, page, config, files):
    # The file as written, front matter included, so errors give the line the author's editor shows.
    fence.begin_page(page.file.src_path, page.file.content_string if page.file.abs_src_path else markdown)
    return markdown


def on_page_content(html, page, config, files):
    try:
        _run.submit(page.file.src_path, fence.end_page().finish())
    except PageBlockError as error:
        raise PluginError(f"runnable block error: {error}") from None
    return html


def on_post_page(output, page, config):
    try:
        outputs = _run.collect(page.file.src_path)
    except PageBlockError as error:
        raise PluginError(f"runnable block error: {error}") from None
    for block_id, html in outputs.items():
        output = output.replace(fence.PLACEHOLDER.format(id=block_id), html, 1)
    # On every page, not just those with blocks: instant navigation keeps the first page's <head>.
    return output.replace("</head>", _config_script + "</head>", 1)


def on_post_build(config):
    _run.close()


def on_build_error(error):
    if _run is not None:
        _run.close()
