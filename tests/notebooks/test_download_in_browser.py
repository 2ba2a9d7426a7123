"""In real Chromium, with the site served under a sub-path: the Download buttons of a notebook
page download the generated notebooks, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import serve
from tests.support import build_site
from tests.support import make_notebook_site as make_site

pytestmark = pytest.mark.browser


def test_download_buttons_fetch_both_notebooks_when_the_site_lives_under_a_sub_path(tmp_path, browser):
    config = make_site(tmp_path / "project")
    build_site(tmp_path / "www/course/v1", config=config)  # served as http://host/course/v1/
    server, url = serve(tmp_path / "www")
    generated = tmp_path / "project/docs/notebooks/demo"
    context = browser.new_context(accept_downloads=True)
    try:
        page = context.new_page()
        page.goto(f"{url}/course/v1/notebooks/demo/01_basics/")
        for label, name in [("Download exercises", "01_basics.exercises.ipynb"),
                            ("Download solutions", "01_basics.ipynb")]:
            with page.expect_download() as info:
                page.get_by_role("link", name=label).click()
            download = info.value
            assert download.suggested_filename == name
            assert download.url.startswith(f"{url}/course/v1/notebooks/demo/")
            assert Path(download.path()).read_bytes() == (generated / name).read_bytes()
        colab = page.get_by_role("link", name="Open exercises in Colab").get_attribute("href")
        assert colab.startswith("https://colab.research.google.com/github/")
        assert colab.endswith("/docs/notebooks/demo/01_basics.exercises.ipynb")
    finally:
        context.close()
        server.shutdown()
