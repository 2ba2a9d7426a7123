"""The wheels participants install, and a PEP 503 "simple" index over them.

At home, `pip download --only-binary=:all:` fetches them per target platform (CPU torch from the
PyTorch index). For tests, or an organizer who has them already, `--wheels-from DIR` copies the
wheels found in DIR instead. Either way the index is written with each project's files in its own
folder beside its index.html, so it works served over HTTP (`pip install --index-url
http://HOST:PORT/simple/ ...`) and straight from the folder (`--index-url file:///.../simple/`).
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"  # CPU builds; PyPI's Linux torch pulls CUDA (GBs)


def _is_torch(requirement: str) -> bool:
    return canonicalize_name(Requirement(requirement).name) == "torch"


def pip_download_command(requirements: list[str], dest: Path, platform: str | None = None,
                         python_version: str | None = None, index_url: str | None = None,
                         no_deps: bool = False) -> list[str]:
    """One `pip download` for one target (platform tag such as manylinux_2_28_x86_64,
    macosx_11_0_arm64, win_amd64; None: this machine) and Python version ("3.11"; None: this
    interpreter's). Wheels already in `dest` count as found (--find-links)."""
    cmd = [sys.executable, "-m", "pip", "download", "--only-binary=:all:", "--dest", str(dest),
           "--find-links", str(dest), "--disable-pip-version-check", "--progress-bar", "off"]
    if index_url:
        cmd += ["--index-url", index_url]
    if no_deps:
        cmd.append("--no-deps")
    if platform:
        cmd += ["--platform", platform]
    if python_version:
        cmd += ["--python-version", python_version, "--implementation", "cp"]
    return cmd + list(requirements)


def pip_download_commands(requirements: list[str], dest: Path, platform: str | None = None,
                          python_version: str | None = None) -> list[list[str]]:
    """The downloads for one target: torch alone from PyTorch's CPU index, never from PyPI (whose
    Linux torch is the CUDA build with several GB of nvidia-* wheels, and is what pip would fall
    back to if the CPU index were only an extra index); then everything else from PyPI, torch's own
    dependencies included (pip finds the CPU torch already in `dest`)."""
    torch = [r for r in requirements if _is_torch(r)]
    rest = [r for r in requirements if not _is_torch(r)]
    commands = []
    if torch:
        commands.append(pip_download_command(torch, dest, platform, python_version,
                                             index_url=TORCH_CPU_INDEX, no_deps=True))
    commands.append(pip_download_command(rest + torch, dest, platform, python_version))
    return commands


def download(requirements: list[str], dest: Path, platform: str | None, python_version: str | None,
             timeout: float = 3600) -> tuple[bool, str]:
    """Run the pip downloads for one target; (ok, pip's last lines). The second call is pinned to
    the exact CPU torch the first one fetched (else pip would prefer a newer CUDA torch on PyPI);
    if no CPU torch could be fetched, the rest is still downloaded, without torch."""
    dest.mkdir(parents=True, exist_ok=True)
    torch = [r for r in requirements if _is_torch(r)]
    rest = [r for r in requirements if not _is_torch(r)]
    failed, pin = [], []
    if torch:
        output = _pip(pip_download_command(torch, dest, platform, python_version,
                                           index_url=TORCH_CPU_INDEX, no_deps=True), timeout, failed)
        if output is not None:
            torch_pin, problem = _cpu_torch(output, dest, platform)
            pin, failed = [torch_pin] if torch_pin else [], failed + ([problem] if problem else [])
    _pip(pip_download_command(rest + pin, dest, platform, python_version), timeout, failed)
    return not failed, "\n".join(failed)


def _pip(cmd: list[str], timeout: float, failed: list[str]) -> str | None:
    """pip's output, or None after adding what went wrong to `failed`."""
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        failed.append(f"pip download timed out after {timeout:.0f} s")
        return None
    output = result.stdout + result.stderr
    if result.returncode != 0:
        failed.append("\n".join(output.strip().splitlines()[-5:]))
        return None
    return output


def _linux_x86_64(platform: str | None) -> bool:
    if platform is None:
        return sys.platform.startswith("linux") and os.uname().machine == "x86_64"
    return "linux" in platform and "x86_64" in platform


def _cpu_torch(pip_output: str, dest: Path, platform: str | None) -> tuple[str | None, str | None]:
    """(torch==VERSION of the wheel pip saved or found, a problem). On Linux x86_64 the CPU index's
    wheels carry the local version +cpu; any other torch there came from a pip configuration (a
    find-links folder, an extra index) and is the CUDA build: it is deleted, not pinned."""
    names = re.findall(r"(torch-[^\s/]+\.whl)", pip_output)
    if not names:
        return None, "pip reported no torch wheel"
    version = parse_wheel_filename(names[-1])[1]
    if _linux_x86_64(platform) and version.local != "cpu":
        (dest / names[-1]).unlink(missing_ok=True)
        return None, (f"{names[-1]} is not PyTorch's CPU build (a pip configuration, such as find-links "
                      f"or an extra index, supplied it); the kit carries no torch rather than the CUDA build")
    return f"torch=={version}", None


def copy_from(folder: Path, dest: Path) -> list[Path]:
    """Copy the wheels (and sdists) in folder into dest; returns the copies."""
    dest.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(p, dest)) for p in sorted(folder.iterdir())
            if p.is_file() and p.name.endswith((".whl", ".tar.gz", ".zip"))]


