"""Search index benchmark: bytes of site/search/search_index.json, which every reader downloads on
their first search (goal: <= 450 KiB raw), and the pages that take the most of it.

    .venv/bin/python bench/search_index.py              # builds the site into a temporary folder
    .venv/bin/python bench/search_index.py SITE_DIR     # reads an already built site
    .venv/bin/python bench/search_index.py --top 20
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support import build_site  # noqa: E402

BUDGET_KIB = 450  # as tests/integration/test_search_index.py


def page_bytes(index: dict) -> Counter:
    """Bytes of JSON each page (location without #fragment) adds to the index."""
    sizes: Counter = Counter()
    for doc in index["docs"]:
        page = doc["location"].split("#")[0] or "(home)"
        sizes[page] += len(json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    return sizes


def report(site_dir: Path, top: int) -> None:
    raw = (site_dir / "search/search_index.json").read_bytes()
    index = json.loads(raw)
    print(f"search index: {len(raw) / 1024:7.1f} KiB raw, {len(gzip.compress(raw, 9)) / 1024:6.1f} KiB gzip "
          f"({len(index['docs'])} sections; goal <= {BUDGET_KIB} KiB raw)")
    print(f"top {top} pages by bytes:")
    for page, size in page_bytes(index).most_common(top):
        print(f"  {size / 1024:7.1f} KiB  {page}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site_dir", nargs="?", type=Path, help="a built site (default: build one now)")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    if args.site_dir:
        report(args.site_dir, args.top)
        return
    with tempfile.TemporaryDirectory() as out:
        build_site(Path(out))
        report(Path(out), args.top)


if __name__ == "__main__":
    main()
