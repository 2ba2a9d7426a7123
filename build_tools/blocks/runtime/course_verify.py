"""Verify one page's runnable blocks in page order (stdlib only: runs in Pyodide and CPython).

For each block, in its session's shared namespace (like the reader's notebook cells):
- a plain block must run cleanly, or raise the exception named by raises="...";
- an exercise's checks must fail (or its stub raise NotImplementedError) with the starting code,
  run in a throw-away copy of the namespace, and all pass with the solution, which then stays in
  the namespace for later blocks.
Input: a list of block dicts (id, session, line, code, setup, check, solution, raises).
Output: one dict per block: {"id", "line", "ok", "problem", "checks", "starting_checks",
"output_tail"}: `checks` with the solution, `starting_checks` with the starting code (exercises).
The output cap is the reader's (contract.SETTINGS["max_output_chars"]) when the caller passes it.
"""

from __future__ import annotations

import re
import sys
from html import unescape

from course_runner import Session

TAIL = 1_500


class Recorder:
    def __init__(self):
        self.text = []

    def __call__(self, kind, payload):
        if kind in ("stdout", "stderr"):
            self.text.append(payload)
            if sum(map(len, self.text)) > 4 * TAIL:
                self.text = ["".join(self.text)[-TAIL:]]
        elif kind == "html":  # from course_render: a notice's words, or "[figure]" for a figure
            notice = payload.startswith("<p ")
            self.text.append((unescape(re.sub(r"<[^>]*>", "", payload)) if notice else "[figure]") + "\n")
        else:
            raise ValueError(f"unknown output event kind {kind!r}")

    def tail(self) -> str:
        self.text, tail = [], "".join(self.text)[-TAIL:]
        return tail


def _raised(result: dict, name: str) -> bool:
    return not result["ok"] and name.rsplit(".", 1)[-1] in result["error_types"]


def _interrupted(result: dict) -> bool:
    return "KeyboardInterrupt" in result["error_types"]


def verify_block(session: Session, recorder: Recorder, block: dict) -> dict:
    out = {"id": block["id"], "line": block["line"], "ok": True, "problem": "", "checks": [], "starting_checks": []}
    if not block.get("check"):
        result = session.run(block["id"], block["code"], setup=block.get("setup", ""))
        if block.get("raises"):
            if not _raised(result, block["raises"]):
                out.update(ok=False, problem=f"expected it to raise {block['raises']}, but it "
                           + (f"raised:\n{result['error']}" if result["error"] else "ran without error"))
        elif _interrupted(result):
            out.update(ok=False, problem="stopped: the page ran past its time budget (sum of its blocks' timeouts)")
        elif not result["ok"]:
            out.update(ok=False, problem=f"raised an unexpected error:\n{result['error']}")
        out["output_tail"] = recorder.tail()
        return out

    starting = Session(session.emit, session.max_output)
    starting.namespace = dict(session.namespace)
    stub = starting.run(block["id"], block["code"], setup=block.get("setup", ""), check=block["check"])
    out["starting_checks"] = stub["checks"]
    stub_fails = _raised(stub, "NotImplementedError") or (stub["ok"] and any(not c["ok"] for c in stub["checks"]))
    if not stub["ok"] and not _raised(stub, "NotImplementedError"):
        stub_fails = True  # the starting code errors in another way: the reader cannot pass either
    recorder.tail()
    solved = session.run(block["id"], block["solution"], setup=block.get("setup", ""), check=block["check"])
    out["checks"] = solved["checks"]
    failing = [c for c in solved["checks"] if not c["ok"]]
    if not solved["ok"]:
        out.update(ok=False, problem=f"the solution raised:\n{solved['error']}")
    elif not solved["checks"]:
        out.update(ok=False, problem="the check section registered no @check functions")
    elif failing:
        out.update(ok=False, problem="checks fail with the solution: "
                   + "; ".join(f"{c['name']!r}: {c['message']}" for c in failing))
    elif not stub_fails:
        out.update(ok=False, problem="every check passes with the starting code: the checks do not "
                   "test the exercise (make at least one fail on the stub)")
    out["output_tail"] = recorder.tail()
    return out


def verify_page(blocks: list[dict], sessions: dict | None = None, max_output: int | None = None) -> list[dict]:
    """Blocks after a failure still run (they may not depend on it); their results name it.
    `sessions` (optional) receives {session name: Session}, for callers that use what blocks defined.
    `max_output`: characters of output per run, as the reader's page caps it; None keeps all (only a
    tail is recorded either way)."""
    max_output = sys.maxsize if max_output is None else max_output
    recorder, failed, results = Recorder(), {}, []
    sessions = {} if sessions is None else sessions
    for block in blocks:
        session = sessions.setdefault(block["session"], Session(recorder, max_output))
        result = verify_block(session, recorder, block)
        result["after_failure_of"] = failed.get(block["session"])
        if not result["ok"]:
            failed.setdefault(block["session"], block["id"])
        results.append(result)
    return results
