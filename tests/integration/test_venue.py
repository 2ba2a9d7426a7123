"""The offline venue kit (build_tools.venue), made and served here with no network: the wheels come
from a local dummy package built with `pip wheel`, the server listens on 127.0.0.1 only, and it is
shut down when the module's tests end."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from build_tools.venue import downloads, prepare, pyodide_packages, sitebuild, tiktoken_cache
from build_tools.venue import wheels as venue_wheels
from build_tools.venue.__main__ import main as venue_main
from build_tools.venue.layout import Kit
from build_tools.venue.requirements import notebook_requirements
from build_tools.venue.server import client_allowed, instructions, make_server
from build_tools.venue.tiktoken_cache import RANKS, cache_name
from build_tools.venue.wheels import TORCH_CPU_INDEX, pip_download_commands
from tests.support import ROOT

# pip with no user or site configuration (constraints files, mirrors) and no network fallback.
CLEAN_PIP_ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("PIP_")},
                 "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("venue")
    package = work / "dummy"
    (package / "venue_dummy").mkdir(parents=True)
    (package / "venue_dummy/__init__.py").write_text("VALUE = 42\n")
    (package / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "Venue_Dummy"\nversion = "1.0"\n')
    wheels = work / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                    "-w", str(wheels), str(package)], check=True, env=CLEAN_PIP_ENV, timeout=120,
                   capture_output=True)
    kit = work / "kit"
    assert venue_main(["prepare", str(kit), "--wheels-from", str(wheels), "--no-download"]) == 0
    return kit


@pytest.fixture(scope="module")
def base_url(kit):
    server = make_server(kit, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    assert not thread.is_alive()


def get(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers.get_content_type(), response.read()


def test_notebook_requirements_are_read_from_the_install_cells():
    found = notebook_requirements()
    assert {"torch", "tiktoken", "transformers", "numpy"} <= set(found)
    assert found["torch"]["requirement"] == "torch>=2.4"  # "torch" and "torch>=2.4" merged


def test_torch_is_downloaded_alone_from_the_cpu_index_then_the_rest_from_pypi(tmp_path):
    first, second = pip_download_commands(["torch>=2.4", "tiktoken"], tmp_path, "win_amd64", "3.11")
    assert first[first.index("--index-url") + 1] == TORCH_CPU_INDEX and "--no-deps" in first
    assert first[-1] == "torch>=2.4" and "tiktoken" not in first
    assert "--index-url" not in second and second[second.index("--platform") + 1] == "win_amd64"
    assert second[second.index("--find-links") + 1] == str(tmp_path)   # finds the CPU torch there
    assert len(pip_download_commands(["tiktoken"], tmp_path)) == 1


def _wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """A minimal installable wheel, enough for pip's resolver."""
    dist = f"{name}-{version}.dist-info"
    files = {f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                 + "".join(f"Requires-Dist: {r}\n" for r in requires),
             f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}

    def digest(text: str) -> str:
        return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
    record = "".join(f"{path},sha256={digest(text)},{len(text.encode())}\n" for path, text in files.items())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as whl:
        for name_in_zip, text in {**files, f"{dist}/RECORD": record + f"{dist}/RECORD,,\n"}.items():
            whl.writestr(name_in_zip, text)
    return path


@pytest.fixture
def two_indexes(tmp_path, monkeypatch):
    """A stand-in for PyTorch's CPU index (torch 2.13.0+cpu) and for PyPI, whose newer torch is the
    CUDA build that drags in nvidia wheels: the trap the kit must never fall into."""
    cpu, pypi, made = tmp_path / "cpu", tmp_path / "pypi", tmp_path / "made"
    venue_wheels.write_index([_wheel(made, "torch", "2.13.0+cpu", ("filelock",))], cpu)
    venue_wheels.write_index([_wheel(made, "torch", "2.14.1", ("filelock", "nvidia_cublas")),
                              _wheel(made, "nvidia_cublas", "13.1"), _wheel(made, "filelock", "3.20"),
                              _wheel(made, "tiktoken", "0.14")], pypi)
    monkeypatch.setattr(venue_wheels, "TORCH_CPU_INDEX", cpu.as_uri())
    for key, value in {**CLEAN_PIP_ENV, "PIP_INDEX_URL": pypi.as_uri()}.items():
        monkeypatch.setenv(key, value)
    for key in set(os.environ) - set(CLEAN_PIP_ENV) - {"PIP_INDEX_URL"}:
        if key.startswith("PIP_"):
            monkeypatch.delenv(key)
    return tmp_path


