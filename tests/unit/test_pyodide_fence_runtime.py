"""The block runtime under CPython: course_runner (output, errors, checks) and the `course` figures.

The same files run in the browser worker and under Node-Pyodide (tests/blocks, tests/browser).
"""

from __future__ import annotations

import sys
import time

import pytest

from tests.support import ROOT

sys.path.insert(0, str(ROOT / "build_tools" / "blocks" / "runtime"))
import course  # noqa: E402
import course_runner  # noqa: E402

from build_tools.blocks import contract  # noqa: E402

MAX_OUTPUT = contract.SETTINGS["max_output_chars"][0]


@pytest.fixture
def session():
    events = []
    s = course_runner.Session(lambda kind, payload: events.append((kind, payload)), MAX_OUTPUT)
    s.events = events
    return s


def text(session, stream="stdout"):
    return "".join(p for k, p in session.events if k == stream)


def test_blocks_share_a_namespace_and_output_keeps_its_order_around_figures(session):
    session.run("a", "x = 2\nprint('before')")
    result = session.run("b", "from course import table\ntable([[x]])\nprint('after')")
    assert result["ok"]
    kinds = [k for i, (k, _) in enumerate(session.events) if i == 0 or session.events[i - 1][0] != k]
    assert kinds == ["stdout", "html", "stdout"]
    assert {k for k, _ in session.events} <= set(contract.EVENT_KINDS)
    (figure,) = [p for k, p in session.events if k == "html"]
    assert "<tbody><tr><td>2</td></tr></tbody>" in figure  # drawn by course_render, in the runtime


def test_huge_output_is_truncated_and_the_rest_counted(session):
    session.run("flood", "for i in range(200_000):\n    print(i)")
    shown = text(session)
    assert len(shown) == MAX_OUTPUT
    (notice,) = [p for k, p in session.events if k == "html"]
    dropped = sum(len(f"{i}\n") for i in range(200_000)) - MAX_OUTPUT
    assert f"Output truncated: {dropped:,} more characters were not shown." in notice
    messages = sum(k == "stdout" for k, _ in session.events)
    assert messages < course_runner.STREAM_FLUSHES + 30  # batched after the first few, not one per line


def test_first_prints_are_sent_at_once_so_output_streams_before_slow_work(session):
    session.run("slow", "print('step 1')\nprint('step 2')\nimport time\ntime.sleep(0.01)")
    assert [p for k, p in session.events if k == "stdout"][:2] == ["step 1", "\n"]


def test_traceback_starts_at_the_readers_code(session):
    result = session.run("ratio", "def f(a):\n    return 1 / a\n\nf(0)")
    assert not result["ok"] and "ZeroDivisionError" in result["error_types"]
    assert result["error"].splitlines()[1] == '  File "<ratio>", line 4, in <module>'
    assert "course_runner" not in result["error"]


def test_errors_raised_inside_course_functions_point_at_the_readers_call(session):
    result = session.run("plot", "from course import heatmap\nheatmap([[1, 2], [3]])")
    assert result["error"].splitlines()[-3:] == [
        '  File "<plot>", line 2, in <module>', "    heatmap([[1, 2], [3]])",
        "ValueError: heatmap row 1 has 1 values but row 0 has 2: rows must be equal length"]


def test_checks_report_pass_and_fail_with_their_messages(session):
    check = ('@check("doubles")\ndef _():\n    assert f(3) == 6, "multiply by two"\n'
             '@check("zero")\ndef _():\n    assert f(0) == 0\n')
    result = session.run("ex", "def f(n):\n    return n + 2", check=check)
    assert result["checks"] == [{"name": "doubles", "ok": False, "message": "multiply by two"},
                                {"name": "zero", "ok": False, "message": "the check's assertion failed"}]
    assert "check" not in session.namespace  # `check` exists only while the check section runs


def test_setup_runs_before_the_readers_code_each_run(session):
    assert session.run("s", "print(SECRET)", setup="SECRET = 7")["ok"]
    assert text(session) == "7\n"


def test_input_raises_a_clear_eoferror(session):
    result = session.run("ask", "input('name? ')")
    assert "EOFError: input() cannot pause a block here" in result["error"]


def test_the_output_cap_is_the_hosts():
    events = []
    small = course_runner.Session(lambda kind, payload: events.append((kind, payload)), 10)
    small.run("p", "print('x' * 25)")
    assert "".join(p for k, p in events if k == "stdout") == "x" * 10
    assert "16 more characters" in events[-1][1]


def test_heatmap_validates_shapes_and_labels():
    with pytest.raises(ValueError, match="row 1 has 1 values but row 0 has 2"):
        course.heatmap([[1, 2], [3]])
    with pytest.raises(ValueError, match="x_labels has 1 labels but the data has 2"):
        course.heatmap([[1, 2]], x_labels=["a"])
    with pytest.raises(TypeError, match=r"heatmap\[0\]\[1\] must be a number"):
        course.heatmap([[1, "x"]])


