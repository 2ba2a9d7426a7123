"""Run a page's blocks as CI does (CPython, page order, solutions), then try a reader's answer
against an exercise's hidden checks: how the tests feed wrong answers to the browser checks.
Pages are named from docs/, e.g. "circuits/07-audit.md" or "gpt2/05-training.md"."""

from __future__ import annotations

import functools

from build_tools.blocks.check import DOCS, verify_in_process
from build_tools.blocks.page import read_page_blocks


@functools.cache
def verified(page: str):
    """(blocks, results by block id, sessions by name) of docs/<page> run with its solutions."""
    blocks = read_page_blocks(DOCS / page, DOCS)
    sessions = {}
    return blocks, verify_in_process(blocks, sessions), sessions


def namespace(page: str) -> dict:
    """The names the page's blocks defined (its one session)."""
    blocks, _, sessions = verified(page)
    return sessions[blocks[0].session].namespace


def run_as_reader(page: str, block_id: str, code: str) -> dict:
    """`code` run as the reader's answer to block_id, with its checks: the runner's result."""
    blocks, _, sessions = verified(page)
    block = next(b for b in blocks if b.id == block_id)
    return sessions[block.session].run(block_id, code, check=block.block.check)


def failed_messages(page: str, block_id: str, code: str) -> str:
    """The messages of the checks that `code` fails; at least one must fail."""
    result = run_as_reader(page, block_id, code)
    assert result["ok"], result["error"]
    failed = [c["message"] for c in result["checks"] if not c["ok"]]
    assert failed, f"{block_id}: every check passed this wrong answer:\n{code}"
    return "\n".join(failed)


def passes(page: str, block_id: str, code: str) -> bool:
    result = run_as_reader(page, block_id, code)
    return result["ok"] and all(c["ok"] for c in result["checks"])
