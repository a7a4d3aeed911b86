"""Fixtures of the capture tests: a per-test evidence file and a WSGI webhook receiver."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

import escalate

from ._evidence import WEBHOOK_SECRET, Evidence


@pytest.fixture
def evidence(tmp_path: Path) -> Iterator[Evidence]:
    """Records of this test go to a fresh file; afterwards to the null device."""
    path = tmp_path / "evidence.jsonl"
    escalate.configure(path=path)
    yield Evidence(path)
    escalate.configure(path=os.devnull)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""


class Receiver:
    """A wsgiref server on 127.0.0.1 running the WSGI middleware around a 200-answering app."""

    def __init__(self, status: str = "200 OK") -> None:
        self.status = status
        self.bodies: list[bytes] = []
        app = escalate.WSGIWebhookMiddleware(self._app, secret=WEBHOOK_SECRET)
        self._server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/webhooks/redcloud"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    def _app(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.bodies.append(environ["wsgi.input"].read())
        start_response(self.status, [("Content-Type", "text/plain")])
        return [b"ok"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A running WSGI webhook receiver wrapped in `escalate.WSGIWebhookMiddleware`."""
    running = Receiver()
    running._thread.start()
    yield running
    running._server.shutdown()
    running._server.server_close()
    running._thread.join(2.0)
