"""httpx: transport wrappers (sync and async) around the client's transport and every mount."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from escalate import _schema
from escalate._capture._emit import BodyTee, count_error, emit_exchange
from escalate._capture._exchange import Exchange, is_json_type

_WANTED_HEADERS = {b"authorization": 0, b"content-type": 1, b"idempotency-key": 2}


class _Call:
    """What is known about one request when it starts; becomes an `Exchange` at the end."""

    __slots__ = ("client", "duration", "mono", "path", "request", "started")

    def __init__(self, client: str, request: httpx.Request) -> None:
        self.client = client
        self.request = request
        self.started = time.time()
        self.mono = time.perf_counter()
        self.duration = 0.0
        self.path = ""

    def stop(self) -> None:
        self.duration = time.perf_counter() - self.mono
        self.path = self.request.url.path

    def exchange(self, **outcome: Any) -> Exchange:
        request = self.request
        url = request.url
        authorization, content_type, idempotency_key = _picked_headers(request.headers)
        body, streamed = _request_body(request)
        return Exchange(
            self.client, request.method, url.netloc.decode("ascii"), self.path,
            self.started, self.mono, self.duration, authorization, content_type,
            idempotency_key, body, streamed, **outcome,
        )


def _picked_headers(headers: httpx.Headers) -> list[str | None]:
    """Authorization, Content-Type and Idempotency-Key in one pass over the raw headers."""
    picked: list[str | None] = [None, None, None]
    for name, value in headers.raw:
        slot = _WANTED_HEADERS.get(name.lower())
        if slot is not None:
            picked[slot] = value.decode("latin-1")
    return picked


def _request_body(request: httpx.Request) -> tuple[bytes | None, bool]:
    try:
        return request.content, False
    except httpx.RequestNotRead:
        return None, True


def _failure_outcome(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return _schema.OUTCOME_TIMEOUT
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError | httpx.ProxyError):
        return _schema.OUTCOME_CONNECTION_ERROR
    return _schema.OUTCOME_ERROR


def _record_failure(call: _Call, exc: BaseException) -> None:
    try:
        call.stop()
        emit_exchange(call.exchange(exception=exc, exception_outcome=_failure_outcome(exc)))
    except Exception as error:
        count_error("httpx", error)


def _needs_body(call: _Call, content_type: str | None, status: int) -> bool:
    known_route = call.path in _schema.STAGE_BY_ROUTE
    return is_json_type(content_type) and (known_route or status >= 400)


class _Finisher:
    """Emits the record once, with whatever body the user read, when the stream closes."""

    __slots__ = ("_call", "_content_type", "_done", "_response", "tee")

    def __init__(self, call: _Call, response: httpx.Response, content_type: str | None) -> None:
        self._call = call
        self._response = response
        self._content_type = content_type
        self._done = False
        self.tee = BodyTee()

    def finish(self) -> None:
        if self._done:
            return
        self._done = True
        try:
            encoding = self._response.headers.get("content-encoding")
            emit_exchange(self._call.exchange(
                status=self._response.status_code,
                response_content_type=self._content_type,
                response_body=self.tee.body(encoding),
            ))
        except Exception as error:
            count_error("httpx", error)


class _TeeStream(httpx.SyncByteStream):
    """The response stream as the user reads it, with a capped copy kept for the record."""

    def __init__(self, inner: Any, finisher: _Finisher) -> None:
        self._inner = inner
        self._finisher = finisher

    def __iter__(self) -> Iterator[bytes]:
        keep = self._finisher.tee.keep
        for chunk in self._inner:
            keep(chunk)
            yield chunk

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._finisher.finish()


class _AsyncTeeStream(httpx.AsyncByteStream):
    """The async twin of `_TeeStream`."""

    def __init__(self, inner: Any, finisher: _Finisher) -> None:
        self._inner = inner
        self._finisher = finisher

    async def __aiter__(self) -> AsyncIterator[bytes]:
        keep = self._finisher.tee.keep
        async for chunk in self._inner:
            keep(chunk)
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._finisher.finish()


def _attach(call: _Call, response: httpx.Response, *, asynchronous: bool) -> None:
    """Record now, or tee the body and record when the user's stream closes."""
    try:
        call.stop()
        content_type = response.headers.get("content-type")
        if not _needs_body(call, content_type, response.status_code):
            emit_exchange(call.exchange(
                status=response.status_code, response_content_type=content_type))
            return
        finisher = _Finisher(call, response, content_type)
        tee = _AsyncTeeStream if asynchronous else _TeeStream
        response.stream = tee(response.stream, finisher)
    except Exception as error:
        count_error("httpx", error)


class EvidenceTransport(httpx.BaseTransport):
    """Delegates to the wrapped transport and records every exchange, failures included."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send through the inner transport; record; re-raise its exception unchanged."""
        call = _Call("httpx", request)
        try:
            response = self.inner.handle_request(request)
        except BaseException as exc:
            _record_failure(call, exc)
            raise
        _attach(call, response, asynchronous=False)
        return response

    def close(self) -> None:
        """Close the inner transport."""
        self.inner.close()


class AsyncEvidenceTransport(httpx.AsyncBaseTransport):
    """The async twin of `EvidenceTransport`."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send through the inner transport; record; re-raise its exception unchanged."""
        call = _Call("httpx-async", request)
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException as exc:
            _record_failure(call, exc)
            raise
        _attach(call, response, asynchronous=True)
        return response

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self.inner.aclose()


def _wrap_sync(transport: httpx.BaseTransport) -> httpx.BaseTransport:
    return transport if isinstance(transport, EvidenceTransport) else EvidenceTransport(transport)


def _wrap_async(transport: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
    if isinstance(transport, AsyncEvidenceTransport):
        return transport
    return AsyncEvidenceTransport(transport)


def instrument(client: httpx.Client | httpx.AsyncClient) -> None:
    """Wrap the client's transport and every mounted transport (idempotent)."""
    if isinstance(client, httpx.Client):
        client._transport = _wrap_sync(client._transport)
        client._mounts = {
            pattern: None if transport is None else _wrap_sync(transport)
            for pattern, transport in client._mounts.items()
        }
    else:
        client._transport = _wrap_async(client._transport)
        client._mounts = {
            pattern: None if transport is None else _wrap_async(transport)
            for pattern, transport in client._mounts.items()
        }
