"""The every-block runner catches each kind of broken block and says which one, where and why
(real Node-Pyodide on a throw-away docs folder)."""

from __future__ import annotations

import pytest

from build_tools.blocks.check import plan, run_cpython, run_pyodide
from tests.support import describe_block_result as describe

PAGE = '''# Broken on purpose

```pyodide id="fine"
x = 1
```

```pyodide id="crashes"
print("partial output")
undefined_name
```

```pyodide id="wrong-raises" raises="ValueError"
x = 2
```

```pyodide id="toothless"
def inc(n):
    return n + 1
# %% check
@check("inc adds one")
def _():
    assert inc(1) == 2
# %% solution
def inc(n):
    return n + 1
```

```pyodide id="bad-solution"
def dec(n):
    raise NotImplementedError
# %% check
@check("dec subtracts one")
def _():
    assert dec(1) == 0, "subtract, do not add"
# %% solution
def dec(n):
    return n + 1
```

```pyodide id="good-exercise"
def half(n):
    raise NotImplementedError
# %% check
@check("half halves")
def _():
    assert half(4) == 2
# %% solution
def half(n):
    return n / 2
```

```pyodide id="numpy" session="np" packages="numpy"
import numpy as np
print(np.arange(3).sum())
```
'''


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    docs = tmp_path_factory.mktemp("docs")
    (docs / "broken.md").write_text(PAGE)
    pyodide_jobs, cpython_jobs, errors = plan(["broken.md"], docs)
    assert not errors
    by_id = {r["id"]: ("pyodide", r) for r in run_pyodide(pyodide_jobs)["pages"]["broken.md"]["results"]}
    by_id.update({r["id"]: ("cpython", r) for r in run_cpython(cpython_jobs)["pages"]["broken.md"]["results"]})
    return by_id


def test_a_crashing_block_is_reported_with_page_line_id_error_and_output(results):
    runtime, result = results["crashes"]
    message = describe("broken.md", runtime, result)
    assert message.startswith("broken.md:7 block 'crashes' (pyodide): raised an unexpected error")
    assert "NameError: name 'undefined_name' is not defined" in message and "partial output" in message


def test_a_block_that_does_not_raise_what_it_declares_fails(results):
    assert "expected it to raise ValueError, but it ran without error" in results["wrong-raises"][1]["problem"]


def test_checks_that_pass_on_the_starting_code_are_flagged_as_not_testing_anything(results):
    assert "every check passes with the starting code" in results["toothless"][1]["problem"]


def test_checks_failing_with_the_solution_are_reported_with_their_message(results):
    assert "'dec subtracts one': subtract, do not add" in results["bad-solution"][1]["problem"]


def test_good_blocks_pass_and_package_sessions_run_on_cpython(results):
    assert results["fine"][1]["ok"] and results["good-exercise"][1]["ok"]
    runtime, result = results["numpy"]
    assert runtime == "cpython" and result["ok"] and result["output_tail"] == "3\n"
