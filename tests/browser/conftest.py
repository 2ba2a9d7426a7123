"""Everything under tests/browser/ drives real Chromium (fixtures: tests/conftest.py)."""

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)