def test_figures_accept_numpy_and_turn_nan_into_gaps(monkeypatch):
    np = pytest.importorskip("numpy")
    seen = []
    monkeypatch.setattr(course, "_sink", seen.append)
    course.heatmap(np.eye(2))
    course.lines({"loss": np.array([1.0, float("nan"), 0.5])})
    assert seen[0]["matrix"] == [[1.0, 0.0], [0.0, 1.0]]
    assert seen[1]["series"] == [{"name": "loss", "y": [1.0, None, 0.5]}]


def test_fetch_data_reads_site_files_and_refuses_paths_outside_the_data_folder():
    assert len(course.fetch_data("gpt2/tokenizer_cases.json")) > 0
    for bad in ["../mkdocs.yml", "/etc/passwd", "gpt2/../../x", ""]:
        with pytest.raises(ValueError, match="give a path below docs/assets/data"):
            course.fetch_data(bad)
    with pytest.raises(FileNotFoundError, match="no file docs/assets/data/nope.bin"):
        course.fetch_data("nope.bin")


def test_verify_records_figures_and_notices_in_the_output_tail():
    import course_verify

    block = {"id": "fig", "session": "page", "line": 1, "setup": "", "check": "", "solution": "", "raises": "",
             "code": "from course import table\ntable([[1]])\nprint('y' * 30)"}
    (result,) = course_verify.verify_page([block], max_output=10)
    assert result["ok"], result["problem"]
    assert result["output_tail"] == "[figure]\n" + "y" * 10 + "Output truncated: 21 more characters were not shown.\n"


def test_a_page_module_in_a_traceback_is_named_by_its_file_name_not_the_machines_path(session, tmp_path, monkeypatch):
    (tmp_path / "helper_mod.py").write_text("def fail():\n    raise ValueError('plain words')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    result = session.run("b", "from helper_mod import fail\nfail()\n")
    assert 'File "helper_mod.py", line 2, in fail' in result["error"]
    assert str(tmp_path) not in result["error"] and result["error"].endswith("ValueError: plain words\n")


def test_an_input_error_shows_its_plain_message_without_a_traceback(session):
    result = session.run("calc", "from course import InputError\nraise InputError('Years must be a whole number.')\n")
    assert not result["ok"] and "InputError" in result["error_types"] and "ValueError" in result["error_types"]
    assert result["error"] == "Years must be a whole number.\n"


def test_a_huge_exception_message_is_capped_at_the_output_cap_keeping_its_end():
    small = course_runner.Session(lambda kind, payload: None, 1_000)
    result = small.run("big", "raise ValueError('x' * 10**7 + 'END')")
    assert len(result["error"]) < 1_100 and result["error"].startswith("Traceback")
    assert result["error"].rstrip().endswith("xEND") and "more characters not shown" in result["error"]


def test_check_messages_are_capped_too():
    small = course_runner.Session(lambda kind, payload: None, 1_000)
    check = '@check("long")\ndef _():\n    assert False, "y" * 10**6\n'
    (c,) = small.run("ex", "", check=check)["checks"]
    assert not c["ok"] and len(c["message"]) < 1_100


def test_deep_recursion_with_a_raised_limit_ends_as_a_short_recursion_error(session):
    started = time.monotonic()
    result = session.run("deep", "import sys\nsys.setrecursionlimit(10**6)\ndef f(n):\n    return f(n + 1)\nf(0)")
    assert time.monotonic() - started < 15  # was: 31 s formatting a million frames
    assert result["error_types"][0] == "RecursionError" and len(result["error"]) < 3_000
    assert "calls deep: only its first and last" in result["error"]
    assert result["error"].rstrip().endswith("RecursionError: maximum recursion depth exceeded")


def test_the_browsers_stack_overflow_becomes_a_clear_recursion_message(session):
    result = session.run("js", "raise RuntimeError('RangeError: Maximum call stack size exceeded')")
    assert result["error"].startswith("RecursionError: the code went deeper than the browser's stack allows")


def test_a_run_draws_at_most_its_figure_budget_and_says_how_many_were_left_out(session):
    result = session.run("many", f"from course import table\nfor i in range({course.MAX_FIGURES_PER_RUN} + 7):\n"
                                 "    table([[i]])")
    assert result["ok"]
    html = [p for k, p in session.events if k == "html"]
    assert len(html) == course.MAX_FIGURES_PER_RUN + 1
    assert "7 more figures were not drawn: one run draws at most" in html[-1]
    session.events.clear()
    session.run("again", "from course import table\ntable([[1]])")  # the budget is per run
    assert len([p for k, p in session.events if k == "html"]) == 1


def test_the_figure_budget_counts_characters_too(session, monkeypatch):
    monkeypatch.setattr(course, "MAX_FIGURE_CHARS_PER_RUN", 50_000)
    session.run("big", "from course import heatmap\nfor _ in range(5):\n"
                       "    heatmap([[i * j for j in range(60)] for i in range(60)])")
    html = [p for k, p in session.events if k == "html"]
    assert sum(len(h) for h in html[:-1]) <= 50_000 and "were not drawn" in html[-1]


def test_running_an_exercises_checks_keeps_a_readers_own_check_function(session):
    session.run("a", "def check(x):\n    return x * 2\n")
    session.run("ex", "y = 1", check='@check("c")\ndef _():\n    assert y == 1\n')
    assert session.run("b", "assert check(3) == 6")["ok"]
