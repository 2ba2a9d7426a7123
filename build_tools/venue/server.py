"""One LAN server for a kit (stdlib only): the site at /, the package index at /simple/, the
tiktoken cache at /tiktoken/, datasets at /data/, and model weights at /hf/ answered as the
Hugging Face Hub answers (so HF_ENDPOINT=http://HOST:PORT/hf makes from_pretrained("gpt2") work)."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import socket
import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from build_tools.venue.layout import DATA_URL, HF_URL, SIMPLE_URL, TIKTOKEN_URL, Kit

MIME = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
        ".json": "application/json", ".whl": "application/octet-stream", ".ipynb": "application/x-ipynb+json",
        ".ics": "text/calendar", ".xml": "application/xml", ".zip": "application/zip"}


REFUSED = ".refused-by-the-venue-server"  # a name no kit holds: a path outside the served folder becomes a 404


def within(path: Path, root: Path, strict: bool = False) -> bool:
    """Whether path, symlinks resolved, is root or (strict: only) something under it (root resolved too)."""
    path, root = Path(path).resolve(), Path(root).resolve()
    return root in path.parents or (not strict and path == root)


def client_allowed(host: str) -> bool:
    """Whether a client address is on this network: private, loopback or link-local (IPv4 or IPv6)."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])  # drop an IPv6 zone such as %eth0
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_private or address.is_loopback or address.is_link_local


class KitServer(ThreadingHTTPServer):
    daemon_threads = True

    def verify_request(self, request, client_address):
        if client_allowed(client_address[0]):
            return True
        print(f"refused {client_address[0]}: not a private, loopback or link-local address", flush=True)
        return False


class KitHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **MIME}
    kit: Kit
    verbose = False
    _etags: dict = {}
    _etag_lock = threading.Lock()

    def mounts(self):
        return ((SIMPLE_URL, self.kit.simple), (TIKTOKEN_URL, self.kit.tiktoken), (DATA_URL, self.kit.data))

    def translate_path(self, path):
        """The mount's file for path; a path that leaves the folder served (through a symlink) is refused."""
        bare = path.split("?", 1)[0].split("#", 1)[0]
        root = self.directory
        for prefix, folder in self.mounts():
            if bare == prefix.rstrip("/") or bare.startswith(prefix):
                root, path = str(folder), "/" + bare[len(prefix):]
                break
        saved, self.directory = self.directory, root
        try:
            local = super().translate_path(path)
        finally:
            self.directory = saved
        return local if within(Path(local), Path(root)) else os.path.join(root, REFUSED)

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        if self.verbose:
            super().log_message(format, *args)

    # ---- /hf/<repo>/resolve/<revision>/<file> -------------------------------------------------
    def do_GET(self):
        if self.path.startswith(HF_URL):
            return self._hf(head=False)
        return super().do_GET()

    def do_HEAD(self):
        if self.path.startswith(HF_URL):
            return self._hf(head=True)
        return super().do_HEAD()

    def _etag(self, path: Path) -> str:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        with self._etag_lock:
            if key not in self._etags:
                digest = hashlib.sha256()
                with path.open("rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        digest.update(chunk)
                self._etags[key] = digest.hexdigest()
            return self._etags[key]

    def _hf_error(self, code: str, message: str):
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", message)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _hf(self, head: bool):
        rest = self.path[len(HF_URL):].split("?", 1)[0]
        repo, sep, tail = rest.partition("/resolve/")
        _, _, filename = tail.partition("/")
        folder = (self.kit.hf / repo).resolve()
        if not sep or ".." in repo.split("/") or not (folder / ".commit").is_file() \
                or not within(folder, self.kit.hf, strict=True):
            return self._hf_error("RepoNotFound", f"{repo!r} is not in this venue kit")
        target = (folder / filename).resolve()
        if not within(target, folder, strict=True) or not target.is_file() or filename.startswith("."):
            return self._hf_error("EntryNotFound", f"{filename!r} is not in {repo!r} in this venue kit")
        size = target.stat().st_size
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.send_header("X-Repo-Commit", (folder / ".commit").read_text(encoding="utf-8").strip())
        self.send_header("ETag", f'"{self._etag(target)}"')
        self.end_headers()
        if not head:
            with target.open("rb") as f:
                self.copyfile(f, self.wfile)


def make_server(kit_dir: Path, host: str = "0.0.0.0", port: int = 8000, verbose: bool = False) -> KitServer:
    kit = Kit(Path(kit_dir).resolve())
    if not (kit.site / "index.html").is_file():
        raise FileNotFoundError(f"{kit.site / 'index.html'} not found: is {kit_dir} a kit made by "
                                "`python -m build_tools.venue prepare`?")
    handler = type("Handler", (KitHandler,), {"kit": kit, "verbose": verbose, "_etags": {}})
    return KitServer((host, port), partial(handler, directory=str(kit.site)))


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback (best effort; no packet is sent)."""
    found = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))  # UDP connect only picks the outgoing interface
            found.append(s.getsockname()[0])
    except OSError:
        pass
    try:
        found += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    out = []
    for address in found:
        if not address.startswith("127.") and address != "0.0.0.0" and address not in out:
            out.append(address)
    return out


def instructions(kit_dir: Path, host: str, port: int) -> str:
    """What to tell participants, with the real address filled in."""
    kit = Kit(Path(kit_dir))
    base = f"http://{host}:{port}"
    projects = sorted(p.name for p in kit.simple.iterdir() if p.is_dir()) if kit.simple.is_dir() else []
    wanted = [p for p in ("torch", "tiktoken", "transformers", "numpy") if p in projects] or projects[:6]
    ranks = sorted(p.name for p in kit.tiktoken.iterdir()) if kit.tiktoken.is_dir() else []
    data = sorted(p.name for p in kit.data.iterdir() if p.is_file()) if kit.data.is_dir() else []
    models = sorted(p.parent.relative_to(kit.hf).as_posix() for p in kit.hf.rglob(".commit")) if kit.hf.is_dir() else []
    lines = [f"Course site:   {base}/",
             f"Package index: {base}{SIMPLE_URL}"]
    if wanted:
        lines += ["", "Participants install the notebooks' packages with:",
                  f"  python -m pip install --index-url {base}{SIMPLE_URL} --trusted-host {host} {' '.join(wanted)}"]
    lines += ["", "and start Jupyter with these set, so the notebooks' own installs and downloads use this laptop:",
              f"  PIP_INDEX_URL={base}{SIMPLE_URL}", f"  PIP_TRUSTED_HOST={host}",
              f"  COURSE_DATA_URL={base}/assets/data     (the course's own data: corpus, shipped weights)"]
    if models:
        lines.append(f"  HF_ENDPOINT={base}{HF_URL.rstrip('/')}     (weights served: {', '.join(models)})")
    if ranks:
        fetch = "; ".join(f"u.urlretrieve('{base}{TIKTOKEN_URL}{r}', 'tiktoken-cache/{r}')" for r in ranks)
        lines += ["  TIKTOKEN_CACHE_DIR=<full path of the folder tiktoken-cache made below>", "",
                  "Tokenizer ranks (once per laptop, in the folder the notebooks run from):",
                  f"  python -c \"import os, urllib.request as u; os.makedirs('tiktoken-cache', exist_ok=True); "
                  f"{fetch}\""]
    for name in data:
        lines += ["", f"Dataset {name} (the notebooks look in data/):",
                  f"  python -c \"import os, urllib.request as u; os.makedirs('data', exist_ok=True); "
                  f"u.urlretrieve('{base}{DATA_URL}{name}', 'data/{name}')\""]
    return "\n".join(lines)


def serve(kit_dir: Path, host: str = "0.0.0.0", port: int = 8000, verbose: bool = False) -> None:
    server = make_server(kit_dir, host, port, verbose)
    port = server.server_address[1]
    shown = lan_addresses() if host in ("0.0.0.0", "") else [host]
    print(f"Serving {Path(kit_dir).resolve()} on {host}:{port} (Ctrl-C stops). "
          f"Allow port {port} through this laptop's firewall.")
    for address in shown or ["<this laptop's address>"]:
        print("\n" + instructions(kit_dir, address, port))
    print(flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


