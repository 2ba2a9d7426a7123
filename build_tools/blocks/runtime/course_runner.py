"""Execute runnable blocks in a shared namespace, like notebook cells (stdlib only).

Used unchanged in the browser worker, under Node-Pyodide (CI) and under CPython (pre-render):

    session = Session(emit, max_output)  # emit(kind, payload): kind in contract.EVENT_KINDS:
                                         # ("stdout"|"stderr", text) or ("html", str from course_render)
    result = session.run("bpe-merge", code, setup=..., check=...)
    # -> {"ok": bool, "error": str | None, "error_types": [...], "checks": [{"name", "ok", "message"}]}

Output is buffered (flushed every FLUSH_CHARS or FLUSH_SECONDS) and capped at `max_output` characters
(contract.SETTINGS["max_output_chars"], passed in by the host), so a million-line print costs a few
host calls, not a million. Figures and the truncation notice go out as HTML drawn by course_render.
Every other path to the page is capped too: the error text and the checks' messages at `max_output`
characters, a traceback at TRACE_FRAMES frames (a recursion 10**6 deep formats in milliseconds), and
figures at the run's figure budget (course.MAX_FIGURES_PER_RUN, course.MAX_FIGURE_CHARS_PER_RUN).
"""

from __future__ import annotations

import builtins
import collections
import linecache
import os
import sys
import time
import traceback

import course
import course_render

FLUSH_CHARS = 8_192
FLUSH_SECONDS = 0.05
STREAM_FLUSHES = 200
TRACE_FRAMES = 20  # a traceback shows its first and last TRACE_FRAMES frames; the middle is counted
JS_STACK_OVERFLOW = "Maximum call stack size exceeded"  # the browser's words for a too-deep recursion


class Output:
    """A text stream that batches writes to emit() and truncates past the run's output budget."""

    def __init__(self, emit, stream: str, budget: list):
        self.emit, self.stream, self.budget = emit, stream, budget  # budget: [chars left, chars dropped]
        self.parts, self.size, self.last, self.flushes = [], 0, time.monotonic(), 0

    def write(self, text: str) -> int:
        if self.budget[0] <= 0:
            self.budget[1] += len(text)
            return len(text)
        kept = text[: self.budget[0]]
        self.budget[0] -= len(kept)
        self.budget[1] += len(text) - len(kept)
        self.parts.append(kept)
        self.size += len(kept)
        # The first STREAM_FLUSHES writes go out at once (a print before a slow step shows now);
        # after that, batch: a flood costs a few dozen messages, not one per line.
        if self.flushes < STREAM_FLUSHES or self.size >= FLUSH_CHARS or time.monotonic() - self.last >= FLUSH_SECONDS:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self.parts:
            self.emit(self.stream, "".join(self.parts))
            self.parts, self.size = [], 0
            self.flushes += 1
        self.last = time.monotonic()

    def isatty(self) -> bool:
        return False


def _no_input(prompt: str = "") -> str:
    """input() cannot wait for the reader (a block runs to its end in one go, in a worker)."""
    raise EOFError("input() cannot pause a block here: set the value in the code instead, "
                   "e.g. name = \"Ada\"")


_MISSING = object()


