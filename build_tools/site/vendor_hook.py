"""MkDocs hook: add the vendored npm assets (build_tools.site.vendor) to the site's files, CodeMirror
minified (cached in .cache/vendor/)."""

from pathlib import Path

from mkdocs.structure.files import File

from build_tools.site.vendor import vendored_files

ROOT = Path(__file__).resolve().parents[2]


def on_files(files, config):
    for site_path, source in vendored_files(ROOT / "node_modules", cache_dir=ROOT / ".cache/vendor").items():
        files.append(File.generated(config, site_path, abs_src_path=str(source)))
    return files
