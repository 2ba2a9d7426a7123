"""`prepare`: make a kit, part by part; a part that cannot be made is reported, never fatal,
except the site (without it there is no kit)."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from build_tools.blocks.contract import PYODIDE_VERSION
from build_tools.venue import downloads, pyodide_packages, readme, requirements, sitebuild, tiktoken_cache, wheels
from build_tools.venue.layout import Kit
from build_tools.venue.readme import Report, _size


def _failed(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def valid_requirement(text: str) -> bool:
    try:
        Requirement(text)
    except InvalidRequirement:
        return False
    return True


def prepare(kit_dir: Path, *, pyodide_full: Path | None = None, platforms: list[str] | None = None,
            python_versions: list[str] | None = None, wheels_from: Path | None = None,
            download: bool = True, extra_requirements: list[str] | None = None, log=print) -> Report:
    kit = Kit(Path(kit_dir).resolve())
    kit.root.mkdir(parents=True, exist_ok=True)
    report = Report()
    here = shlex.quote(str(kit.root))

    # 1. Pyodide packages the pages load, then the site (its packages_url must point at them).
    used = pyodide_packages.packages_used()
    packages_url = None
    staged = kit.root / ".pyodide-full"
    if used and pyodide_full is not None:
        shutil.rmtree(staged, ignore_errors=True)
        try:
            files = pyodide_packages.copy_packages(sorted(used), Path(pyodide_full), staged)
        except Exception as error:  # a part that cannot be made is reported
            shutil.rmtree(staged, ignore_errors=True)
            report.missing.append(
                f"Pyodide packages {', '.join(sorted(used))}: --pyodide-full {pyodide_full}: {_failed(error)} "
                f"(give the folder unpacked from pyodide-{PYODIDE_VERSION}.tar.bz2)")
        else:
            packages_url = pyodide_packages.SITE_FOLDER + "/"
            report.inside.append(
                f"Pyodide packages {', '.join(sorted(used))} with dependencies ({len(files) - 1} files)")
    elif used:
        pages = ", ".join(sorted({p for v in used.values() for p in v}))
        report.missing.append(
            f"Pyodide packages {', '.join(sorted(used))} (pages: {pages}): "
            f"download pyodide-{PYODIDE_VERSION}.tar.bz2 from https://github.com/pyodide/pyodide/releases, "
            f"unpack it, and prepare again with --pyodide-full <the unpacked pyodide folder>")
    log("building the site (mkdocs build --strict) ...")
    sitebuild.build_site(kit.site, packages_url)
    if packages_url:
        shutil.move(str(staged), kit.site / pyodide_packages.SITE_FOLDER)
    report.inside.append(f"site/: the course site, Pyodide {PYODIDE_VERSION}'s core self-hosted ({_size(kit.site)})")
    if not used:
        report.notes.append("No page loads Pyodide packages (packages=\"...\"), so every runnable block works offline.")

    # 2. Wheels the notebooks install.
    try:
        _wheels(kit, report, platforms, python_versions, wheels_from, download, extra_requirements, log)
    except Exception as error:  # a part that cannot be made is reported
        report.missing.append(f"wheels: {_failed(error)}")

    # 3. tiktoken ranks, from the copy the site ships.
    try:
        written = tiktoken_cache.write_cache(kit.tiktoken)
    except Exception as error:  # a part that cannot be made is reported
        report.missing.append(f"tiktoken ranks: {_failed(error)}")
        written = {}
    for encoding, path in written.items():
        report.inside.append(f"tiktoken/{path.name}: the {encoding} ranks, as tiktoken caches them "
                             "(TIKTOKEN_CACHE_DIR)")

    # 4. Datasets and weights the notebooks download.
    try:
        items = downloads.notebook_downloads()
    except Exception as error:  # a part that cannot be made is reported
        report.missing.append(f"the notebooks' datasets and weights: {_failed(error)}")
        items = []
    for item in items:
        try:
            _download(kit, report, item, download, here, log)
        except Exception as error:  # a part that cannot be made is reported
            report.missing.append(f"{item.kind} {item.name}: {_failed(error)}")

    kit.readme.write_text(readme.render(report, kit.root), encoding="utf-8")
    return report


def _wheels(kit: Kit, report: Report, platforms, python_versions, wheels_from, download, extra_requirements, log):
    found = requirements.notebook_requirements()
    wanted = [e["requirement"] for key, e in found.items() if key not in requirements.NOT_FOR_OFFLINE]
    for extra in extra_requirements or []:
        if valid_requirement(extra):
            wanted.append(extra)
        else:
            report.missing.append(f"--with {extra!r}: not a requirement (PEP 508), e.g. notebook or ipykernel>=6")
    for key, why in requirements.NOT_FOR_OFFLINE.items():
        if key in found:
            report.notes.append(f"{found[key]['requirement']} is left out: {why}.")
    targets = [(p, v) for p in (platforms or [None]) for v in (python_versions or [None])]
    if wheels_from is None and not download:
        report.missing.append(f"wheels for {' '.join(wanted)}: prepare again online (without --no-download)")
        index, problems = {}, []
    else:
        log(f"wheels: {'copying from ' + str(wheels_from) if wheels_from else 'pip download'} ...")
        index, problems = wheels.gather(wanted, kit.simple, targets, wheels_from)
    if index:
        names = ", ".join(f"{p} ({len(files)})" for p, files in index.items())
        report.inside.append(f"wheels/simple/: a PEP 503 package index of {sum(map(len, index.values()))} files "
                             f"({_size(kit.simple)}): {names}")
        described = ", ".join(f"{p or 'this machine'}/Python {v or 'this one'}" for p, v in targets)
        source = f"whatever {wheels_from} held" if wheels_from else described
        report.notes.append(f"Wheels are for: {source}.")
    for problem in problems:
        cmd = " && ".join(" ".join(shlex.quote(c) for c in ["python", *step[1:]])
                          for step in wheels.pip_download_commands(wanted, Path("WHEELS_DIR")))
        report.missing.append(f"{problem}. At home: {cmd} then prepare again with --wheels-from WHEELS_DIR")


def _download(kit: Kit, report: Report, item, download: bool, here: str, log) -> None:
    """One dataset or model the notebooks download (fetched unless download is False), reported."""
    where = ", ".join(item.notebooks)
    if item.kind == "file":
        dest = kit.data / downloads.file_name(item.name)
        fetch = f"curl -L --create-dirs -o {here}/data/{dest.name} {item.name}"
        local = downloads.in_this_repository(item.name)
        if local is not None:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(local, dest)
        if not dest.is_file() and download:
            try:
                downloads.fetch_file(item.name, dest)
            except (OSError, ValueError) as error:
                report.missing.append(f"{item.name} ({where}): {error}. At home: {fetch}")
                return
        if dest.is_file():
            report.inside.append(f"data/{dest.name}: {item.name} ({_size(dest)}; {where})")
        else:
            report.missing.append(f"{item.name} ({where}): download at home with: {fetch}")
    elif item.kind == "model":
        dest = kit.hf / item.name
        fetch = (f"python -m build_tools.venue prepare {here}  (online; it fetches "
                 f"{', '.join(downloads.MODEL_FILES)} of {downloads.HF_HUB}/{item.name})")
        if not (dest / ".commit").is_file() and download:
            try:
                log(f"model {item.name} from the Hugging Face Hub ...")
                downloads.fetch_model(item.name, dest)
            except (OSError, ValueError, KeyError, TypeError) as error:  # a reply that is not the Hub's JSON too
                report.missing.append(f"model {item.name} ({where}): {_failed(error)}. At home: {fetch}")
                return
        if (dest / ".commit").is_file():
            report.inside.append(f"hf/{item.name}/: the {item.name} weights ({_size(dest)}; {where}), "
                                 "served for HF_ENDPOINT")
        else:
            report.missing.append(f"model {item.name} ({where}): download at home with: {fetch}")
    else:
        report.notes.append(f"dataset {item.name} ({where}) is streamed from the Hub and cannot be carried; "
                            "offline, use the notebook's smaller dataset (DATASET=shakespeare or SMOKE=1).")
