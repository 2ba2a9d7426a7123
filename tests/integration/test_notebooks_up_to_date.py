"""The committed notebooks in docs/notebooks/ are what course_src/ generates (it regenerates every one)."""

from build_tools.notebooks.generate import stale_files, stale_message
from build_tools.notebooks.links import repository_from_extra
from tests.support import ROOT, load_mkdocs_yml


def test_committed_course_notebooks_are_up_to_date():
    repo = repository_from_extra(load_mkdocs_yml()["extra"])
    problems = stale_files(ROOT / "course_src", ROOT / "docs", repo)
    assert not problems, stale_message(problems)
