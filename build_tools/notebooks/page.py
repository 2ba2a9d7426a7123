"""A rendered notebook page (mkdocs-jupyter's HTML), made ours: pure functions over the HTML.

- code cells are left out of the search index (data-search-exclude, see build_tools/site/search.py);
- each code cell's scrolling source is one keyboard tab stop (Jupyter's cell wrappers, which scroll
  nothing, lose theirs);
- the Download and Open in Colab buttons go right under the title.
"""

from __future__ import annotations

import re

SOLUTION_URI = re.compile(r"^notebooks/(?P<track>[^/]+)/(?P<stem>[0-9][0-9]_[^/]+?)\.ipynb$")
CODE_CELL = re.compile(r'<div(?=\s)(?=[^>]*\sclass="[^"]*\bjp-CodeCell\b)')
CELL_WRAPPER_TAB_STOP = re.compile(r'(<div class="jp-Cell-inputWrapper") tabindex="0"')
CODE_SOURCE = re.compile(r'<div(?= class="highlight-ipynb\b)')


def is_solution_page(src_uri: str) -> bool:
    """notebooks/<track>/NN_name.ipynb: a page (exercise notebooks are downloads, not pages)."""
    return bool(SOLUTION_URI.match(src_uri))


def exercise_uri(solution_uri: str) -> str:
    return solution_uri.removesuffix(".ipynb") + ".exercises.ipynb"


def notebook_page(html: str, buttons: str) -> str:
    html = CODE_CELL.sub("<div data-search-exclude", html)
    html = CELL_WRAPPER_TAB_STOP.sub(r"\1", html)
    html = CODE_SOURCE.sub('<div tabindex="0"', html)
    end_of_title = html.find("</h1>")
    if end_of_title == -1:
        return buttons + html
    cut = end_of_title + len("</h1>")
    return html[:cut] + buttons + html[cut:]
