"""The runnable-block contract: settings are checked and completed; the page config carries it all."""

from __future__ import annotations

import json
import re

import pytest

from build_tools.blocks import contract
from build_tools.blocks.build import served_files
from tests.support import ROOT


def test_settings_get_every_default_and_reject_unknown_or_wrongly_typed_entries():
    assert contract.settings({}) == {name: default for name, (default, _, _) in contract.SETTINGS.items()}
    assert contract.settings({"prefetch": False})["prefetch"] is False
    with pytest.raises(contract.SettingsError, match=r"unknown setting\(s\) \['prefech'\]"):
        contract.settings({"prefech": False})
    with pytest.raises(contract.SettingsError, match="max_output_chars: 'lots' is not a positive whole number"):
        contract.settings({"max_output_chars": "lots"})
    with pytest.raises(contract.SettingsError, match="prefetch: 'yes' should be a bool"):
        contract.settings({"prefetch": "yes"})


def test_the_pyodide_version_is_written_once_in_package_json():
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["pyodide"]
    assert contract.PYODIDE_VERSION == pinned and f"v{pinned}/" in contract.settings({})["packages_url"]
    for path in ["mkdocs.yml", "README.md", *map(str, (ROOT / "docs").rglob("*.md")),
                 *map(str, (ROOT / "build_tools" / "blocks" / "web").glob("*"))]:
        assert pinned not in (ROOT / path).read_text(encoding="utf-8"), f"{path} restates the Pyodide version"


def test_runtime_files_are_the_runtime_and_the_page_modules_and_all_are_served():
    files = contract.runtime_files()
    assert {"course.py", "course_runner.py", "course_render.py", "course_verify.py"} <= set(files)
    shared = {"circuit_scores.py": contract.ROOT / "course_src" / "circuits" / "circuit_scores.py"}
    assert all(path.parent in (contract.RUNTIME_DIR, contract.PAGE_MODULES_DIR) or shared.get(name) == path
               for name, path in files.items())
    served = served_files()
    assert all(f"assets/pyodide/runtime/{name}" in served for name in files)


def test_page_config_is_json_with_the_protocol_and_settings():
    config = contract.page_config({"prefetch": False})
    assert json.loads(json.dumps(config)) == config
    assert config["prefetch"] is False and config["runtime_files"] == list(contract.runtime_files())
    assert set(config["from_worker"]) == {"ready", "load-error", "progress", "started", "event", "done"}
    assert config["event_kinds"] == ["stdout", "stderr", "html"]


def test_the_pages_html_cap_covers_the_runtimes_figure_budget_and_capped_messages():
    import ast

    source = (contract.RUNTIME_DIR / "course.py").read_text()
    (budget,) = [ast.literal_eval(n.value) for n in ast.parse(source).body if isinstance(n, ast.Assign)
                 and getattr(n.targets[0], "id", "") == "MAX_FIGURE_CHARS_PER_RUN"]
    config = contract.page_config({"max_output_chars": 1_000})
    assert config["max_html_chars"] >= budget + 6 * 2 * 1_000


def test_the_web_code_restates_no_default_of_the_contract():
    web = "\n".join(p.read_text() for p in (ROOT / "build_tools" / "blocks" / "web").glob("*.js"))
    assert not re.search(r"block-\$\{", web), "the page computes default block ids"
    assert "assets/vendor/pyodide" not in web and "max_output_chars: " not in web
    assert '"course.py"' not in web, "the page lists runtime files itself"


def test_the_authors_guide_gets_its_settings_table_from_the_contract():
    table = contract.settings_markdown()
    assert all(f"| `{name}` |" in table for name in contract.SETTINGS)
    assert "<!-- pyodide-settings -->" in (ROOT / "docs" / "authors" / "runnable-blocks.md").read_text()
