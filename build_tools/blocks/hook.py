"""MkDocs hook for runnable blocks: a thin shim over build_tools.blocks.build (see README.md there)."""

from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from build_tools.blocks.build import SiteBlocks, served_files
from build_tools.blocks.contract import SettingsError
from build_tools.blocks.page import PageBlockError

_build: SiteBlocks | None = None


def _plugin_errors(step):
    def hook(*args, **kwargs):
        try:
            return step(*args, **kwargs)
        except (PageBlockError, SettingsError) as error:
            raise PluginError(f"runnable block error: {error}") from None
    return hook


@_plugin_errors
def on_pre_build(config):
    global _build
    _build = SiteBlocks(Path(config["docs_dir"]), config.extra.get("pyodide"))


def on_files(files, config):
    for site_path, path in served_files().items():
        files.append(File.generated(config, site_path, abs_src_path=str(path)))
    return files


def on_page_markdown(markdown, page, config, files):
    # The file as written (front matter included), so errors give the line the author's editor shows.
    text = page.file.content_string if page.file.abs_src_path else markdown
    return _build.begin_page(page.file.src_path, text, markdown)


@_plugin_errors
def on_page_content(html, page, config, files):
    _build.page_rendered(page.file.src_path)
    return html


@_plugin_errors
def on_post_page(output, page, config):
    return _build.page_written(page.file.src_path, output)


def on_post_build(config):
    _build.close()


def on_build_error(error):
    if _build is not None:
        _build.close()
