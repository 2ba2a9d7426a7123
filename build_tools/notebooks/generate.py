"""Generate the exercise and solution notebooks from one source per notebook.

    course_src/<track>/NN_name.py  ──►  docs/notebooks/<track>/NN_name.ipynb            (solution)
                                   └─►  docs/notebooks/<track>/NN_name.exercises.ipynb  (exercise)

Regenerate:  .venv/bin/python -m build_tools.notebooks   (or `make notebooks`)
Check only:  .venv/bin/python -m build_tools.notebooks --check   (the site build does this too)

Exercise regions (``### BEGIN SOLUTION`` ... ``### END SOLUTION``) become
``raise NotImplementedError("Exercise N: ...")`` in the exercise notebook; cells tagged
``solution-only`` are dropped from it. The rules for authors are in docs/authors/notebooks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from build_tools.notebooks.conventions import check_conventions
from build_tools.notebooks.links import Repository, colab_url, source_url
from build_tools.notebooks.source import Cell, Line, NotebookSourceError, fail, marker_kind, read_source

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "make notebooks  (or: .venv/bin/python -m build_tools.notebooks)"
SOURCE_GLOB = "*/[0-9][0-9]_*.py"
HEADER_TAG = "course-header"  # the generated first cell; the rendered page shows buttons instead
STUB_MESSAGE = "Exercise {n}: replace this line with your code"
STUB_ERROR = re.compile(r"^Exercise (?P<n>\d+): replace this line with your code$")


@dataclass
class Stub:
    number: int
    where: str  # file:line of the `### BEGIN SOLUTION` marker
    exercise_cell: int  # index of the cell holding the stub, in the exercise notebook


@dataclass(frozen=True)
class Part:
    """A run of lines of a code cell: plain (stub is None) or one exercise region."""

    stub: int | None
    exercise: tuple[Line, ...]
    solution: tuple[Line, ...]


@dataclass
class Built:
    """Both versions of one notebook, plus what the exercise runner needs to know."""

    track: str
    stem: str
    solution: nbformat.NotebookNode
    exercise: nbformat.NotebookNode
    stubs: list[Stub] = field(default_factory=list)
    # for each exercise cell: its parts, to rebuild it with some exercises solved
    exercise_parts: list[list[Part]] = field(default_factory=list)
    # for each solution cell: its lines with their origin in the sources
    solution_lines: list[list[Line]] = field(default_factory=list)
    # file:line of each cell's `# %%` line, for error messages (header cell: the source file)
    solution_origins: list[str] = field(default_factory=list)
    exercise_origins: list[str] = field(default_factory=list)

    def exercise_lines(self, index: int, solved: set[int]) -> list[Line]:
        """Exercise cell `index` with the regions of the `solved` stubs put back."""
        parts = self.exercise_parts[index]
        return [line for part in parts for line in (part.solution if part.stub in solved else part.exercise)]


def discover(course_src: Path) -> list[Path]:
    """Notebook sources: course_src/<track>/NN_name.py (modules such as model.py are not notebooks)."""
    return sorted(course_src.glob(SOURCE_GLOB))


def output_paths(docs_dir: Path, source: Path) -> tuple[Path, Path]:
    folder = docs_dir / "notebooks" / source.parent.name
    return folder / f"{source.stem}.ipynb", folder / f"{source.stem}.exercises.ipynb"


def build(path: Path, repo: Repository, root: Path = ROOT) -> Built:
    """Both notebooks of one source; raises NotebookSourceError naming file:line on bad input."""
    source = read_source(path, display_root=root)
    track, stem = path.parent.name, path.stem
    rel = f"docs/notebooks/{track}/{stem}"
    top = f"{source.path.as_posix()}:1"
    solution_cells, exercise_cells, stubs, exercise_parts, solution_lines = [], [], [], [[]], [[]]
    solution_origins, exercise_origins = [top], [top]
    for cell in source.cells:
        parts, cell_stubs = _split_regions(cell, first_number=len(stubs) + 1)
        solution_lines.append([line for part in parts for line in part.solution])
        solution_cells.append(_nb_cell(cell, _text(solution_lines[-1])))
        solution_origins.append(cell.header.where)
        if "solution-only" in cell.tags:
            if cell_stubs:
                fail(
                    cell.header.where,
                    "a `solution-only` cell is dropped from the exercise notebook; it cannot hold an exercise region",
                )
            continue
        for number, where in cell_stubs:
            stubs.append(Stub(number, where, exercise_cell=len(exercise_cells) + 1))  # +1: header cell
        exercise_cells.append(_nb_cell(cell, _text(line for part in parts for line in part.exercise)))
        exercise_parts.append(parts)
        exercise_origins.append(cell.header.where)
    check_conventions(source, path.parent)
    shown = source.path.as_posix()
    title = source.cells[0].lines[0].text.removeprefix("# ").strip()  # check_conventions: a `# Title` first
    solution = _notebook(
        _header(title, shown, f"{rel}.ipynb", f"{rel}.exercises.ipynb", repo, "solution"), solution_cells
    )
    exercise = _notebook(
        _header(title, shown, f"{rel}.exercises.ipynb", f"{rel}.ipynb", repo, "exercise"), exercise_cells
    )
    return Built(
        track, stem, solution, exercise, stubs, exercise_parts, solution_lines, solution_origins, exercise_origins
    )


def _text(lines) -> str:
    return "\n".join(line.text for line in lines)


def _split_regions(cell: Cell, first_number: int) -> tuple[list[Part], list[tuple[int, str]]]:
    """The cell's parts (plain runs and exercise regions) and [(stub number, marker file:line)]."""
    if cell.kind != "code":
        return [Part(None, tuple(cell.lines), tuple(cell.lines))], []
    parts: list[Part] = []
    plain: list[Line] = []
    region: list[Line] = []
    stubs: list[tuple[int, str]] = []
    begin: Line | None = None
    for line in cell.lines:
        kind = marker_kind(line)
        if kind == "begin":
            if begin is not None:
                fail(
                    line.where,
                    f"nested `### BEGIN SOLUTION` (the region opened at line {begin.lineno} is not closed); "
                    "add `### END SOLUTION` before this line",
                )
            if plain:
                parts.append(Part(None, tuple(plain), tuple(plain)))
            begin, plain, region = line, [], []
            stubs.append((first_number + len(stubs), line.where))
        elif kind == "end":
            if begin is None:
                fail(line.where, "`### END SOLUTION` without a `### BEGIN SOLUTION` above it in the same cell")
            number = stubs[-1][0]
            indent = begin.text[: len(begin.text) - len(begin.text.lstrip())]
            stub = f'{indent}raise NotImplementedError("{STUB_MESSAGE.format(n=number)}")'
            parts.append(Part(number, (Line(stub, begin.path, begin.lineno),), tuple(region)))
            begin = None
        elif begin is not None:
            region.append(line)
        else:
            plain.append(line)
    if begin is not None:
        fail(
            begin.where,
            "`### BEGIN SOLUTION` is never closed in this cell; add `### END SOLUTION` (a region cannot span cells)",
        )
    if plain or not parts:
        parts.append(Part(None, tuple(plain), tuple(plain)))
    return parts, stubs


