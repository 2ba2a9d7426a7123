"""Notebook generation from one percent-format source: exercise and solution versions, the inline
directive, file:line errors for malformed sources, and the staleness check."""

from __future__ import annotations

import json
import shutil

import jupytext
import pytest

from build_tools.notebooks.generate import (
    HEADER_TAG,
    REGENERATE,
    build,
    discover,
    dumps,
    stale_files,
    stale_message,
    write_all,
)
from build_tools.notebooks.links import Repository, colab_url, repository_from_extra
from build_tools.notebooks.source import NotebookSourceError, read_source
from tests.support import ROOT, nav_sources

FIXTURES = ROOT / "tests/fixtures/notebooks"
DEMO = FIXTURES / "course_src/demo/01_basics.py"
REPO = Repository("owner", "repo", "main")


def code_cells(nb):
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def line_of(path, text, occurrence=1):
    """1-based line number of the n-th line of `path` whose stripped text equals `text`."""
    hits = [n for n, line in enumerate(path.read_text().splitlines(), start=1) if line.strip() == text]
    return hits[occurrence - 1]


def test_cells_match_jupytext_reading_of_the_same_source():
    ours = read_source(DEMO)
    theirs = jupytext.read(DEMO, fmt="py:percent")
    assert [c.kind for c in ours.cells] == [c.cell_type for c in theirs.cells]
    for mine, reference in zip(ours.cells, theirs.cells, strict=True):
        assert list(mine.tags) == reference.metadata.get("tags", [])
        if "course: inline" not in reference.source:  # the inline directive is ours
            assert mine.source == reference.source


def test_exercise_notebook_replaces_each_region_by_a_stub_at_the_marker_indentation():
    exercise = build(DEMO, REPO).exercise
    double = next(s for s in code_cells(exercise) if s.startswith("def double"))
    assert double.splitlines() == [
        "def double(values):",
        '    """Return a new list with every value times two."""',
        '    raise NotImplementedError("Exercise 2: replace this line with your code")',
    ]
    top_level = code_cells(exercise)[-1]
    assert top_level.splitlines()[0] == 'raise NotImplementedError("Exercise 4: replace this line with your code")'
    assert "BEGIN SOLUTION" not in json.dumps(exercise) and "[2 * v for v in values]" not in json.dumps(exercise)


def test_exercise_notebook_keeps_checks_and_drops_solution_only_cells():
    built = build(DEMO, REPO)
    checks = 'assert double([1, 2]) == [2, 4], "Did you return a new list?"\nassert mean([1.0, 3.0]) == 2.0'
    assert checks in code_cells(built.exercise)
    assert any("only in the solution notebook" in s for s in code_cells(built.solution))
    assert not any("only in the solution notebook" in s for s in code_cells(built.exercise))
    assert len(built.solution.cells) == len(built.exercise.cells) + 1


