"""A local webhook receiver for doctor: a stdlib HTTP server on 127.0.0.1 and `record_webhook`.

It verifies `X-RedCloud-Signature` with RC_WEBHOOK_SECRET, answers 200 (valid, or no secret to
check with) or 401 (invalid or missing signature), and records every receipt as evidence.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final

from escalate._capture._webhook import record_webhook, verify_signature
from escalate._schema import EVENT_DELIVERY, EVENT_FAILED, SIGNATURE_INVALID, SIGNATURE_MISSING

TERMINAL_EVENTS: Final = (EVENT_DELIVERY, EVENT_FAILED)
_MAX_BODY: Final = 1024 * 1024


class WebhookListener:
    """Receive webhooks on 127.0.0.1:`port` (0 picks a free port) until closed."""

    def __init__(self, port: int, secret: str | None) -> None:
        self.secret = secret
        self.records: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The receiver's base URL."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def __enter__(self) -> WebhookListener:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def accept(self, record: dict[str, Any]) -> None:
        """Keep one receipt and wake the waiter."""
        with self._changed:
            self.records.append(record)
            self._changed.notify_all()

    def wait_for_lifecycle(self, message_id: str, timeout_s: float) -> list[dict[str, Any]]:
        """Wait (bounded) for a terminal event or a bad signature; return the receipts so far."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not self._settled(message_id):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(min(remaining, 0.5))
            return [r for r in self.records if r.get("message_id") == message_id]

    def _settled(self, message_id: str) -> bool:
        """True when the message's lifecycle ended or a receipt already failed verification."""
        return any(
            (record.get("event") in TERMINAL_EVENTS and record.get("message_id") == message_id)
            or record.get("signature") in (SIGNATURE_INVALID, SIGNATURE_MISSING)
            for record in self.records
        )


def _handler_for(listener: WebhookListener) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one listener."""

    class _Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = min(int(self.headers.get("Content-Length") or 0), _MAX_BODY)
            body = self.rfile.read(length)
            status = _status_for(self.headers, body, listener.secret)
            listener.accept(record_webhook(dict(self.headers.items()), body,
                                           response_status=status, secret=listener.secret))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: doctor reports receipts itself."""

    return _Handler


def _status_for(headers: Any, body: bytes, secret: str | None) -> int:
    """200 when the signature is valid or nothing can be checked, 401 otherwise."""
    if not secret:
        return 200
    timestamp = headers.get("X-RedCloud-Timestamp") or ""
    signature = headers.get("X-RedCloud-Signature") or ""
    return 200 if verify_signature(secret, timestamp, body, signature) else 401