def _nb_cell(cell: Cell, text: str) -> nbformat.NotebookNode:
    metadata = {"tags": [tag for tag in cell.tags if tag != "solution-only"]} if cell.tags else {}
    if metadata and not metadata["tags"]:
        metadata = {}
    # plain nodes: nbformat's per-cell validation would dominate the build; _notebook validates once
    if cell.kind == "markdown":
        return nbformat.from_dict({"cell_type": "markdown", "metadata": metadata, "source": text})
    return nbformat.from_dict(
        {"cell_type": "code", "execution_count": None, "metadata": metadata, "outputs": [], "source": text}
    )


def _header(
    title: str, shown_source: str, this: str, other: str, repo: Repository, version: str
) -> nbformat.NotebookNode:
    other_name = "exercise" if version == "solution" else "solution"
    text = (
        f"**{title}**: {version} notebook.\n\n"
        f"*Generated from [`{shown_source}`]({source_url(repo, shown_source)}); edit that file, "
        f"then run `make notebooks`.*\n\n"
        f"This is the **{version}** version "
        f"([open in Colab]({colab_url(repo, this)})); "
        f"the {other_name} version: [open in Colab]({colab_url(repo, other)})."
    )
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": [HEADER_TAG]})


def _notebook(header: nbformat.NotebookNode, cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"provenance": []},
    }
    nb.cells = [header, *cells]
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:03d}"  # stable ids: regenerating an unchanged source changes nothing
    nbformat.validate(nb)
    return nb


def dumps(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb, version=4) + "\n"


# --- writing and staleness ---------------------------------------------------------------------


