"""MkDocs hook for the generated notebooks (build_tools.notebooks.generate does the work).

- `mkdocs build`: fails when docs/notebooks/ does not match course_src/ (run `make notebooks`);
  `mkdocs serve`: regenerates them instead, and watches course_src/.
- Adds Download (exercises, solutions) and Open in Colab buttons to each rendered notebook page.
  mkdocs-jupyter renders docs/notebooks/<track>/NN_name.ipynb and copies it beside the page
  (`include_source: true`); the exercise notebook is ignored by mkdocs-jupyter, so MkDocs copies it
  as a static file. Links are relative, so they work under any sub-path.
- Marks code cells (source and outputs) `data-search-exclude`: the search index keeps a notebook's
  prose and headings, not its code (build_tools/site/search.py cuts marked elements out).
- Keyboard: a code cell's source scrolls sideways, so it is the tab stop (tabindex="0"; WCAG 2.1.1,
  axe scrollable-region-focusable). nbconvert's tab stop on every cell's wrapper, which scrolls
  nothing, goes, so Tab moves from code cell to code cell.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from build_tools.notebooks.generate import stale_files, stale_message, write_all
from build_tools.notebooks.links import buttons_html, colab_url, repository_from_extra
from build_tools.notebooks.page import exercise_uri, is_solution_page, notebook_page
from build_tools.notebooks.source import NotebookSourceError

CSS = Path(__file__).resolve().parent / "notebooks.css"
CSS_URI = "assets/notebooks/notebooks.css"
_command = "build"


def on_startup(command, dirty):
    global _command
    _command = command


def _paths(config):
    docs = Path(config.docs_dir).resolve()
    root = docs.parent  # the project: course_src/ and docs/ side by side
    return root, root / "course_src", docs


def on_config(config):
    try:
        repository_from_extra(config.extra)
    except ValueError as error:
        raise PluginError(str(error)) from error
    if CSS_URI not in config.extra_css:
        config.extra_css.append(CSS_URI)
    return config


def on_pre_build(config):
    root, course_src, docs = _paths(config)
    repo = repository_from_extra(config.extra)
    # a clean result is cached by a hash of the sources, the notebooks and the generator
    cache = root / ".cache/notebooks/stale-check"
    try:
        if _command == "serve":
            write_all(course_src, docs, repo, root, cache=cache)
            return
        problems = stale_files(course_src, docs, repo, root, cache=cache)
    except NotebookSourceError as error:
        raise PluginError(f"notebook source: {error}") from error
    if problems:
        raise PluginError(stale_message(problems))


def on_serve(server, config, builder):
    _, course_src, _ = _paths(config)
    if course_src.is_dir():
        server.watch(str(course_src))
    return server


def on_files(files, config):
    files.append(File.generated(config, CSS_URI, abs_src_path=str(CSS)))
    return files


def on_page_content(html, page, config, files):
    if not is_solution_page(page.file.src_uri):
        return html
    repo = repository_from_extra(config.extra)
    name = PurePosixPath(page.file.src_uri).name
    exercise = exercise_uri(page.file.src_uri)
    if files.get_file_from_path(exercise) is None:
        raise PluginError(f"{exercise} is missing beside {page.file.src_uri}: run `make notebooks`")
    # mkdocs-jupyter copies the solution notebook into the page's own folder
    solution_site_path = (PurePosixPath(page.file.dest_path).parent / name).as_posix()
    return notebook_page(html, buttons_html(
        exercise_href=get_relative_url(exercise, page.url),
        solution_href=get_relative_url(solution_site_path, page.url),
        exercise_colab=colab_url(repo, f"docs/{exercise}"),
        solution_colab=colab_url(repo, f"docs/{page.file.src_uri}"),
    ))
