"""Browser helpers: serve a built site on 127.0.0.1, and how to launch Debian Chromium offline."""

from __future__ import annotations

import functools
import http.server
import threading

CHROMIUM = "/usr/bin/chromium"
# Keep Chromium off the network: the machines have none, and tests must not depend on it.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".wasm": "application/wasm"}

    def log_message(self, *args):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client hanging up mid-file (a stopped worker) is not a test failure

    def shutdown(self):
        """Stop serving and close the listening socket (tests fail on unclosed resources)."""
        super().shutdown()
        self.server_close()


def serve(directory) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"

