"""Access to the circuits track's sources (course_src/circuits) and shipped data from the tests."""

from __future__ import annotations

import json
import sys

from tests.support import ROOT

CIRCUITS_SRC = ROOT / "course_src" / "circuits"
DATA = ROOT / "docs" / "assets" / "data" / "circuits"
PAGES = sorted((ROOT / "docs" / "circuits").glob("0*.md"))
if str(CIRCUITS_SRC) not in sys.path:
    sys.path.insert(0, str(CIRCUITS_SRC))

import attn_only  # noqa: E402, F401  (course_src/circuits/attn_only.py: config + model)
import export_weights  # noqa: E402, F401
import hooks  # noqa: E402, F401  (HookPoint, HookedModule)
import induction  # noqa: E402, F401  (data, training, per-head measurements)
import scores  # noqa: E402, F401  (losses and scores on tensors, torch only)


def results() -> dict:
    return json.loads((DATA / "results.json").read_text())
