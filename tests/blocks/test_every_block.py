"""Every runnable block on every page of the site runs in real Pyodide (Node), in page order.

One test per docs/**/*.md page. A failure names the page, the block id, its line and the error.
Sessions with packages= run under CPython instead (reported as a warning in the test output).
"""

from __future__ import annotations

import warnings

import pytest

from build_tools.blocks.check import all_pages, plan, run_cpython, run_pyodide
from tests.support import describe_block_result as describe

PAGES = all_pages()


@pytest.fixture(scope="module")
def outcomes():
    pyodide_jobs, cpython_jobs, errors = plan(PAGES)
    return {"pyodide": run_pyodide(pyodide_jobs)["pages"], "cpython": run_cpython(cpython_jobs)["pages"],
            "errors": errors, "cpython_jobs": cpython_jobs}


@pytest.mark.parametrize("page", PAGES)
def test_every_block_on_the_page_runs_and_its_checks_pass_with_the_solution(page, outcomes):
    assert page not in outcomes["errors"], outcomes["errors"].get(page)
    if page in outcomes["cpython_jobs"]:
        ids = ", ".join(b["id"] for b in outcomes["cpython_jobs"][page])
        warnings.warn(f"{page}: block(s) {ids} use packages= and ran under CPython, not Pyodide", stacklevel=1)
    problems = [describe(page, runtime, r)
                for runtime in ("pyodide", "cpython")
                for r in outcomes[runtime].get(page, {}).get("results", []) if not r["ok"]]
    assert not problems, "\n\n".join(problems)
