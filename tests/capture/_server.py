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


class EchoServer(ThreadingHTTPServer):
    """Answers every request with a 400 whose error message quotes every value the request
    carried (headers, query, form or JSON strings), raw, URL-encoded, JSON-escaped and base64."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _EchoHandler)

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://127.0.0.1:{self.server_address[1]}"


def _echoed_values(handler: BaseHTTPRequestHandler, body: bytes) -> list[str]:
    from urllib.parse import parse_qsl, urlsplit

    import orjson

    values: list[str] = []
    content_type = handler.headers.get("Content-Type") or ""
    if "form" in content_type:
        values += [value for _, value in parse_qsl(body.decode())]
    elif body:
        parsed = orjson.loads(body)
        values += [value for value in parsed.values() if isinstance(value, str)]
        values.append(body.decode())
    values += [value for _, value in parse_qsl(urlsplit(handler.path).query)]
    values += [value for name, value in handler.headers.items()
               if name.lower() in ("authorization", "x-api-key")]
    return values


def _quoted(value: str) -> str:
    import base64
    from urllib.parse import quote

    import orjson

    encoded = base64.b64encode(value.encode()).decode()
    return (f"raw {value}; url {quote(value, safe='')}; "
            f"json {orjson.dumps(value).decode()[1:-1]}; b64 {encoded}")


class _EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        import orjson

        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        message = " | ".join(_quoted(value) for value in _echoed_values(self, body))
        if self.path.startswith("/api/auth/token"):
            reply = {"error": "invalid_client", "error_description": message}
        else:
            reply = {"error": {"code": "INVALID_REQUEST", "message": message, "details": {}},
                     "requestId": "req_echo_1"}
        payload = orjson.dumps(reply)
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@contextmanager
def echo_server() -> Iterator[EchoServer]:
    """A running `EchoServer`, shut down afterwards."""
    server = EchoServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2.0)
