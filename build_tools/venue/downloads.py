"""The datasets and model weights the notebooks download, found by reading the notebooks, and
fetching the ones a kit can carry.

Found: URLs of files assigned to names ending in _URL (fetched into data/, or copied from this
checkout when they point into a course repository on GitHub; a URL of a folder is a base the
notebook adds names to, and is skipped), and
`from_pretrained("<repo>")` calls (Hugging Face model repositories; fetched into hf/<repo>/ and
served at the venue the way the Hub serves them). `load_dataset(...)` streams are listed as not
available offline.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import shutil
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from build_tools.venue.requirements import NOTEBOOKS, ROOT

# The files transformers' from_pretrained reads for a GPT-2 model (the weights as safetensors).
MODEL_FILES = ("config.json", "generation_config.json", "model.safetensors")
HF_HUB = "https://huggingface.co"


@dataclass
class Download:
    kind: str  # "file", "model" or "stream"
    name: str  # file URL, model repository, or dataset
    notebooks: list[str] = field(default_factory=list)
    note: str = ""


def _code_cells(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells if c["cell_type"] == "code"]


def _first_string(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def _callee(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def notebook_downloads(notebooks: Path = NOTEBOOKS) -> list[Download]:
    found: dict[tuple[str, str], Download] = {}
    for path in sorted(notebooks.rglob("*.ipynb")):
        rel = path.relative_to(notebooks).as_posix()
        for source in _code_cells(path):
            try:
                tree = ast.parse(source)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                key = None
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                        and isinstance(node.value.value, str) and re.match(r"https?://", node.value.value) \
                        and any(isinstance(t, ast.Name) and t.id.endswith("_URL") for t in node.targets) \
                        and "." in node.value.value.rstrip("/").rsplit("/", 1)[-1]:   # a file, not a folder
                    key = ("file", node.value.value)
                elif isinstance(node, ast.Call) and _first_string(node) is not None:
                    if _callee(node) == "from_pretrained":
                        key = ("model", _first_string(node))
                    elif _callee(node) == "load_dataset":
                        key = ("stream", _first_string(node))
                if key:
                    entry = found.setdefault(key, Download(*key))
                    if rel not in entry.notebooks:
                        entry.notebooks.append(rel)
    return sorted(found.values(), key=lambda d: (d.kind, d.name))


def file_name(url: str) -> str:
    """The name a file URL is stored under in data/: its last path part, with a short hash when
    that part is as generic as input.txt (TinyShakespeare's), so two URLs never collide."""
    last = url.rstrip("/").rsplit("/", 1)[-1]
    parent = url.rstrip("/").rsplit("/", 2)[-2]
    return f"{parent}.txt" if last == "input.txt" else last or hashlib.sha1(url.encode()).hexdigest()[:12]


RAW_GITHUB = re.compile(r"https://raw\.githubusercontent\.com/[^/]+/[^/]+/[^/]+/(docs/.+)$")


def in_this_repository(url: str) -> Path | None:
    """The file itself when a notebook downloads it from a course repository on GitHub (this one or
    a fork) and this checkout has it: the kit copies it rather than fetching it."""
    match = RAW_GITHUB.match(url)
    path = ROOT / match.group(1) if match else None
    return path if path is not None and path.is_file() else None


def fetch_file(url: str, dest: Path, timeout: float = 120) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    with urllib.request.urlopen(url, timeout=timeout) as response, partial.open("wb") as out:
        shutil.copyfileobj(response, out)
    partial.replace(dest)
    return dest


def fetch_model(repo: str, dest: Path, timeout: float = 600) -> Path:
    """Download a model repository's MODEL_FILES from the Hub into dest, with its commit in .commit
    (served back as X-Repo-Commit, which huggingface_hub needs to cache the files)."""
    dest.mkdir(parents=True, exist_ok=True)
    with urllib.request.urlopen(f"{HF_HUB}/api/models/{repo}/revision/main", timeout=timeout) as response:
        commit = json.load(response)["sha"]
    for name in MODEL_FILES:
        fetch_file(f"{HF_HUB}/{repo}/resolve/{commit}/{name}", dest / name, timeout)
    (dest / ".commit").write_text(commit, encoding="utf-8")
    return dest
