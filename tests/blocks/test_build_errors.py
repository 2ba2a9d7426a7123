"""A strict build of a tiny site fails on a broken block, naming the page and the line."""

from __future__ import annotations

import pytest

from tests.support import ROOT, build_site

CONFIG = """site_name: t
hooks: [{hook}]
markdown_extensions:
  - pymdownx.snippets:
      base_path: [{docs}]
      check_paths: true
  - pymdownx.superfences:
      custom_fences:
        - name: pyodide
          class: pyodide
          validator: !!python/name:build_tools.blocks.fence.validator
          format: !!python/name:build_tools.blocks.fence.formatter
"""


def site(tmp_path, page: str):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(page)
    (tmp_path / "docs" / "snippet.txt").write_text("```pyodide\nprint(1 / 0)\n```\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text(CONFIG.format(hook=ROOT / "build_tools" / "blocks" / "hook.py", docs=tmp_path / "docs"))
    return config


@pytest.mark.parametrize("page, message", [
    ("---\ntitle: x\n---\n# T\n\n```pyodide timeout=\"fast\"\nx = 1\n```\n", "index.md:6: option timeout=\"fast\""),
    ("# T\n\n```pyodide\nx = 1\n# %% checks\n```\n", "index.md:5: unknown section marker '# %% checks'"),
    ("# T\n\n```pyodide\nprint(undefined_name)\n```\n", 'index.md:3: block "block-1" raised an error at pre-render'),
    ("# T\n\n```pyodide\nx = 1\n```\n\n```pyodide id=\"spin\" timeout=\"1\"\nwhile True: pass\n```\n",
     'index.md:7: block "spin" ran past its time limit of 1 s'),
    ("# T\n\n```pyodide\nx = 1\n```\n\n```pyodide\nprint(x)\n# %% solution\nprint(2)\n",
     "index.md:7: this ```pyodide fence is never closed"),
    ('# T\n\n--8<-- "snippet.txt"\n',
     'index.md (in text included by a snippet): block "block-1" raised an error at pre-render'),
])
def test_broken_block_fails_the_strict_build_with_file_and_line(tmp_path, page, message):
    with pytest.raises(AssertionError) as failure:
        build_site(tmp_path / "out", config=site(tmp_path, page))
    assert message in str(failure.value)


def test_valid_blocks_build_and_carry_their_prerendered_output(tmp_path):
    build_site(tmp_path / "out", config=site(tmp_path, "# T\n\n```pyodide\nprint(6 * 7)\n```\n"))
    html = (tmp_path / "out" / "index.html").read_text()
    assert '<pre class="pyodide-text pyodide-stdout">42\n</pre>' in html
    assert 'id="pyodide-config"' in html
    assert (tmp_path / "out" / "assets" / "pyodide" / "worker.js").exists()
    assert (tmp_path / "out" / "assets" / "pyodide" / "runtime" / "course.py").exists()
