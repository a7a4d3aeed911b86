"""`WebhookSink`: a tiny webhook receiver on 127.0.0.1 that records what it is sent."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class ReceivedWebhook:
    """One POST the sink received: path, headers (as sent), raw body and the status answered."""

    path: str
    headers: dict[str, str]
    body: bytes
    answered: int

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


class WebhookSink:
    """Records every POST and answers `statuses.pop(0)` while any are left, then `status`.

    `url` points at `/webhooks/redcloud` on the sink's port; any path is accepted.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.status = 200
        self.statuses: list[int] = []
        self.received: list[ReceivedWebhook] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        bound_host, bound_port = self._server.server_address[:2]
        self.url = f"http://{bound_host!s}:{bound_port}/webhooks/redcloud"
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

    def __enter__(self) -> WebhookSink:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _handler_for(sink: WebhookSink) -> type[BaseHTTPRequestHandler]:
    class _SinkHandler(BaseHTTPRequestHandler):
        timeout = 10
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = sink.record(self.path, dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet: no request logging to stderr."""

    return _SinkHandler
