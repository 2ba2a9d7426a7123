"""Links to a generated notebook: Open in Colab, the source on GitHub, and the page's buttons.

The repository comes from ``mkdocs.yml``: ``extra.repository.url`` (a github.com URL) and
``extra.repository.branch``. Colab opens a notebook straight from a GitHub repository:
``https://colab.research.google.com/github/<owner>/<repo>/blob/<branch>/<path>``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

GITHUB_URL = re.compile(r"^https://github\.com/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)(?:\.git)?/?$")


@dataclass(frozen=True)
class Repository:
    owner: str
    name: str
    branch: str


def repository_from_extra(extra: dict, where: str = "mkdocs.yml") -> Repository:
    info = (extra or {}).get("repository") or {}
    url, branch = info.get("url", ""), info.get("branch", "")
    match = GITHUB_URL.match(str(url))
    if not match or not branch:
        raise ValueError(
            f"{where}: set extra.repository.url to the project's https://github.com/<owner>/<repo> "
            f"and extra.repository.branch (e.g. main); Open in Colab links need both "
            f"(got url={url!r}, branch={branch!r})"
        )
    return Repository(match["owner"], match["name"], str(branch))


def repository_from_mkdocs_yml(path: Path) -> Repository:
    from mkdocs.utils import yaml_load

    with open(path, encoding="utf-8") as f:
        return repository_from_extra(yaml_load(f).get("extra", {}), where=str(path))


def colab_url(repo: Repository, repo_path: str) -> str:
    return f"https://colab.research.google.com/github/{repo.owner}/{repo.name}/blob/{repo.branch}/{repo_path}"


def source_url(repo: Repository, repo_path: str) -> str:
    return f"https://github.com/{repo.owner}/{repo.name}/blob/{repo.branch}/{repo_path}"


def buttons_html(exercise_href: str, solution_href: str, exercise_colab: str, solution_colab: str) -> str:
    """The row of buttons above a rendered notebook (Material's md-button classes)."""

    def link(href: str, label: str, primary: bool = False, download: str | None = None) -> str:
        classes = "md-button md-button--primary" if primary else "md-button"
        extra = f' download="{html.escape(download)}"' if download else ' target="_blank" rel="noopener"'
        return f'<a class="{classes}" href="{html.escape(href)}"{extra}>{label}</a>'

    return (
        '<div class="course-notebook-actions">'
        + link(exercise_href, "Download exercises", primary=True, download=exercise_href.rsplit("/", 1)[-1])
        + link(solution_href, "Download solutions", download=solution_href.rsplit("/", 1)[-1])
        + link(exercise_colab, "Open exercises in Colab")
        + link(solution_colab, "Open solutions in Colab")
        + "</div>"
    )
