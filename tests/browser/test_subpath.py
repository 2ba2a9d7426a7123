"""The built site works from any static host under a sub-path: pages and every asset they load."""

import re

import pytest

from tests.browser_support import serve

PAGES = ["", "gpt2/", "events/", "news/", "organizers/publish/", "workshops/"]


@pytest.fixture(scope="module")
def subpath_url(built_site, tmp_path_factory):
    """The site served at http://127.0.0.1:PORT/sub/path/ (a symlink into a bigger tree)."""
    root = tmp_path_factory.mktemp("host")
    (root / "sub").mkdir()
    (root / "sub/path").symlink_to(built_site, target_is_directory=True)
    server, url = serve(root)
    yield f"{url}/sub/path/"
    server.shutdown()


@pytest.mark.parametrize("path", PAGES)
def test_page_and_all_its_requests_load_under_a_sub_path(page, subpath_url, path):
    failed = []
    start = subpath_url + path

    def on_failed(request):
        # A redirect page (workshops/) navigates away while it loads: its own document request
        # may then be aborted. That is the redirect working, not a missing file.
        aborted_by_redirect = request.url == start and "ERR_ABORTED" in (request.failure or "")
        if not aborted_by_redirect:
            failed.append(f"failed {request.url} ({request.failure})")

    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.on("requestfailed", on_failed)
    page.goto(start)
    page.wait_for_load_state("networkidle")
    assert failed == []
    assert page.url.startswith(subpath_url)
    assert page.errors == []
    # Every same-host link on the page stays under the sub-path.
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    host = re.match(r"http://[^/]+", subpath_url).group(0)
    outside = [h for h in hrefs if h.startswith(host) and not h.startswith(subpath_url)]
    assert outside == []