def test_solution_notebook_is_the_source_without_markers_and_keeps_the_parameters_tag():
    solution = build(DEMO, REPO).solution
    double = next(s for s in code_cells(solution) if s.startswith("def double"))
    assert "    return [2 * v for v in values]" in double.splitlines()
    assert "SOLUTION" not in json.dumps(solution)
    parameters = [c for c in solution.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1 and 'SMOKE = os.environ.get("SMOKE") == "1"' in parameters[0].source


def test_both_notebooks_start_with_a_generated_cell_naming_the_source_and_colab_links():
    built = build(DEMO, REPO)
    for nb, this, other in [(built.solution, "01_basics.ipynb", "01_basics.exercises.ipynb"),
                            (built.exercise, "01_basics.exercises.ipynb", "01_basics.ipynb")]:
        header = nb.cells[0]
        assert header.cell_type == "markdown" and header.metadata["tags"] == [HEADER_TAG]
        assert header.source.startswith("**Demo: the basics**: ")
        assert "Generated from [`tests/fixtures/notebooks/course_src/demo/01_basics.py`]" in header.source
        assert "edit that file" in header.source
        for name in (this, other):
            colab = f"https://colab.research.google.com/github/owner/repo/blob/main/docs/notebooks/demo/{name}"
            assert f"({colab})" in header.source
        assert nb.cells[1].source.startswith("# Demo: the basics")


def test_inline_directive_pastes_the_module_with_docstring_as_comments_and_future_import_first():
    cells = code_cells(build(DEMO, REPO).solution)
    inlined = next(s for s in cells if "def mean" in s)
    lines = inlined.splitlines()
    assert lines[0] == "from __future__ import annotations"
    assert "# --- inlined from tests/fixtures/notebooks/course_src/demo/helpers.py ---" in lines
    assert "# Small helpers shared by the demo notebooks." in lines
    assert '"""' not in inlined and "course: inline" not in lines[0]
    assert not any(line.startswith("from helpers import") for line in lines)


def test_exercise_region_inside_an_inlined_module_is_located_in_that_module():
    built = build(DEMO, REPO)
    helpers = FIXTURES / "course_src/demo/helpers.py"
    begin = line_of(helpers, "### BEGIN SOLUTION")
    assert built.stubs[0].where == f"tests/fixtures/notebooks/course_src/demo/helpers.py:{begin}"
    assert [stub.number for stub in built.stubs] == [1, 2, 3, 4]


MALFORMED = [
    ("nested.py", ("### BEGIN SOLUTION", 2), "nested `### BEGIN SOLUTION`"),
    ("unclosed.py", ("### BEGIN SOLUTION", 1), "is never closed in this cell"),
    ("end_without_begin.py", ("### END SOLUTION", 1), "without a `### BEGIN SOLUTION`"),
    ("marker_in_markdown.py", ("# ### BEGIN SOLUTION", 1), "not in a Markdown cell"),
    ("unknown_tag.py", ('# %% tags=["solutions-only"]', 1), "unknown cell tag 'solutions-only'"),
    ("near_miss_marker.py", ("## BEGIN SOLUTION", 1), "exactly as `### BEGIN SOLUTION`"),
    ("missing_inline.py", ("from nowhere import *  # course: inline", 1), "cannot inline nowhere.py"),
    ("sibling_import.py", ("from unclosed import f", 1), "write `from unclosed import *  # course: inline`"),
]


@pytest.mark.parametrize("name,line,message", MALFORMED, ids=[m[0].removesuffix(".py") for m in MALFORMED])
def test_malformed_source_fails_with_file_line_and_fix(name, line, message):
    path = FIXTURES / "malformed" / name
    with pytest.raises(NotebookSourceError) as error:
        build(path, REPO)
    expected_place = f"tests/fixtures/notebooks/malformed/{name}:{line_of(path, *line)}: "
    assert str(error.value).startswith(expected_place), str(error.value)
    assert message in str(error.value)


@pytest.mark.parametrize("name,message", [
    ("01_cycle.py", "a.py inlines itself (cycle: 01_cycle.py -> a.py -> b.py -> a.py)"),
    ("02_main_guard.py", "script.py has an `if __name__ == ...` block"),
    ("03_no_install_cell.py", "the first code cell must install its dependencies"),
    ("04_no_title.py", "start the notebook with a Markdown cell whose first line is the title"),
    ("05_two_parameter_cells.py", "a second `parameters` cell (the first is at line 15); keep one"),
])
def test_inline_and_convention_errors_name_the_place(name, message):
    with pytest.raises(NotebookSourceError, match=r"^tests/fixtures/notebooks/inline/\w+\.py:\d+: ") as error:
        build(FIXTURES / "inline" / name, REPO)
    assert message in str(error.value)


def test_generation_is_deterministic():
    assert dumps(build(DEMO, REPO).solution) == dumps(build(DEMO, REPO).solution)
    assert dumps(build(DEMO, REPO).exercise) == dumps(build(DEMO, REPO).exercise)


@pytest.fixture
def project(tmp_path):
    shutil.copytree(FIXTURES / "course_src", tmp_path / "course_src")
    (tmp_path / "docs").mkdir()
    return tmp_path


def test_discovery_finds_numbered_sources_only(project):
    assert [p.name for p in discover(project / "course_src")] == ["01_basics.py"]  # not helpers.py


def test_staleness_check_reports_missing_edited_and_orphaned_notebooks_and_names_the_command(project):
    src, docs = project / "course_src", project / "docs"
    assert stale_files(src, docs, REPO, project) == [
        "docs/notebooks/demo/01_basics.ipynb is missing",
        "docs/notebooks/demo/01_basics.exercises.ipynb is missing",
    ]
    write_all(src, docs, REPO, project)
    assert stale_files(src, docs, REPO, project) == []
    helpers = src / "demo/helpers.py"  # editing an inlined module makes the notebook stale too
    helpers.write_text(helpers.read_text().replace("Small helpers", "Tiny helpers"))
    (docs / "notebooks/demo/99_gone.ipynb").write_text("{}")
    problems = stale_files(src, docs, REPO, project)
    assert problems == [
        "docs/notebooks/demo/01_basics.ipynb is out of date",
        "docs/notebooks/demo/01_basics.exercises.ipynb is out of date",
        "docs/notebooks/demo/99_gone.ipynb has no source in course_src/",
    ]
    assert REGENERATE in stale_message(problems) and "make notebooks" in stale_message(problems)
    write_all(src, docs, REPO, project)
    assert stale_files(src, docs, REPO, project) == [] and not (docs / "notebooks/demo/99_gone.ipynb").exists()


def test_colab_url_has_the_documented_form_and_repository_comes_from_mkdocs_yml():
    repo = repository_from_extra({"repository": {"url": "https://github.com/acme/course", "branch": "live"}})
    assert colab_url(repo, "docs/notebooks/gpt2/01_model.ipynb") == (
        "https://colab.research.google.com/github/acme/course/blob/live/docs/notebooks/gpt2/01_model.ipynb"
    )
    with pytest.raises(ValueError, match="extra.repository.url"):
        repository_from_extra({"repository": {"url": "https://gitlab.com/acme/course", "branch": "main"}})


def test_every_course_notebook_page_is_in_its_track_nav():
    in_nav = set(nav_sources())
    for source in discover(ROOT / "course_src"):
        page = f"notebooks/{source.parent.name}/{source.stem}.ipynb"
        assert page in in_nav, (f"add `- {page}` under a 'Notebooks' sub-section of the "
                                f"{source.parent.name} nav in mkdocs.yml")