def project_of(filename: str) -> str:
    """The canonical project name of a distribution file name."""
    if filename.endswith(".whl"):
        return canonicalize_name(parse_wheel_filename(filename)[0])
    return canonicalize_name(parse_sdist_filename(filename)[0])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_index(files: list[Path], simple: Path) -> dict[str, list[str]]:
    """Move files into simple/<project>/ and write the PEP 503 pages; returns {project: [file names]}."""
    projects: dict[str, list[str]] = {}
    simple.mkdir(parents=True, exist_ok=True)
    for path in files:
        project = project_of(path.name)
        folder = simple / project
        folder.mkdir(parents=True, exist_ok=True)
        if path.resolve() != (folder / path.name).resolve():
            shutil.move(str(path), folder / path.name)
        projects.setdefault(project, [])
    for project in sorted(projects):
        folder = simple / project
        names = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != "index.html")
        projects[project] = names
        links = "\n".join(f'<a href="{html.escape(n)}#sha256={_sha256(folder / n)}">{html.escape(n)}</a><br>'
                          for n in names)
        (folder / "index.html").write_text(f"<!DOCTYPE html>\n<html><body>\n<h1>Links for {project}</h1>\n"
                                           f"{links}\n</body></html>\n", encoding="utf-8")
    every = sorted(p.name for p in simple.iterdir() if p.is_dir())
    links = "\n".join(f'<a href="{p}/">{p}</a><br>' for p in every)
    (simple / "index.html").write_text(f"<!DOCTYPE html>\n<html><body>\n{links}\n</body></html>\n", encoding="utf-8")
    return {p: sorted(f.name for f in (simple / p).iterdir() if f.name != "index.html") for p in every}


def gather(requirements: list[str], simple: Path, targets: list[tuple[str | None, str | None]],
           wheels_from: Path | None = None) -> tuple[dict[str, list[str]], list[str]]:
    """Fill the index: copy from wheels_from, or pip download for every (platform, python) target.
    Returns ({project: files}, problems)."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="venue-wheels-") as tmp:
        staging = Path(tmp)
        if wheels_from is not None:
            for path in copy_from(wheels_from, staging):
                try:
                    project_of(path.name)
                except ValueError as error:  # a stray archive: no project name in its file name
                    problems.append(f"{wheels_from / path.name} skipped: {error}")
                    path.unlink()
        else:
            for platform, python_version in targets:
                ok, tail = download(requirements, staging, platform, python_version)
                if not ok:
                    problems.append(f"pip download for {platform or 'this machine'}, Python "
                                    f"{python_version or 'this one'} failed:\n{tail}")
        index = write_index(sorted(staging.iterdir()), simple)
    absent = [t for t in requirements if canonicalize_name(Requirement(t).name) not in index]
    if absent:
        problems.append(f"no wheels for {' '.join(absent)}")
    return index, problems
