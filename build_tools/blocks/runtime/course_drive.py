"""Run pages' blocks under CPython for a host process: JSON lines in, JSON lines out (stdlib only).

    python course_drive.py DATA_DIR        (the runtime and page modules on PYTHONPATH)

One process serves a whole build (pre-render) or a whole CI run (verify). Requests, one per line:
    {"op": "prerender", "page", "max_output", "blocks": [{"id", "session", "code", "setup", "timeout", "raises"}]}
    {"op": "verify", "page", "max_output", "budget_s", "blocks": [course_verify block dicts]}
Replies, one per line:
    {"page", "start": id}                      a pre-rendered block starts (the host's watchdog names it)
    {"page", "id", "html", "result"}           it ended: its output as HTML and the runner's result
    {"page", "done": true, "results": [...]}   the page is done (verify: course_verify's results)
Each pre-rendered block runs under its own time limit; a verified page under its budget.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys

import course
import course_render
from course_runner import Session
from course_verify import verify_page

_restore_fresh_state = None  # set by main(): see _fresh_process_state


class TimeLimit(BaseException):
    """Raised in a block that runs past its time limit (BaseException: `except Exception` in reader
    code cannot swallow it)."""


def _alarm(seconds: float, error: type[BaseException]) -> None:
    def ring(signum, frame):
        raise error(f"ran past its time limit of {seconds:g} s")

    signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _disarm() -> None:
    signal.setitimer(signal.ITIMER_REAL, 0)


def _fresh_process_state():
    """Each page starts from the state a fresh interpreter has, so its output does not depend on the
    pages built before it (or on which of them the cache skipped): random's state, the recursion
    limit, and the page modules (course_src/pages, on PYTHONPATH) its blocks imported."""
    random_state, limit, modules = random.getstate(), sys.getrecursionlimit(), set(sys.modules)
    roots = tuple(os.path.abspath(p) + os.sep for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)

    def restore():
        random.setstate(random_state)
        sys.setrecursionlimit(limit)
        for name in set(sys.modules) - modules:
            if os.path.abspath(getattr(sys.modules[name], "__file__", None) or "/").startswith(roots):
                del sys.modules[name]
    return restore


def prerender(request: dict, reply) -> None:
    sessions = {}
    for block in request["blocks"]:
        events = []
        emit = lambda kind, payload, events=events: events.append((kind, payload))  # noqa: E731
        session = sessions.setdefault(block["session"], Session(emit, request["max_output"]))
        session.emit = emit
        reply({"page": request["page"], "start": block["id"]})
        _alarm(block["timeout"], TimeLimit)
        try:
            result = session.run(block["id"], block["code"], setup=block["setup"])
        finally:
            _disarm()
        html = course_render.events(events)
        if block["raises"] and result["error"]:
            html += course_render.result({**result, "checks": []})
        reply({"page": request["page"], "id": block["id"], "html": html, "result": result})
    reply({"page": request["page"], "done": True, "results": []})
    _restore_fresh_state()


def verify(request: dict, reply) -> None:
    _alarm(request["budget_s"], KeyboardInterrupt)  # course_verify reports an interrupted page
    try:
        results = verify_page(request["blocks"], max_output=request["max_output"])
    finally:
        _disarm()
    reply({"page": request["page"], "done": True, "results": results})


def main() -> None:
    global _restore_fresh_state
    course.DATA_DIR = sys.argv[1]
    _restore_fresh_state = _fresh_process_state()
    # Replies go to a private copy of stdout; anything else written to fd 1 (print to
    # sys.__stdout__, C extensions) lands on stderr instead of corrupting the protocol.
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)

    def reply(message: dict) -> None:
        channel.write(json.dumps(message) + "\n")
        channel.flush()

    for line in sys.stdin:
        request = json.loads(line)
        {"prerender": prerender, "verify": verify}[request["op"]](request, reply)


if __name__ == "__main__":
    main()
