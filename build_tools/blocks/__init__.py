"""Runnable ```pyodide blocks, end to end (README.md beside this file draws the data flow).

Public API: the contract, a page's blocks, and the build steps a site generator calls.
"""

from build_tools.blocks import contract
from build_tools.blocks.build import SiteBlocks, served_files
from build_tools.blocks.page import PageBlock, PageBlockError, page_blocks, read_page_blocks

__all__ = ["PageBlock", "PageBlockError", "SiteBlocks", "contract", "page_blocks", "read_page_blocks", "served_files"]
