"""In real Chromium, with the site served under a sub-path: the Download buttons of a notebook
page download the generated notebooks, byte for byte."""

from __future__ import annotations

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, serve
from tests.notebooks.test_site import make_site
from tests.support import build_site

pytestmark = pytest.mark.browser


def test_download_buttons_fetch_both_notebooks_when_the_site_lives_under_a_sub_path(tmp_path):
    from playwright.sync_api import sync_playwright

    config = make_site(tmp_path / "project")
    build_site(tmp_path / "www/course/v1", config=config)  # served as http://host/course/v1/
    server, url = serve(tmp_path / "www")
    generated = tmp_path / "project/docs/notebooks/demo"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(accept_downloads=True).new_page()
            page.goto(f"{url}/course/v1/notebooks/demo/01_basics/")
            for label, name in [("Download exercises", "01_basics.exercises.ipynb"), ("Download solutions", "01_basics.ipynb")]:
                with page.expect_download() as info:
                    page.get_by_role("link", name=label).click()
                download = info.value
                assert download.suggested_filename == name
                assert download.url.startswith(f"{url}/course/v1/notebooks/demo/")
                assert open(download.path(), "rb").read() == (generated / name).read_bytes()
            colab = page.get_by_role("link", name="Open exercises in Colab").get_attribute("href")
            assert colab.startswith("https://colab.research.google.com/github/") and colab.endswith("/docs/notebooks/demo/01_basics.exercises.ipynb")
            browser.close()
    finally:
        server.shutdown()