def expected_files(course_src: Path, docs_dir: Path, repo: Repository, root: Path = ROOT) -> dict[Path, str]:
    """Every generated notebook path and its exact text."""
    out: dict[Path, str] = {}
    for source in discover(course_src):
        built = build(source, repo, root)
        solution_path, exercise_path = output_paths(docs_dir, source)
        out[solution_path] = dumps(built.solution)
        out[exercise_path] = dumps(built.exercise)
    return out


GENERATOR = Path(__file__).resolve().parent  # its .py files are part of the staleness key


def tree_digest(*paths: Path, extra: str = "") -> str:
    """Hash of the names and contents of every file under `paths` (caches skipped), plus `extra`."""
    digest = hashlib.blake2b(extra.encode(), digest_size=16)
    for top in paths:
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            digest.update(path.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def stale_files(course_src: Path, docs_dir: Path, repo: Repository, root: Path = ROOT,
                cache: Path | None = None) -> list[str]:
    """Problems with the committed notebooks (missing, out of date, orphaned); empty when current.

    With `cache` (a file), a clean result is remembered by a hash of course_src/, docs/notebooks/,
    the generator's own sources and its settings: the next check of the same trees costs only the hash.
    """
    key = _clean_key(course_src, docs_dir, repo, root) if cache is not None else ""
    if cache is not None and cache.is_file() and cache.read_text(encoding="utf-8").strip() == key:
        return []
    problems = _stale_files(course_src, docs_dir, repo, root)
    if cache is not None and not problems:
        _remember_clean(cache, key)
    return problems


def _clean_key(course_src: Path, docs_dir: Path, repo: Repository, root: Path) -> str:
    return tree_digest(course_src, docs_dir / "notebooks", *sorted(GENERATOR.glob("*.py")),
                       extra=f"{repo!r} {root} {nbformat.__version__}")


def _remember_clean(cache: Path, key: str) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(key + "\n", encoding="utf-8")


def _stale_files(course_src: Path, docs_dir: Path, repo: Repository, root: Path) -> list[str]:
    expected = expected_files(course_src, docs_dir, repo, root)
    problems = []
    for path, text in expected.items():
        if not path.is_file():
            problems.append(f"{_rel(path, root)} is missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{_rel(path, root)} is out of date")
    for path in sorted((docs_dir / "notebooks").glob("*/*.ipynb")):
        if path not in expected:
            problems.append(f"{_rel(path, root)} has no source in {_rel(course_src, root)}/")
    return problems


def stale_message(problems: list[str]) -> str:
    return "Generated notebooks are stale:\n  " + "\n  ".join(problems) + f"\nRegenerate them with: {REGENERATE}"


def write_all(course_src: Path, docs_dir: Path, repo: Repository, root: Path = ROOT,
              cache: Path | None = None) -> list[Path]:
    """Write every notebook whose text changed and delete orphans; returns the paths changed.

    With `cache` (the same file as stale_files'), unchanged trees are skipped (`mkdocs serve` rebuilds).
    """
    if cache is not None and cache.is_file() \
            and cache.read_text(encoding="utf-8").strip() == _clean_key(course_src, docs_dir, repo, root):
        return []
    changed = _write_all(course_src, docs_dir, repo, root)
    if cache is not None:
        _remember_clean(cache, _clean_key(course_src, docs_dir, repo, root))
    return changed


def _write_all(course_src: Path, docs_dir: Path, repo: Repository, root: Path) -> list[Path]:
    expected = expected_files(course_src, docs_dir, repo, root)
    changed = []
    for path, text in expected.items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    for path in sorted((docs_dir / "notebooks").glob("*/*.ipynb")):
        if path not in expected:
            path.unlink()
            changed.append(path)
    return changed


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate docs/notebooks/ from course_src/.")
    parser.add_argument("--check", action="store_true", help="only report stale notebooks (exit 1)")
    args = parser.parse_args(argv)
    from build_tools.notebooks.links import repository_from_mkdocs_yml

    repo = repository_from_mkdocs_yml(ROOT / "mkdocs.yml")
    try:
        if args.check:
            problems = stale_files(ROOT / "course_src", ROOT / "docs", repo)
            print(stale_message(problems) if problems else "Notebooks are up to date.")
            return 1 if problems else 0
        changed = write_all(ROOT / "course_src", ROOT / "docs", repo)
    except NotebookSourceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in changed:
        print(f"wrote {_rel(path, ROOT)}" if path.exists() else f"removed {_rel(path, ROOT)}")
    print(f"{len(discover(ROOT / 'course_src'))} notebook source(s); {len(changed)} file(s) changed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
