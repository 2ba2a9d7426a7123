"""The page modules (course_src/pages, circuit_scores) importable from tests, as every block's interpreter
has them, and the shipped 2-layer model in both forms: pure-Python weights and the torch model."""

from __future__ import annotations

import sys

from build_tools.blocks.contract import runtime_files
from tests.circuits.circuits_src import DATA, export_weights

for folder in sorted({str(p.parent) for p in runtime_files().values()}):
    if folder not in sys.path:
        sys.path.insert(0, folder)

import circuits_causal  # noqa: E402, F401
import circuits_explorer  # noqa: E402, F401
import circuits_weights  # noqa: E402, F401
import tiny_transformer  # noqa: E402


def shipped_two_layer():
    """(cfg, W) from the pure-Python reader and the same weights as a float64 torch model."""
    cfg, W = tiny_transformer.load_weights("circuits/attn2.bin")
    return cfg, W, export_weights.load_model(DATA / "attn2.bin").double()