def test_the_kit_gets_cpu_torch_with_its_dependencies_and_never_the_cuda_build(two_indexes):
    dest = two_indexes / "out"
    ok, log = venue_wheels.download(["torch>=2.4", "tiktoken"], dest, None, None, timeout=300)
    assert ok, log
    assert sorted(p.name for p in dest.iterdir()) == [
        "filelock-3.20-py3-none-any.whl", "tiktoken-0.14-py3-none-any.whl", "torch-2.13.0+cpu-py3-none-any.whl"]


def test_without_the_cpu_index_the_kit_has_no_torch_rather_than_the_cuda_build(two_indexes, monkeypatch):
    monkeypatch.setattr(venue_wheels, "TORCH_CPU_INDEX", (two_indexes / "nowhere").as_uri())
    dest = two_indexes / "out"
    ok, log = venue_wheels.download(["torch>=2.4", "tiktoken"], dest, None, None, timeout=300)
    assert not ok and "torch" in log
    assert sorted(p.name for p in dest.iterdir()) == ["tiktoken-0.14-py3-none-any.whl"]


def test_readme_says_what_is_inside_and_what_is_missing(kit):
    text = (kit / "README.txt").read_text()
    assert "site/" in text and "venue-dummy" in text and "tiktoken/" in text
    assert "Missing (download at home):" in text
    assert "torch>=2.4" in text and "tinyshakespeare" in text and "model gpt2" in text


def test_site_pages_and_pyodide_core_are_served(base_url):
    for page in ["/", "/governance/", "/gpt2/01-tokenization/"]:
        status, kind, body = get(base_url + page)
        assert status == 200 and kind == "text/html" and b"<html" in body, page
    status, kind, body = get(base_url + "/assets/vendor/pyodide/pyodide.asm.wasm")
    assert status == 200 and kind == "application/wasm" and body[:4] == b"\0asm"
    for name in ["pyodide.mjs", "pyodide.asm.mjs"]:
        assert get(f"{base_url}/assets/vendor/pyodide/{name}")[1] == "text/javascript"
    assert get(base_url + "/assets/vendor/pyodide/python_stdlib.zip")[0] == 200


def test_pip_installs_from_the_kit_index(base_url, tmp_path):
    status, _, body = get(base_url + "/simple/")
    assert status == 200 and b"venue-dummy" in body
    target = tmp_path / "target"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--index-url", base_url + "/simple/", "--no-deps",
         "--no-cache-dir", "--target", str(target), "venue-dummy==1.0"],
        env=CLEAN_PIP_ENV, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (target / "venue_dummy/__init__.py").read_text() == "VALUE = 42\n"


