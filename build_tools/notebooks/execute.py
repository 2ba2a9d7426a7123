"""Execute generated notebooks the way CI does: SMOKE=1, CPU, no network, the project's interpreter.

Two rules (explained for authors in docs/authors/notebooks.md):

* **Solution notebook**: every code cell runs without error.
* **Exercise notebook** ("test the tests"): run the cells in order. The only error allowed is the
  ``NotImplementedError`` of an exercise stub ("Exercise N: ..."). When stub N raises, the runner
  records it, puts region N's solution back into its cell and replays from that cell, as if the
  reader had just solved exercise N; so no error can hide behind another one. At the end every
  stub must have raised at least once (each exercise is reached by SMOKE=1 code, usually a check).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from build_tools.notebooks.generate import STUB_ERROR, Built
from build_tools.notebooks.source import Line

DEFAULT_TIMEOUT_S = float(os.environ.get("NOTEBOOK_TIMEOUT_S", "180"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")
CELL_FRAME = re.compile(r"Cell In\[\d+\], line (\d+)")
# GPT-2's BPE ranks, shipped with the site; offline, tiktoken.get_encoding("r50k_base") reads them
# from a cache named after the URL it would download (tiktoken checks the file's SHA-256).
R50K_BASE_FILE = Path(__file__).resolve().parents[2] / "docs" / "assets" / "data" / "gpt2" / "r50k_base.tiktoken"
R50K_BASE_URL = "https://openaipublic.blob.core.windows.net/encodings/r50k_base.tiktoken"

# Run in the kernel before the notebook's first cell; never written into a notebook.
GUARD = r"""
import socket as _s, sys as _sys
assert _sys.prefix == {prefix!r}, f"the kernel runs {{_sys.executable}}, not the project's interpreter in {prefix!r}"
def _offline_guards(socket, local=("localhost", "127.0.0.1", "::1", None)):
    # Closures over `socket`, so they keep working after this cell deletes its names.
    why = "no network in CI: the notebook smoke test runs offline"
    def guarded(original):
        def connect(self, address, *args):
            if isinstance(address, tuple) and address[0] not in local:
                raise OSError(f"{{why}} (tried to connect to {{address!r}})")
            return original(self, address, *args)
        return connect
    socket.socket.connect = guarded(socket.socket.connect)
    socket.socket.connect_ex = guarded(socket.socket.connect_ex)
    getaddrinfo = socket.getaddrinfo
    def offline_getaddrinfo(host, *args, **kwargs):
        if host not in local and not str(host).startswith("127."):
            raise socket.gaierror(socket.EAI_NONAME, f"{{why}} (looked up {{host!r}})")
        return getaddrinfo(host, *args, **kwargs)
    socket.getaddrinfo = offline_getaddrinfo
    def refuse_lookup(name):
        def lookup(host, *args):
            if host not in local and not str(host).startswith("127."):
                raise socket.gaierror(socket.EAI_NONAME, f"{{why}} (looked up {{host!r}} with {{name}})")
            return original(host, *args)
        original = getattr(socket, name)
        return lookup
    for name in ("gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        setattr(socket, name, refuse_lookup(name))
_offline_guards(_s)
def _pip(line):
    raise RuntimeError("%pip ran although every dependency is installed: install only when an import fails")
get_ipython().register_magic_function(_pip, "line", "pip")
del _s, _sys, _offline_guards, _pip
"""


@dataclass
class Report:
    notebook: str
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    stubs_raised: dict[int, int] = field(default_factory=dict)  # stub number -> cell that raised it first
    cpu_seconds: float = 0.0  # the kernel process's user+sys time: steadier than wall time on a busy machine
    replays: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def seed_tiktoken_cache(cache: Path) -> Path:
    """A tiktoken cache holding the shipped r50k_base ranks, so notebooks get GPT-2's encoding offline."""
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(R50K_BASE_FILE, cache / hashlib.sha1(R50K_BASE_URL.encode()).hexdigest())
    return cache


def kernel_env(home: Path, tiktoken_cache: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if tiktoken_cache is not None:
        env["TIKTOKEN_CACHE_DIR"] = str(tiktoken_cache)
    env.update(
        SMOKE="1",
        CUDA_VISIBLE_DEVICES="",  # CPU, as on CI
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PIP_NO_INDEX="1",
        MPLBACKEND="Agg",
        IPYTHONDIR=str(home / ".ipython"),  # no user profile or startup files
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    return env


class Kernel:
    """One fresh python3 kernel (this interpreter) in an empty working directory."""

    def __init__(self, timeout_s: float):
        self.workdir = tempfile.TemporaryDirectory(prefix="course-nb-")
        self.cache = tempfile.TemporaryDirectory(prefix="course-nb-cache-")  # outside the empty workdir
        # cells run one by one through a one-cell scratch notebook: replays run edited sources
        self.scratch = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell()])
        self.client = NotebookClient(
            self.scratch, kernel_name="python3", allow_errors=True, timeout=int(timeout_s),
            resources={"metadata": {"path": self.workdir.name}},
        )
        self.deadline = time.monotonic() + timeout_s
        self.timeout_s = timeout_s

    def __enter__(self) -> "Kernel":
        tiktoken_cache = seed_tiktoken_cache(Path(self.cache.name) / "tiktoken")
        self._context = self.client.setup_kernel(env=kernel_env(Path(self.workdir.name), tiktoken_cache))
        self._context.__enter__()
        error = self.run(GUARD.format(prefix=sys.prefix), 0)
        if error:
            raise RuntimeError(f"kernel setup failed: {error['ename']}: {error['evalue']}")
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._context.__exit__(*exc)
        finally:
            self.workdir.cleanup()
            self.cache.cleanup()

    def cpu_seconds(self) -> float:
        """CPU time (user + sys, all threads) the kernel process has used so far."""
        cell = nbformat.v4.new_code_cell(
            "import resource as _r; _u = _r.getrusage(_r.RUSAGE_SELF); print(_u.ru_utime + _u.ru_stime)")
        self.client.execute_cell(cell, 0)
        return float("".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream") or 0)

    def run(self, source: str, index: int) -> dict | None:
        """Execute source as cell `index`; the error output, or None. Raises TimeoutError past the deadline."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"over the {self.timeout_s:.0f} s budget before cell {index}")
        self.client.timeout = max(1, int(remaining))
        cell = nbformat.v4.new_code_cell(source)
        try:
            self.client.execute_cell(cell, 0)
        except CellTimeoutError as error:
            raise TimeoutError(f"cell {index} ran past the notebook's {self.timeout_s:.0f} s budget") from error
        except DeadKernelError as error:
            raise RuntimeError(f"the kernel died in cell {index} (out of memory?)") from error
        return next((out for out in cell.outputs if out.output_type == "error"), None)


def describe(error: dict, index: int, lines: list[Line], fallback: str) -> str:
    """The error, where it happened in the sources (file:line), and the end of the traceback."""
    trace = ANSI.sub("", "\n".join(error.get("traceback", [])))
    tail = "\n".join(trace.splitlines()[-12:])
    where = fallback
    frames = [int(n) for n in CELL_FRAME.findall(trace)]  # the first frame is the running cell's own
    if frames and 0 < frames[0] <= len(lines):
        line = lines[frames[0] - 1]
        where = f"{line.where}: {line.text.strip()[:70]!r}"
    return f"cell {index} ({where}) raised {error['ename']}: {error['evalue']}\n{tail}"


def run_solution(built: Built, nb: nbformat.NotebookNode, name: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Report:
    report = Report(name)
    start = time.monotonic()
    try:
        with Kernel(timeout_s) as kernel:
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                error = kernel.run(cell.source, index)
                if error:
                    lines = built.solution_lines[index]
                    report.problems.append(describe(error, index, lines, built.solution_origins[index]))
                    break
            report.cpu_seconds = kernel.cpu_seconds()
    except (TimeoutError, RuntimeError) as error:
        report.problems.append(str(error))
    report.seconds = time.monotonic() - start
    return report


def stub_number(error: dict) -> int | None:
    if error.get("ename") != "NotImplementedError":
        return None
    match = STUB_ERROR.match(str(error.get("evalue", "")))
    return int(match["n"]) if match else None


def run_exercise(built: Built, nb: nbformat.NotebookNode, name: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Report:
    report = Report(name)
    home = {stub.number: stub.exercise_cell for stub in built.stubs}
    solved: set[int] = set()  # stubs whose region is put back (as if the reader had solved them)
    start = time.monotonic()
    try:
        with Kernel(timeout_s) as kernel:
            index = 0
            while index < len(nb.cells):
                cell = nb.cells[index]
                if cell.cell_type != "code":
                    index += 1
                    continue
                lines = built.exercise_lines(index, solved)
                error = kernel.run("\n".join(line.text for line in lines), index)
                if error is None:
                    index += 1
                    continue
                problem = _stub_problem(error, index, home, solved)
                if problem:
                    origin = built.exercise_origins[index]
                    report.problems.append(f"{problem}\n{describe(error, index, lines, origin)}")
                    break
                number = stub_number(error)
                report.stubs_raised.setdefault(number, index)
                solved.add(number)
                report.replays += 1
                index = home[number]  # replay from the stub's cell, now with its solution
            report.cpu_seconds = kernel.cpu_seconds()
    except (TimeoutError, RuntimeError) as error:
        report.problems.append(str(error))
    report.seconds = time.monotonic() - start
    if not report.problems:
        for stub in built.stubs:
            if stub.number not in report.stubs_raised:
                report.problems.append(
                    f"Exercise {stub.number} ({stub.where}) was never reached with SMOKE=1: "
                    "add a check that calls it, so the exercise notebook shows the stub failing"
                )
    return report


def _stub_problem(error: dict, index: int, home: dict[int, int], solved: set[int]) -> str | None:
    number = stub_number(error)
    if number is None or number not in home:
        return "the exercise notebook may fail only at an exercise stub (NotImplementedError('Exercise N: ...'))"
    if home[number] > index:
        return f"Exercise {number} raised before its cell ran (stale notebook? run make notebooks)"
    if number in solved:
        return (f"Exercise {number} raised again after its solution was put back: an object made "
                "before its cell still uses the stub")
    return None
