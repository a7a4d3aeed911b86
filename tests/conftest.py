"""Shared fixtures: a running Red Cloud sandbox and a webhook receiver, both on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from escalate.sandbox import RedCloudSandbox


@dataclass(frozen=True)
class ReceivedWebhook:
    """One POST the sink received: path, headers (original case) and the raw body."""

    path: str
    headers: dict[str, str]
    body: bytes
    answered: int

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


class WebhookSink:
    """Records every POST; answers `statuses.pop(0)` while any are left, then `status`."""

    def __init__(self) -> None:
        self.status = 200
        self.statuses: list[int] = []
        self.received: list[ReceivedWebhook] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _sink_handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhooks/redcloud"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))
        self._thread.daemon = True

    def record(self, path: str, headers: dict[str, str], body: bytes) -> int:
        """Store one request and return the status to answer."""
        with self._lock:
            answer = self.statuses.pop(0) if self.statuses else self.status
            self.received.append(ReceivedWebhook(path, headers, body, answer))
            return answer

    def start(self) -> WebhookSink:
        """Serve in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (bounded)."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(2.0)


def _sink_handler(sink: WebhookSink) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = sink.record(self.path, dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet."""

    return Handler


@pytest.fixture
def redcloud() -> Iterator[RedCloudSandbox]:
    """A started Red Cloud sandbox with default numbers, stopped after the test."""
    sandbox = RedCloudSandbox().start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def webhook_sink() -> Iterator[WebhookSink]:
    """A webhook receiver on 127.0.0.1 recording headers and raw bodies; `.status` settable."""
    sink = WebhookSink().start()
    try:
        yield sink
    finally:
        sink.stop()