def test_tiktoken_cache_loads_r50k_base_with_no_network(kit, base_url, tmp_path):
    url, _, source = RANKS["r50k_base"]
    status, _, body = get(f"{base_url}/tiktoken/{cache_name(url)}")  # what participants download
    assert status == 200 and body == source.read_bytes()
    code = ("import socket\n"
            "def refuse(*a, **k): raise OSError('network used')\n"
            "socket.socket.connect = refuse; socket.create_connection = refuse\n"
            "import tiktoken\n"
            "enc = tiktoken.get_encoding('r50k_base')\n"
            "assert enc.n_vocab == 50257 and enc.decode(enc.encode('hello world')) == 'hello world'\n")
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(kit / "tiktoken")}
    env.pop("DATA_GYM_CACHE_DIR", None)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_hf_endpoint_serves_a_model_to_transformers(kit, base_url, tmp_path):
    """A tiny GPT-2 placed in the kit as prepare places GPT-2 small loads through HF_ENDPOINT."""
    pytest.importorskip("transformers")
    code = ("import sys, torch\n"
            "from transformers import GPT2Config, GPT2LMHeadModel\n"
            "torch.manual_seed(0)\n"
            "GPT2LMHeadModel(GPT2Config(n_layer=1, n_head=2, n_embd=8, n_positions=16, vocab_size=32))"
            ".save_pretrained(sys.argv[1])\n")
    repo = kit / "hf" / "tiny-gpt2"
    subprocess.run([sys.executable, "-c", code, str(repo)], check=True, timeout=300, capture_output=True)
    (repo / ".commit").write_text("0123456789abcdef0123456789abcdef01234567")
    load = ("import os, socket\n"
            "real = socket.socket.connect\n"
            "def only_loopback(self, address):\n"
            "    if address[0] not in ('127.0.0.1', 'localhost'): raise OSError(f'network used: {address}')\n"
            "    return real(self, address)\n"
            "socket.socket.connect = only_loopback\n"
            "from transformers import GPT2LMHeadModel\n"
            "model = GPT2LMHeadModel.from_pretrained('tiny-gpt2')\n"
            "assert model.config.n_embd == 8\n"
            "try:\n"
            "    GPT2LMHeadModel.from_pretrained('not-in-the-kit')\n"
            "except OSError:\n"
            "    print('missing repo: OSError')\n")
    env = {**os.environ, "HF_ENDPOINT": base_url + "/hf", "HF_HOME": str(tmp_path / "hf-home"),
           "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_XET": "1"}
    env.pop("HF_HUB_OFFLINE", None)
    env.pop("TRANSFORMERS_OFFLINE", None)
    result = subprocess.run([sys.executable, "-c", load], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "missing repo: OSError" in result.stdout


def test_instructions_name_the_address_and_the_commands(kit):
    text = instructions(kit, "192.168.1.20", 8000)
    assert "http://192.168.1.20:8000/" in text
    assert "--index-url http://192.168.1.20:8000/simple/ --trusted-host 192.168.1.20" in text
    assert "TIKTOKEN_CACHE_DIR" in text and "PIP_INDEX_URL=http://192.168.1.20:8000/simple/" in text
    assert "COURSE_DATA_URL=http://192.168.1.20:8000/assets/data " in text


@pytest.mark.parametrize("name", ["gpt2/shakespeare_val.txt", "circuits/attn2.bin"])
def test_the_notebooks_course_data_is_served_where_course_data_url_points(base_url, name):
    # 02_train and 02_take_it_apart read f"{COURSE_DATA_URL}/gpt2/..." and ".../circuits/attn2.bin"
    status, _, body = get(f"{base_url}/assets/data/{name}")
    assert status == 200 and body == (ROOT / "docs/assets/data" / name).read_bytes()


def status_of(url: str) -> int:
    try:
        return get(url)[0]
    except urllib.error.HTTPError as error:
        return error.code


def test_symlinks_out_of_the_kit_are_refused(kit, base_url, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not for participants")
    parts = Kit(kit)
    links = [parts.data / "link", parts.data / "secret.txt", parts.site / "escape", parts.simple / "escape"]
    made_data = not parts.data.exists()
    parts.data.mkdir(exist_ok=True)
    for link in links:
        link.symlink_to(outside / "secret.txt" if link.name == "secret.txt" else outside)
    try:
        for path in ["/data/link/secret.txt", "/data/link/", "/data/link", "/data/secret.txt",
                     "/escape/secret.txt", "/escape/", "/simple/escape/secret.txt", "/simple/escape/"]:
            assert status_of(base_url + path) == 404, path
    finally:
        for link in links:
            link.unlink()
        if made_data:
            parts.data.rmdir()
    status, _, body = get(base_url + "/simple?x=1")  # the query is not part of the path
    assert status == 200 and b"venue-dummy" in body


@pytest.mark.parametrize("host, allowed", [
    ("127.0.0.1", True), ("10.1.2.3", True), ("172.16.0.9", True), ("192.168.1.20", True),
    ("169.254.3.4", True), ("::1", True), ("fe80::1%eth0", True), ("fd00::5", True), ("::ffff:192.168.1.2", True),
    ("8.8.8.8", False), ("1.1.1.1", False), ("2001:4860:4860::8888", False), ("::ffff:8.8.8.8", False),
    ("not an address", False), ("", False)])
def test_only_clients_on_this_network_are_served(host, allowed):
    assert client_allowed(host) is allowed


def test_prepare_reports_parts_it_cannot_make_instead_of_failing(tmp_path, monkeypatch):
    def build_site(site, packages_url):
        site.mkdir(parents=True)
        (site / "index.html").write_text("<html></html>")

    class NotJson:
        def __enter__(self):
            return io.BytesIO(b"<html>a captive portal</html>")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(sitebuild, "build_site", build_site)
    monkeypatch.setattr(pyodide_packages, "packages_used", lambda: {"numpy": ["page.md"]})
    monkeypatch.setattr(tiktoken_cache, "write_cache", lambda folder: {})
    monkeypatch.setattr(downloads, "notebook_downloads",
                        lambda: [downloads.Download("model", "gpt2", ["nb.ipynb"])])
    monkeypatch.setattr(downloads.urllib.request, "urlopen", lambda *a, **k: NotJson())
    stray = tmp_path / "wheels"
    stray.mkdir()
    (stray / "stray.zip").write_bytes(b"PK")
    empty = tmp_path / "not-pyodide"
    empty.mkdir()
    report = prepare.prepare(tmp_path / "kit", pyodide_full=empty, wheels_from=stray,
                             extra_requirements=["not a requirement!!"], log=lambda *a: None)
    missing = "\n".join(report.missing)
    assert "Pyodide packages numpy" in missing and "pyodide-lock.json" in missing
    assert "--with 'not a requirement!!'" in missing
    assert "stray.zip skipped" in missing, missing
    assert "model gpt2" in missing and "JSONDecodeError" in missing
    assert (tmp_path / "kit" / "README.txt").is_file()
    assert not (tmp_path / "kit" / ".pyodide-full").exists()


def test_prepare_refuses_an_invalid_with_requirement(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        venue_main(["prepare", str(tmp_path / "kit"), "--with", "not a requirement!!"])
    assert exit_.value.code == 2 and "--with" in capsys.readouterr().err
    assert not (tmp_path / "kit").exists()


def test_a_cuda_torch_slipped_in_by_a_pip_configuration_is_refused(two_indexes, monkeypatch):
    # e.g. a find-links folder in pip.conf holding the CUDA build: on Linux x86_64 only "+cpu" passes
    sneaky = two_indexes / "sneaky"
    venue_wheels.write_index([_wheel(two_indexes / "made2", "torch", "2.14.1", ("nvidia_cublas",))], sneaky)
    monkeypatch.setattr(venue_wheels, "TORCH_CPU_INDEX", sneaky.as_uri())
    dest = two_indexes / "out"
    ok, log = venue_wheels.download(["torch>=2.4", "tiktoken"], dest, "manylinux_2_28_x86_64", "3.11", timeout=300)
    assert not ok and "is not PyTorch's CPU build" in log
    assert sorted(p.name for p in dest.iterdir()) == ["tiktoken-0.14-py3-none-any.whl"]


def test_downloads_are_files_and_the_courses_own_files_come_from_the_checkout(tmp_path):
    notebook = tmp_path / "nb" / "x.ipynb"
    notebook.parent.mkdir()
    code = ('DATA_URL = "https://example.org/data/input.txt"\n'
            'COURSE_DATA_URL = "https://raw.githubusercontent.com/someone/course/main/docs/assets/data/gpt2"\n'
            'WEIGHTS_URL = "https://raw.githubusercontent.com/someone/course/main/docs/assets/data/circuits/attn2.bin"\n')
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "source": code}]}))
    found = [d.name for d in downloads.notebook_downloads(tmp_path / "nb")]
    assert found == ["https://example.org/data/input.txt",   # a folder URL is a base, not a download
                     "https://raw.githubusercontent.com/someone/course/main/docs/assets/data/circuits/attn2.bin"]
    assert downloads.in_this_repository(found[1]) == downloads.ROOT / "docs/assets/data/circuits/attn2.bin"
    assert downloads.in_this_repository(found[0]) is None
