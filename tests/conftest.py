"""Shared fixtures: Markdown rendering with the site's extensions, and one strict build of the site."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import markdown
import pytest

from build_tools.blocks.fence import site_extensions
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, serve
from tests.support import build_site


@pytest.fixture
def md():
    """Render a Markdown string to HTML exactly as the site's pages are rendered (same extensions)."""
    names, configs = site_extensions()

    def render(text: str) -> str:
        return markdown.Markdown(extensions=names, extension_configs=configs).convert(text)

    return render


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The real site, built once per test session with --strict."""
    dest = tmp_path_factory.mktemp("site")
    build_site(dest)
    return dest


# Browser fixtures. One Playwright instance serves the whole session: Playwright's sync API
# refuses a second one while the first is running.

@pytest.fixture(scope="session")
def site_url(built_site):
    """Base URL (no trailing slash) of the built site, served over HTTP on loopback."""
    server, url = serve(built_site)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page; console errors and page errors are collected on page.errors."""
    context = browser.new_context()
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


# `make test-fast` sets COURSE_TEST_FAST=1: the run fails if a test pulled in a heavy dependency,
# so the fast tier stays fast as tests are added (select by path in the Makefile, guard here).
HEAVY_MODULES = ["torch", "transformers", "playwright.sync_api"]  # (nbclient comes with mkdocs-jupyter)


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("COURSE_TEST_FAST") != "1":
        return
    heavy = [name for name in HEAVY_MODULES if name in sys.modules]
    if heavy:
        print(f"\nmake test-fast imported {', '.join(heavy)}: move the test that needs it out of the fast tier "
              "(Makefile FAST_TESTS) or make the import lazy.", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
