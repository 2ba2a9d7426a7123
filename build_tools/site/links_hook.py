"""MkDocs hook: after the build, every internal link and anchor in the HTML must resolve.

MkDocs's own `validation:` covers links written in Markdown; this covers the rest (raw HTML,
generated pages, templates). Problems fail the build, each naming the page and the link.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError

from build_tools.site.links import check_site


def on_post_build(config):
    base_path = urlsplit(config.get("site_url") or "/").path or "/"
    problems = check_site(Path(config["site_dir"]), base_path if base_path.endswith("/") else base_path + "/")
    if problems:
        raise PluginError("Broken internal links or anchors in the built site:\n  "
                          + "\n  ".join(problems))
