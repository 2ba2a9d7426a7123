"""A notebook page in a real strict build: Download and Open-in-Colab buttons whose links resolve
to the generated files inside site/ (relative links, so any sub-path works), and a build that
refuses stale notebooks. Uses a tiny site around the fixture sources and the real plugin options."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import PurePosixPath

import pytest

from tests.support import ROOT, build_site, load_mkdocs_yml
from tests.support import make_notebook_site as make_site


def links(html: str) -> dict[str, str]:
    """Label -> href of the notebook buttons."""
    (row,) = re.findall(r'<div class="course-notebook-actions">(.*?)</div>', html, re.S)
    return {label: unescape(href) for href, label in re.findall(r'href="([^"]+)"[^>]*>([^<]+)</a>', row)}


@pytest.mark.parametrize("use_directory_urls", [True, False], ids=["directory-urls", "file-urls"])
def test_notebook_page_has_download_and_colab_buttons_that_resolve_inside_the_site(tmp_path, use_directory_urls):
    config = make_site(tmp_path / "project", use_directory_urls)
    site = tmp_path / "site"
    build_site(site, config=config)
    page = site / ("notebooks/demo/01_basics/index.html" if use_directory_urls else "notebooks/demo/01_basics.html")
    html = page.read_text()
    buttons = links(html)
    assert list(buttons) == ["Download exercises", "Download solutions",
                             "Open exercises in Colab", "Open solutions in Colab"]

    docs = tmp_path / "project/docs/notebooks/demo"
    for label, generated in [("Download exercises", "01_basics.exercises.ipynb"),
                             ("Download solutions", "01_basics.ipynb")]:
        href = buttons[label]
        assert not href.startswith(("/", "http")), f"{label} must be relative to work under any sub-path: {href}"
        target = (page.parent / href).resolve()
        assert target.is_relative_to(site.resolve()) and target.is_file(), f"{label} -> {href} is not in site/"
        assert target.read_bytes() == (docs / generated).read_bytes()
        assert f'download="{generated}"' in html

    repo = load_mkdocs_yml()["extra"]["repository"]
    owner_repo = repo["url"].removeprefix("https://github.com/").rstrip("/")
    base = f"https://colab.research.google.com/github/{owner_repo}/blob/{repo['branch']}/docs/notebooks/demo"
    assert buttons["Open exercises in Colab"] == f"{base}/01_basics.exercises.ipynb"
    assert buttons["Open solutions in Colab"] == f"{base}/01_basics.ipynb"


def test_rendered_page_shows_the_notebook_without_the_generated_header_cell(tmp_path):
    site = tmp_path / "site"
    build_site(site, config=make_site(tmp_path / "project"))
    html = (site / "notebooks/demo/01_basics/index.html").read_text()
    assert "Demo: the basics" in html and "def double" in html
    assert "Generated from" not in html  # the page has buttons instead
    assert html.index("course-notebook-actions") > html.index("Demo: the basics")  # buttons under the title
    assert not (site / "notebooks/demo/01_basics.exercises/index.html").exists(), "exercises are a download, not a page"
    assert "assets/notebooks/notebooks.css" in html and (site / "assets/notebooks/notebooks.css").is_file()


def test_build_fails_naming_the_command_when_a_committed_notebook_is_stale(tmp_path):
    config = make_site(tmp_path / "project")
    source = tmp_path / "project/course_src/demo/01_basics.py"
    source.write_text(source.read_text().replace("A fixture notebook", "An edited fixture notebook"))
    with pytest.raises(AssertionError) as error:
        build_site(tmp_path / "site", config=config)
    message = str(error.value)
    assert "docs/notebooks/demo/01_basics.ipynb is out of date" in message
    assert "make notebooks" in message


def test_build_fails_with_file_and_line_for_a_malformed_source(tmp_path):
    config = make_site(tmp_path / "project")
    source = tmp_path / "project/course_src/demo/01_basics.py"
    lines = source.read_text().splitlines()
    end = lines.index("    ### END SOLUTION")
    source.write_text("\n".join(lines[:end] + lines[end + 1 :]) + "\n")
    never_closed = r"course_src/demo/01_basics\.py:\d+: `### BEGIN SOLUTION` is never closed"
    with pytest.raises(AssertionError, match=never_closed):
        build_site(tmp_path / "site", config=config)


def test_generated_notebooks_are_valid_json_with_the_python3_kernel(tmp_path):
    make_site(tmp_path / "project")
    for path in (tmp_path / "project/docs/notebooks/demo").glob("*.ipynb"):
        nb = json.loads(path.read_text())
        assert nb["metadata"]["kernelspec"]["name"] == "python3", path.name
        assert PurePosixPath(path.name).suffix == ".ipynb"


def test_every_course_notebook_page_of_the_real_site_has_working_buttons(built_site):
    from build_tools.notebooks.generate import discover

    for source in discover(ROOT / "course_src"):
        track, stem = source.parent.name, source.stem
        page = built_site / f"notebooks/{track}/{stem}/index.html"
        buttons = links(page.read_text())
        for label, name in [("Download exercises", f"{stem}.exercises.ipynb"), ("Download solutions", f"{stem}.ipynb")]:
            target = page.parent / buttons[label]
            assert target.is_file(), f"{track}/{stem}: {label} -> {buttons[label]} is not in the built site"
            assert target.read_bytes() == (ROOT / f"docs/notebooks/{track}/{name}").read_bytes()
        branch = load_mkdocs_yml()["extra"]["repository"]["branch"]
        exercises = f"/blob/{branch}/docs/notebooks/{track}/{stem}.exercises.ipynb"
        assert buttons["Open exercises in Colab"].endswith(exercises)