class Session:
    """One interpreter's worth of blocks: a shared namespace and the output plumbing."""

    def __init__(self, emit, max_output: int):
        self.emit = emit
        self.max_output = max_output  # characters shown per run; the rest is counted and reported
        self.namespace = {"__name__": "__main__", "__builtins__": builtins}

    def _compile(self, source: str, filename: str):
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        return compile(source, filename, "exec")

    def run(self, block_id: str, code: str, setup: str = "", check: str = "") -> dict:
        budget = [self.max_output, 0]
        out, err = Output(self.emit, "stdout", budget), Output(self.emit, "stderr", budget)
        names = [f"<{block_id}>", f"<{block_id} setup>", f"<{block_id} check>"]
        result = {"ok": True, "error": None, "error_types": [], "checks": []}

        figures = {"count": 0, "chars": 0, "skipped": 0}

        def figure(data: dict) -> None:
            if figures["count"] >= course.MAX_FIGURES_PER_RUN:
                figures["skipped"] += 1
                return
            html = course_render.figure(data)
            if figures["chars"] + len(html) > course.MAX_FIGURE_CHARS_PER_RUN:
                figures["skipped"] += 1
                return
            figures["count"] += 1
            figures["chars"] += len(html)
            out.flush()
            err.flush()
            self.emit("html", html)

        saved = sys.stdout, sys.stderr, builtins.input, course._sink
        sys.stdout, sys.stderr, builtins.input, course._sink = out, err, _no_input, figure
        try:
            for source, filename in ((setup, names[1]), (code, names[0])):
                if source.strip():
                    exec(self._compile(source, filename), self.namespace)
            if check.strip():
                result["checks"] = self._checks(check, names[2])
        except BaseException as error:  # noqa: BLE001 - the reader's code may raise anything
            result.update(ok=False, error=cap(format_error(error, names), self.max_output),
                          error_types=[c.__name__ for c in type(error).__mro__])
        finally:
            out.flush()
            err.flush()
            sys.stdout, sys.stderr, builtins.input, course._sink = saved
        if figures["skipped"]:
            self.emit("html", course_render.figures_skipped(
                figures["skipped"], course.MAX_FIGURES_PER_RUN, course.MAX_FIGURE_CHARS_PER_RUN))
        if budget[1]:
            self.emit("html", course_render.truncated(budget[1]))
        each = max(200, self.max_output // max(1, len(result["checks"])))
        for c in result["checks"]:
            c["name"], c["message"] = cap(c["name"], each), cap(c["message"], each)
        return result

    def _checks(self, source: str, filename: str) -> list[dict]:
        """Define the @check functions, then run each after the reader's code: pass/fail + message."""
        registered = []

        def check(name: str):
            def register(function):
                registered.append((str(name), function))
                return function
            return register

        readers = self.namespace.get("check", _MISSING)  # the reader may have a `check` of their own
        self.namespace["check"] = check
        try:
            exec(self._compile(source, filename), self.namespace)
        finally:
            if readers is _MISSING:
                self.namespace.pop("check", None)
            else:
                self.namespace["check"] = readers
        results = []
        for name, function in registered:
            try:
                function()
                results.append({"name": name, "ok": True, "message": ""})
            except AssertionError as error:
                results.append({"name": name, "ok": False, "message": str(error) or "the check's assertion failed"})
            except Exception as error:  # noqa: BLE001
                results.append({"name": name, "ok": False, "message": f"{type(error).__name__}: {error}"})
        return results


def cap(text: str, limit: int) -> str:
    """`text` at most about `limit` characters: its start and its end (where an error's last line is),
    with the number of characters left out between them."""
    if len(text) <= limit:
        return text
    half = max(1, limit // 2)
    return f"{text[:half]}\n… {len(text) - 2 * half:,} more characters not shown …\n{text[-half:]}"


def _bounded_stack(tb) -> tuple[traceback.StackSummary, int]:
    """The frames of traceback `tb`: all of them, or the first and last TRACE_FRAMES and the count left out."""
    first, last, count = [], collections.deque(maxlen=TRACE_FRAMES), 0
    while tb is not None:
        (first if count < TRACE_FRAMES else last).append((tb.tb_frame, tb.tb_lineno))
        tb, count = tb.tb_next, count + 1
    return traceback.StackSummary.extract(iter(first + list(last))), max(0, count - 2 * TRACE_FRAMES)


def stack_overflow_message() -> str:
    """What the reader sees when the browser's own stack ran out (the worker reports it the same way)."""
    return (f"RecursionError: the code went deeper than the browser's stack allows ({JS_STACK_OVERFLOW}). "
            "A function probably calls itself without end, or the recursion limit was raised too far "
            "(sys.setrecursionlimit): recurse less deeply, or use a loop.\n")


def format_error(error: BaseException, filenames: list[str]) -> str:
    """The traceback from the first frame in a block onwards, without the frames of this runtime
    (the runner, and the inside of `course` functions: the reader's call line is what helps).
    A course.InputError is its message alone: it speaks to the reader, not to a programmer.
    A deep traceback keeps its first and last frames (formatting a million frames took 30 s)."""
    if isinstance(error, course.InputError):
        return f"{error}\n"
    if JS_STACK_OVERFLOW in str(error):
        return stack_overflow_message()
    trace = traceback.TracebackException.from_exception(error, limit=0)
    seen, pairs = set(), [(error, trace)]
    left_out = 0
    while pairs:  # the error, and the exceptions chained to it (raise ... from, during handling)
        exc, summary = pairs.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        summary.stack, dropped = _bounded_stack(exc.__traceback__)
        left_out += dropped
        if summary.__cause__ is not None and exc.__cause__ is not None:
            pairs.append((exc.__cause__, summary.__cause__))
        if summary.__context__ is not None and exc.__context__ is not None:
            pairs.append((exc.__context__, summary.__context__))
    runtime = os.path.dirname(os.path.abspath(__file__))
    frames = [f for f in trace.stack
              if os.path.dirname(os.path.abspath(f.filename)) != runtime or f.filename in filenames]
    for i, frame in enumerate(frames):
        if frame.filename in filenames:
            frames = frames[i:]
            break
    for frame in frames:  # a page module by its name: the same text in the browser and in the build
        if frame.filename not in filenames:
            frame.filename = os.path.basename(frame.filename)
    trace.stack = traceback.StackSummary.from_list(frames)
    note = (f"(This traceback is {left_out + 2 * TRACE_FRAMES:,} calls deep: only its first and last "
            f"{TRACE_FRAMES} calls are shown.)\n" if left_out else "")
    return note + "".join(trace.format())
