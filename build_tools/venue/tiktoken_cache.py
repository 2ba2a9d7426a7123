"""A tiktoken cache folder holding r50k_base (GPT-2's ranks), from the copy the site already ships.

tiktoken.load caches a downloaded file under TIKTOKEN_CACHE_DIR as sha1(url).hexdigest() and uses it
when its sha256 matches the expected hash, so with TIKTOKEN_CACHE_DIR pointing at this folder
`tiktoken.get_encoding("r50k_base")` needs no network.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# As in tiktoken_ext/openai_public.py (tiktoken 0.9 to 0.14): the URL it loads and the file's sha256.
RANKS = {
    "r50k_base": ("https://openaipublic.blob.core.windows.net/encodings/r50k_base.tiktoken",
                  "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
                  ROOT / "docs/assets/data/gpt2/r50k_base.tiktoken"),
}


def cache_name(url: str) -> str:
    return hashlib.sha1(url.encode()).hexdigest()


def write_cache(dest: Path) -> dict[str, Path]:
    """Copy each encoding's file into dest under tiktoken's cache name, after checking its hash."""
    dest.mkdir(parents=True, exist_ok=True)
    written = {}
    for encoding, (url, sha256, source) in RANKS.items():
        actual = hashlib.sha256(source.read_bytes()).hexdigest()
        if actual != sha256:
            raise ValueError(f"{source}: sha256 {actual} is not tiktoken's {sha256} for {encoding}")
        written[encoding] = Path(shutil.copyfile(source, dest / cache_name(url)))
    return written
