"""ASGI and WSGI middleware that record (and optionally verify) every webhook request.

The raw body is buffered and replayed unchanged to the app, the status the app answered is
captured, and one `kind: webhook` record is written per request.
"""

from __future__ import annotations

import io
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import Any, Generic, TypeVar

from escalate import _schema
from escalate._capture._stats import STATS
from escalate._capture._webhook import (
    Text,
    build_webhook_record,
    lower_headers,
    signature_outcome,
    write_webhook_record,
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_REJECTED_STATUS = 401
_REJECTED_BODY = b'{"error":"invalid webhook signature"}'
_REJECTED_HEADERS = [(b"content-type", b"application/json")]
_REJECTED_OUTCOMES = (_schema.SIGNATURE_INVALID, _schema.SIGNATURE_MISSING)


class _Receipt:
    """One webhook request in flight: recorded exactly once, errors swallowed."""

    __slots__ = (
        "body",
        "headers",
        "received",
        "receiver",
        "recorded",
        "route",
        "signature",
        "status",
    )

    def __init__(self, receiver: str, route: str, headers: Mapping[str, str], body: bytes,
                 secret: Text | None) -> None:
        self.receiver, self.route, self.headers, self.body = receiver, route, headers, body
        self.received = time.time()
        self.signature = signature_outcome(headers, body, secret)
        self.status: int | None = None
        self.recorded = False

    def rejected(self, reject_invalid: bool) -> bool:
        return reject_invalid and self.signature in _REJECTED_OUTCOMES

    def record(self) -> None:
        if self.recorded:
            return
        self.recorded = True
        try:
            record = build_webhook_record(
                receiver=self.receiver, route=self.route, headers=self.headers,
                raw_body=self.body, response_status=self.status, signature=self.signature,
                received=self.received)
        except Exception as exc:  # never raise into the receiver
            STATS.error("webhook", exc)
            return
        write_webhook_record(record)


def _new_receipt(receiver: str, route: str, headers: Any, body: bytes,
                 secret: Text | None) -> _Receipt | None:
    try:
        return _Receipt(receiver, route, lower_headers(headers), body, secret)
    except Exception as exc:  # never raise into the receiver: it just goes unrecorded
        STATS.error("webhook", exc)
        return None


def _wanted(paths: frozenset[str] | None, method: str, path: str) -> bool:
    return method == "POST" if paths is None else path in paths


AppT = TypeVar("AppT")


class _Receiver(Generic[AppT]):
    """What both middlewares hold: the app, the secret, the paths, whether to reject."""

    def __init__(self, app: AppT, *, secret: Text | None = None,
                 paths: Iterable[str] | None = None, reject_invalid: bool = False) -> None:
        self.app = app
        self.secret = secret
        self.paths = None if paths is None else frozenset(paths)
        self.reject_invalid = reject_invalid


class WebhookMiddleware(_Receiver[ASGIApp]):
    """ASGI middleware: records every webhook request (POSTs, or the given `paths`)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer the body, check the signature, call the app (or answer 401), record."""
        method, path = scope.get("method", ""), scope.get("path", "")
        if scope.get("type") != "http" or not _wanted(self.paths, method, path):
            await self.app(scope, receive, send)
            return
        body, tail = await _read_body(receive)
        receipt = _new_receipt("asgi", path, scope.get("headers", []), body, self.secret)
        if receipt is None:
            await self.app(scope, _replay(body, tail, receive), send)
            return
        try:
            if receipt.rejected(self.reject_invalid):
                await _reject(receipt, send)
            else:
                await self.app(scope, _replay(body, tail, receive), _capture_status(receipt, send))
        finally:
            receipt.record()


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    """The whole request body, plus a disconnect message if one arrived while reading."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message.get("type") != "http.request":
            return b"".join(chunks), [message]
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), []


def _replay(body: bytes, tail: list[Message], receive: Receive) -> Receive:
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}, *tail]

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


def _capture_status(receipt: _Receipt, send: Send) -> Send:
    async def capture(message: Message) -> None:
        if message.get("type") == "http.response.start":
            receipt.status = int(message["status"])
        await send(message)

    return capture


async def _reject(receipt: _Receipt, send: Send) -> None:
    receipt.status = _REJECTED_STATUS
    await send({"type": "http.response.start", "status": _REJECTED_STATUS,
                "headers": _REJECTED_HEADERS})
    await send({"type": "http.response.body", "body": _REJECTED_BODY})


class WSGIWebhookMiddleware(_Receiver[WSGIApp]):
    """WSGI middleware: records every webhook request (POSTs, or the given `paths`)."""

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Buffer the body, check the signature, call the app (or answer 401), record."""
        path = environ.get("PATH_INFO", "")
        if not _wanted(self.paths, environ.get("REQUEST_METHOD", ""), path):
            return self.app(environ, start_response)
        body = _read_wsgi_body(environ)
        receipt = _new_receipt("wsgi", path, _wsgi_headers(environ), body, self.secret)
        if receipt is None:
            return self.app(environ, start_response)
        if receipt.rejected(self.reject_invalid):
            receipt.status = _REJECTED_STATUS
            receipt.record()
            start_response("401 Unauthorized", [("Content-Type", "application/json")])
            return [_REJECTED_BODY]
        return self._call_app(receipt, environ, start_response)

    def _call_app(self, receipt: _Receipt, environ: dict[str, Any],
                  start_response: StartResponse) -> Iterable[bytes]:
        def capture(status: str, headers: Any, exc_info: Any = None) -> Any:
            receipt.status = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        try:
            result = self.app(environ, capture)
        except BaseException:
            receipt.record()
            raise
        if receipt.status is not None:
            receipt.record()
            return result
        return _RecordOnClose(result, receipt)


class _RecordOnClose:
    """The app's body iterable; records the receipt when the server closes it."""

    def __init__(self, result: Iterable[bytes], receipt: _Receipt) -> None:
        self._result = result
        self._receipt = receipt

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._result)

    def close(self) -> None:
        try:
            close = getattr(self._result, "close", None)
            if close is not None:
                close()
        finally:
            self._receipt.record()


def _read_wsgi_body(environ: dict[str, Any]) -> bytes:
    stream = environ.get("wsgi.input")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if stream is None:
        body = b""
    elif length > 0:
        body = stream.read(length)
    else:
        body = stream.read() if environ.get("wsgi.input_terminated") else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return bytes(body)


def _wsgi_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    headers = {key[5:].replace("_", "-").lower(): str(value)
               for key, value in environ.items() if key.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    return headers
