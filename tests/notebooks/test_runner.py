"""The notebook runner enforces the CI rules on small fixture notebooks: solutions run clean with
SMOKE=1 on this interpreter and offline; exercise notebooks fail only at their stubs, and every
stub is reached."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from build_tools.notebooks.execute import Kernel, run_exercise, run_solution
from build_tools.notebooks.generate import build
from build_tools.notebooks.links import Repository

pytestmark = pytest.mark.notebook

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures/notebooks"
REPO = Repository("owner", "repo", "main")


def built(name: str):
    folder = "course_src/demo" if name == "01_basics" else "exercise_rule"
    return build(FIXTURES / folder / f"{name}.py", REPO)


def test_demo_solution_runs_clean_and_exercise_fails_exactly_at_each_stub():
    demo = built("01_basics")
    solution = run_solution(demo, demo.solution, "demo")
    assert solution.ok, solution.problems
    exercise = run_exercise(demo, demo.exercise, "demo")
    assert exercise.ok, exercise.problems
    assert sorted(exercise.stubs_raised) == [1, 2, 3, 4]  # including the stub inlined from helpers.py
    # the check cell after `double` (cell 7) reveals stubs 1 and 2; the instance check (cell 9) stub 3
    assert exercise.stubs_raised[2] == 7 and exercise.stubs_raised[3] == 9


def test_two_stubs_checked_in_one_cell_are_both_reached():
    notebook = built("05_two_stubs_one_cell")
    report = run_exercise(notebook, notebook.exercise, "two")
    assert report.ok, report.problems
    assert sorted(report.stubs_raised) == [1, 2]


def test_stub_that_smoke_settings_never_reach_fails_the_exercise_run():
    notebook = built("01_unreached")
    report = run_exercise(notebook, notebook.exercise, "unreached")
    assert not report.ok
    assert "Exercise 1 (tests/fixtures/notebooks/exercise_rule/01_unreached.py:" in report.problems[0]
    assert "never reached with SMOKE=1" in report.problems[0]


def test_error_outside_a_stub_fails_the_exercise_run_and_names_the_cell():
    notebook = built("02_error_outside_stub")
    assert run_solution(notebook, notebook.solution, "outside").ok
    report = run_exercise(notebook, notebook.exercise, "outside")
    assert not report.ok
    assert "may fail only at an exercise stub" in report.problems[0]
    assert "NameError" in report.problems[0] and "02_error_outside_stub.py:" in report.problems[0]


def test_failing_solution_reports_its_assertion_and_the_line_of_the_running_cell():
    notebook = built("03_broken_solution")
    report = run_solution(notebook, notebook.solution, "broken")
    assert not report.ok
    assert "AssertionError: add should add" in report.problems[0]
    source_lines = (FIXTURES / "exercise_rule/03_broken_solution.py").read_text().splitlines()
    failing = source_lines.index("check_add(add)") + 1  # the line of the running cell, not of the helper
    assert f"exercise_rule/03_broken_solution.py:{failing}: 'check_add(add)'" in report.problems[0]


def test_network_is_off_inside_the_kernel():
    notebook = built("04_network")
    report = run_solution(notebook, notebook.solution, "network")
    assert not report.ok
    assert "no network in CI" in report.problems[0] and "'example.org'" in report.problems[0]


def test_host_lookup_in_a_notebook_gets_the_no_network_error_not_a_name_error():
    notebook = built("06_dns_lookup")
    report = run_solution(notebook, notebook.solution, "dns")
    assert not report.ok
    problem = report.problems[0]
    assert "raised gaierror" in problem and "no network in CI" in problem, problem
    assert "looked up 'example.org'" in problem and "NameError" not in problem
    assert "06_dns_lookup.py:" in problem  # names the line that looked the host up


def test_every_host_lookup_function_is_refused_offline_and_loopback_still_resolves():
    with Kernel(timeout_s=60) as kernel:
        for call in ["socket.gethostbyname('example.org')", "socket.gethostbyname_ex('example.org')",
                     "socket.gethostbyaddr('example.org')", "socket.create_connection(('93.184.215.14', 80))"]:
            error = kernel.run(f"import socket\n{call}", 0)
            assert error is not None and "no network in CI" in error["evalue"], (call, error)
        assert kernel.run("import socket\nassert socket.getaddrinfo('localhost', 80)", 0) is None


def test_tiktoken_gets_gpt2s_encoding_offline_from_the_shipped_ranks_file():
    pytest.importorskip("tiktoken")
    with Kernel(timeout_s=60) as kernel:
        error = kernel.run("import tiktoken\n"
                           "assert tiktoken.get_encoding('r50k_base').encode('Hello world') == [15496, 995]", 0)
    assert error is None, error


def test_kernel_runs_this_interpreter_with_smoke_on_cpu_in_an_empty_directory():
    probe = "\n".join([
        "import os, sys",
        f"assert sys.prefix == {sys.prefix!r}, sys.executable",
        "assert os.environ['SMOKE'] == '1'",
        "assert os.environ['CUDA_VISIBLE_DEVICES'] == ''",
        "assert os.listdir('.') == [] or os.listdir('.') == ['.ipython'], os.listdir('.')",
    ])
    with Kernel(timeout_s=60) as kernel:
        assert kernel.run(probe, 0) is None
        error = kernel.run("%pip install -q numpy", 0)
    assert error is not None and "install only when an import fails" in error["evalue"]
