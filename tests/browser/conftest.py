"""Everything under tests/browser/ drives real Chromium (fixtures: tests/conftest.py)."""

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


# Block tests: one browser profile per module, so Pyodide's files and compiled wasm come from its
# caches. A module takes them by defining `page(shared_page)`.
@pytest.fixture(scope="module")
def shared_context(browser):
    context = browser.new_context()
    yield context
    context.close()


@pytest.fixture
def shared_page(shared_context):
    """A new tab in the module's profile (instead of the conftest `page`, which has a fresh profile)."""
    page = shared_context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    if page.url.startswith("http"):
        page.evaluate("localStorage.clear()")  # saved edits must not leak into the next test
    page.close()
