"""A strict build of a tiny site with a broken anchor fails, naming the page and the anchor."""

import os
import subprocess

from tests.support import MKDOCS, ROOT

FIXTURE = ROOT / "tests/fixtures/broken_links_site"


def test_build_fails_on_broken_markdown_anchor_and_raw_html_anchor(tmp_path):
    result = subprocess.run(
        [str(MKDOCS), "build", "--strict", "-f", str(FIXTURE / "mkdocs.yml"), "-d", str(tmp_path / "site")],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "DISABLE_MKDOCS_2_WARNING": "true"})
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    # MkDocs's own validation: the Markdown link.
    assert "index.md" in log and "#no-such-heading" in log
    # Our HTML check: the raw-HTML link MkDocs cannot see.
    assert "index.html: link 'other/#raw-html-missing' -> other/index.html has no anchor #raw-html-missing" in log
    # The working link is not reported.
    assert "present-heading" not in log
