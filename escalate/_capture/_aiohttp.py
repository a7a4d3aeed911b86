"""aiohttp: a `TraceConfig` whose signals build the exchange of each request.

aiohttp reports the response body to traces when it is read. The trace reads an error's body
itself (small, and it holds the `requestId`), so its record is complete even when the
application only checks the status; a success's body is copied when the application reads it,
and the record is written then, or when the response is collected.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import aiohttp
from yarl import URL

from escalate import _schema
from escalate._capture._emit import count_error
from escalate._capture._exchange import Request
from escalate._capture._exchange import host_of as _host_of
from escalate._capture._tee import ResponseRecorder, emit_failure


class _Call:
    """Per-request state kept in the trace context."""

    __slots__ = ("body", "headers", "method", "mono", "recorder", "started", "url")

    def __init__(self, method: str, url: URL, headers: Any) -> None:
        self.method, self.url, self.headers = method, url, headers
        self.started, self.mono = time.time(), time.perf_counter()
        self.body: list[bytes] = []
        self.recorder: ResponseRecorder | None = None

    def request(self) -> Request:
        url = self.url
        body = b"".join(self.body)
        return Request(
            client="aiohttp", method=self.method,
            host=_host_of(url.scheme, url.raw_host or "", url.port),
            raw_path=url.raw_path or "/", query=url.raw_query_string,
            headers=list(self.headers.items()), body=body or None, streamed=False,
            started=self.started, started_monotonic=self.mono)


def _call(context: SimpleNamespace) -> _Call | None:
    call = getattr(context, "escalate_call", None)
    return call if isinstance(call, _Call) else None


def _failure_outcome(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return _schema.OUTCOME_TIMEOUT
    if isinstance(exc, aiohttp.ClientConnectionError):
        return _schema.OUTCOME_CONNECTION_ERROR
    return _schema.OUTCOME_ERROR


async def _on_request_start(
    _session: Any, context: SimpleNamespace, params: aiohttp.TraceRequestStartParams
) -> None:
    try:
        context.escalate_call = _Call(params.method, params.url, params.headers)
    except Exception as error:
        count_error("aiohttp", error)


async def _on_request_headers_sent(
    _session: Any, context: SimpleNamespace, params: aiohttp.TraceRequestHeadersSentParams
) -> None:
    call = _call(context)
    if call is not None:
        call.headers = params.headers


async def _on_request_chunk_sent(
    _session: Any, context: SimpleNamespace, params: aiohttp.TraceRequestChunkSentParams
) -> None:
    call = _call(context)
    if call is not None and sum(map(len, call.body)) < (1 << 20):
        call.body.append(bytes(params.chunk))


async def _on_request_end(
    _session: Any, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
) -> None:
    call = _call(context)
    if call is None:
        return
    response = params.response
    try:
        recorder = call.recorder = ResponseRecorder(
            call.request(), time.perf_counter() - call.mono, response.status,
            response.headers.get("Content-Type"))
        if not recorder.needs_body:
            recorder.finish()
            return
        recorder.watch(response)
    except Exception as error:
        count_error("aiohttp", error)
        return
    if recorder.read_now:
        await _read_error(response, recorder)


async def _read_error(response: aiohttp.ClientResponse, recorder: ResponseRecorder) -> None:
    """Read an error's body (cached by aiohttp for the application's own `read()`)."""
    try:
        await response.read()
    except Exception as exc:  # the application meets the same failure when it reads
        recorder.fail(exc, _failure_outcome(exc))


async def _on_response_chunk_received(
    _session: Any, context: SimpleNamespace, params: aiohttp.TraceResponseChunkReceivedParams
) -> None:
    call = _call(context)
    if call is not None and call.recorder is not None:
        call.recorder.finish(bytes(params.chunk))


async def _on_request_exception(
    _session: Any, context: SimpleNamespace, params: aiohttp.TraceRequestExceptionParams
) -> None:
    call = _call(context)
    if call is None:
        return
    exc = params.exception
    duration = time.perf_counter() - call.mono
    try:
        if isinstance(exc, aiohttp.ClientResponseError) and exc.status:
            emit_failure(call.request(), duration, exc, _schema.OUTCOME_HTTP_ERROR, exc.status)
        else:
            emit_failure(call.request(), duration, exc, _failure_outcome(exc))
    except Exception as error:
        count_error("aiohttp", error)


def trace_config() -> aiohttp.TraceConfig:
    """A new `TraceConfig` recording every request of the sessions it is given to."""
    config = aiohttp.TraceConfig()
    config.on_request_start.append(_on_request_start)
    config.on_request_headers_sent.append(_on_request_headers_sent)
    config.on_request_chunk_sent.append(_on_request_chunk_sent)
    config.on_request_end.append(_on_request_end)
    config.on_response_chunk_received.append(_on_response_chunk_received)
    config.on_request_exception.append(_on_request_exception)
    return config
