"""httpx: transport wrappers (sync and async) around the client's transport and every mount.

The response stream is wrapped in a tee that writes the record when the stream is closed; a
response whose body the transport already read (`httpx.MockTransport`, `Response(content=...)`)
is recorded at once with that body, and any other at the latest when it is collected (the tee,
and the recorder it owns, go with it).
"""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from escalate import _schema
from escalate._capture._credentials import RESPONSE_HEADERS, wanted_headers
from escalate._capture._emit import count_error
from escalate._capture._exchange import Request, host_of
from escalate._capture._tee import ResponseRecorder, emit_failure


def request_of(client: str, request: httpx.Request, started: float, mono: float) -> Request:
    """What the record needs from an httpx request (read on the writer's side: `_attach`)."""
    url = request.url
    try:
        body, streamed = request.content, False
    except httpx.RequestNotRead:
        body, streamed = None, True
    raw_path, _, query = url.raw_path.decode("ascii").partition("?")
    return Request(
        client=client, method=request.method, host=host_of(url.scheme, url.host, url.port),
        raw_path=raw_path or "/", query=query, headers=request.headers.raw, body=body,
        streamed=streamed, started=started, started_monotonic=mono)


def _failure_outcome(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return _schema.OUTCOME_TIMEOUT
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError | httpx.ProxyError):
        return _schema.OUTCOME_CONNECTION_ERROR
    return _schema.OUTCOME_ERROR


def _record_failure(client: str, request: httpx.Request, started: float, mono: float,
                    exc: BaseException) -> None:
    try:
        duration = time.perf_counter() - mono
        emit_failure(request_of(client, request, started, mono), duration, exc,
                     _failure_outcome(exc))
    except Exception as error:
        count_error(client, error)


class _TeeStream(ResponseRecorder, httpx.SyncByteStream):
    """The response stream as the user reads it, copied for the record: the recorder itself
    (one object a call, not two)."""

    __slots__ = ("_inner",)
    _inner: Any  #: the transport's stream, set when the body is teed

    def __iter__(self) -> Iterator[bytes]:
        keep = self.keep
        for chunk in self._inner:
            keep(chunk)
            yield chunk

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self.finish()


class _AsyncTeeStream(ResponseRecorder, httpx.AsyncByteStream):
    """The async twin of `_TeeStream`."""

    __slots__ = ("_inner",)
    _inner: Any  #: the transport's stream, set when the body is teed

    async def __aiter__(self) -> AsyncIterator[bytes]:
        keep = self.keep
        async for chunk in self._inner:
            keep(chunk)
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self.finish()


def _attach(client: str, request: httpx.Request, started: float, mono: float,
            response: httpx.Response, *, asynchronous: bool) -> bool:
    """Record now, or tee the body and record when the stream closes; True when the caller
    must read the body now (`ResponseRecorder.read_now`)."""
    try:
        headers = wanted_headers(response.headers.raw, RESPONSE_HEADERS)
        recorder = (_AsyncTeeStream if asynchronous else _TeeStream)(
            request.url.raw_path.partition(b"?")[0].decode("ascii") or "/",
            functools.partial(request_of, client, request, started, mono),
            time.perf_counter() - mono, response.status_code, headers.get("content-type"),
            headers.get("content-encoding"))
        if not recorder.needs_body:
            recorder.finish()
        elif isinstance(response.stream, httpx.ByteStream):  # read already: no stream to tee
            recorder.finish(response.content)
        else:
            recorder._inner = response.stream
            response.stream = recorder
            return recorder.read_now
    except Exception as error:
        count_error(client, error)
    return False


def _read_error(response: httpx.Response) -> None:
    """Read an error's body through the tee now (the record is written) and give the user the
    same bytes as a new stream."""
    stream: Any = response.stream
    try:
        body = b"".join(stream)
    finally:
        stream.close()
    response.stream = httpx.ByteStream(body)


async def _aread_error(response: httpx.Response) -> None:
    """The async twin of `_read_error`."""
    stream: Any = response.stream
    try:
        body = b"".join([chunk async for chunk in stream])
    finally:
        await stream.aclose()
    response.stream = httpx.ByteStream(body)


class EvidenceTransport(httpx.BaseTransport):
    """Delegates to the wrapped transport and records every exchange, failures included."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send through the inner transport; record; re-raise its exception unchanged."""
        started, mono = time.time(), time.perf_counter()
        try:
            response = self.inner.handle_request(request)
        except BaseException as exc:
            _record_failure("httpx", request, started, mono, exc)
            raise
        if _attach("httpx", request, started, mono, response, asynchronous=False):
            _read_error(response)
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
        started, mono = time.time(), time.perf_counter()
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException as exc:
            _record_failure("httpx-async", request, started, mono, exc)
            raise
        if _attach("httpx-async", request, started, mono, response, asynchronous=True):
            await _aread_error(response)
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
        client._mounts = {pattern: None if transport is None else _wrap_sync(transport)
                          for pattern, transport in client._mounts.items()}
    else:
        client._transport = _wrap_async(client._transport)
        client._mounts = {pattern: None if transport is None else _wrap_async(transport)
                          for pattern, transport in client._mounts.items()}
