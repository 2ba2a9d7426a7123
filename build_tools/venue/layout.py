"""Where each part of a kit lives, and the URL path it is served under (build_tools.venue.server)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SIMPLE_URL = "/simple/"  # the package index (PEP 503)
DATA_URL = "/data/"  # datasets and weights, as plain files
TIKTOKEN_URL = "/tiktoken/"  # the tiktoken cache folder, as plain files
HF_URL = "/hf/"  # the model weights, answered the way the Hugging Face Hub answers (HF_ENDPOINT)


@dataclass(frozen=True)
class Kit:
    root: Path

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def simple(self) -> Path:
        """PEP 503 index: simple/index.html, simple/<project>/index.html beside that project's files."""
        return self.root / "wheels" / "simple"

    @property
    def tiktoken(self) -> Path:
        return self.root / "tiktoken"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def hf(self) -> Path:
        """One folder per model repository (hf/<repo>/<files>, plus .commit), served under HF_URL."""
        return self.root / "hf"

    @property
    def readme(self) -> Path:
        return self.root / "README.txt"
