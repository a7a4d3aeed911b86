"""A tiny loopback server for guarantee tests: a gated chunked stream and a fixed JSON answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FIRST_CHUNK = b'{"numbers": ['
SECOND_CHUNK = b"]}"


class GatedServer(ThreadingHTTPServer):
    """`/api/core/numbers` streams two chunks and sends the second only once `release` is set."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.release = threading.Event()
        self.second_sent = threading.Event()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: GatedServer

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._chunk(FIRST_CHUNK)
        self.server.release.wait(5.0)
        self._chunk(SECOND_CHUNK)
        self.server.second_sent.set()
        self._chunk(b"")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"error":{"code":"CONFLICT","message":"m","details":{}},"requestId":"req_1"}'
        self.send_response(409)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@contextmanager
def gated_server() -> Iterator[GatedServer]:
    """A running `GatedServer`, shut down afterwards (bounded)."""
    server = GatedServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(2.0)
