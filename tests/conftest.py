"""Shared fixtures: Markdown rendering with the site's extensions, and one strict build of the site."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest

from tests.support import build_site, load_mkdocs_yml


def site_markdown_extensions() -> tuple[list[str], dict]:
    """The markdown_extensions of mkdocs.yml, as Python-Markdown takes them."""
    names, configs = [], {}
    for entry in load_mkdocs_yml()["markdown_extensions"]:
        if isinstance(entry, dict):
            (name, options), = entry.items()
            names.append(name)
            configs[name] = options or {}
        else:
            names.append(entry)
    return names, configs


@pytest.fixture
def md():
    """Render a Markdown string to HTML exactly as the site's pages are rendered (same extensions)."""
    names, configs = site_markdown_extensions()

    def render(text: str) -> str:
        return markdown.Markdown(extensions=names, extension_configs=configs).convert(text)

    return render


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The real site, built once per test session with --strict."""
    dest = tmp_path_factory.mktemp("site")
    build_site(dest)
    return dest
