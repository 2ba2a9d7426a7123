"""MkDocs hook: after the build, every internal link and anchor in the HTML must resolve.

MkDocs's own `validation:` covers links written in Markdown; this covers the rest (raw HTML,
generated pages, templates). Problems fail the build, each naming the source file and line (when
the link's text can be found there), the built page and the link. Page scans are cached by content
in .cache/links/, so rebuilds rescan only the pages that changed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError

from build_tools.site.links import ScanCache, check_site

CACHE = Path(__file__).resolve().parents[2] / ".cache/links"
_sources: dict[str, tuple[str, Path | None]] = {}  # built page -> (source name, source file)


def on_page_content(html, page, config, files):
    project = Path(config.config_file_path or ".").resolve().parent
    src = page.file.abs_src_path
    name = os.path.relpath(src, project) if src else page.file.src_uri
    _sources[page.file.dest_uri] = (Path(name).as_posix(), Path(src) if src else None)
    return html


def on_post_build(config):
    base_path = urlsplit(config.get("site_url") or "/").path or "/"
    # one cache file per config, so building a test fixture does not evict the course's scans
    key = hashlib.blake2b(str(config.config_file_path).encode(), digest_size=6).hexdigest()
    cache = ScanCache(CACHE / f"scans-{key}.json")
    problems = check_site(Path(config["site_dir"]), base_path if base_path.endswith("/") else base_path + "/",
                          cache=cache, sources=_sources)
    if problems:
        raise PluginError("Broken internal links or anchors in the built site:\n  "
                          + "\n  ".join(problems))
