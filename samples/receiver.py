"""A webhook receiver service for the samples: a WSGI app behind escalate's webhook middleware.

Run as its own process so that, as in production, it logs to its own evidence file:

    python samples/receiver.py --log webhooks.jsonl --secret whsec_... \
        [--status 500] [--reject-invalid] [--verify-reserialized]

`--verify-reserialized` plays a common handler bug: the handler checks the HMAC itself, but over
the parsed and re-serialized JSON instead of the raw body, so correctly signed webhooks get 401.

It prints its URL on the first line of stdout and serves until its standard input closes.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import threading
from collections.abc import Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import escalate


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep stderr clean: the evidence file is the log."""


def _app_answering(status: int) -> Any:
    line = f"{status} {'OK' if status < 400 else 'Error'}"

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response(line, [("Content-Type", "application/json")])
        return [b'{"ok":true}' if status < 400 else b'{"ok":false}']

    return app


def _app_verifying_reserialized(secret: str) -> Any:
    """A handler that checks the signature over `json.dumps(json.loads(body))`: the bug."""

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        timestamp = environ.get("HTTP_X_REDCLOUD_TIMESTAMP", "")
        reserialized = json.dumps(json.loads(raw)).encode()
        expected = hmac.new(secret.encode(), timestamp.encode() + b"." + reserialized,
                            hashlib.sha256).hexdigest()  # fmt: skip
        good = hmac.compare_digest(expected, environ.get("HTTP_X_REDCLOUD_SIGNATURE", ""))
        start_response("200 OK" if good else "401 Unauthorized",
                       [("Content-Type", "application/json")])  # fmt: skip
        return [b'{"ok":true}' if good else b'{"error":"bad signature"}']

    return app


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--log", required=True)
    parser.add_argument("--secret", default=None)
    parser.add_argument("--status", type=int, default=200)
    parser.add_argument("--reject-invalid", action="store_true")
    parser.add_argument("--verify-reserialized", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    """Serve webhooks until stdin closes."""
    args = _parse(argv)
    escalate.configure(path=args.log)
    handler = (
        _app_verifying_reserialized(args.secret)
        if args.verify_reserialized and args.secret
        else _app_answering(args.status)
    )
    app = escalate.WSGIWebhookMiddleware(
        handler, secret=args.secret, reject_invalid=args.reject_invalid
    )
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    print(f"http://127.0.0.1:{server.server_port}/webhooks/redcloud", flush=True)
    sys.stdin.read()
    server.shutdown()
    thread.join(timeout=5)


if __name__ == "__main__":
    main(sys.argv[1:])
