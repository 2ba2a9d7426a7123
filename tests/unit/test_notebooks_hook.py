"""The notebooks hook: `mkdocs build` refuses stale notebooks, `mkdocs serve` regenerates them."""

from __future__ import annotations

import pytest
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError

from build_tools.notebooks import hook
from tests.support import make_notebook_site as make_site


@pytest.fixture
def edited_project(tmp_path):
    config_file = make_site(tmp_path)
    source = tmp_path / "course_src/demo/01_basics.py"
    source.write_text(source.read_text().replace("A fixture notebook", "An edited notebook"))
    yield load_config(str(config_file)), tmp_path / "docs/notebooks/demo/01_basics.ipynb"
    hook.on_startup("build", dirty=False)


def test_build_command_refuses_stale_notebooks(edited_project):
    config, _ = edited_project
    hook.on_startup("build", dirty=False)
    with pytest.raises(PluginError, match="make notebooks"):
        hook.on_pre_build(config)


def test_serve_command_regenerates_stale_notebooks(edited_project):
    config, solution = edited_project
    hook.on_startup("serve", dirty=False)
    hook.on_pre_build(config)
    assert "An edited notebook" in solution.read_text()


def test_site_without_a_github_repository_fails_with_the_setting_to_fix(edited_project):
    config, _ = edited_project
    config.extra["repository"] = {"url": "https://example.org/course", "branch": "main"}
    with pytest.raises(PluginError, match="extra.repository.url"):
        hook.on_config(config)
