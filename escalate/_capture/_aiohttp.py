"""aiohttp: a `TraceConfig` whose signals build the exchange of each request.

aiohttp reports the response body to traces when it is read. The trace reads an error's body
itself (small, and it holds the `requestId`), so its record is complete even when the
application only checks the status; a success's body is copied when the application reads it,
and the record is written then, or when the response is collected.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any, TypeVar

import aiohttp
from yarl import URL

from escalate import _schema
from escalate._capture._emit import count_error
from escalate._capture._exchange import MAX_TEED_BYTES, Request
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


def _failure_outcome(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return _schema.OUTCOME_TIMEOUT
    if isinstance(exc, aiohttp.ClientConnectionError):
        return _schema.OUTCOME_CONNECTION_ERROR
    return _schema.OUTCOME_ERROR


Params = TypeVar("Params")
Signal = Callable[[Any, SimpleNamespace, Params], Awaitable[None]]


def _traced(handler: Callable[[_Call, Params], Awaitable[None]]) -> Signal[Params]:
    """A trace signal that finds the request's `_Call` in the context and hands it to `handler`;
    nothing it raises reaches the application."""
    async def signal(_session: Any, context: SimpleNamespace, params: Params) -> None:
        call = getattr(context, "escalate_call", None)
        if isinstance(call, _Call):
            try:
                await handler(call, params)
            except Exception as error:
                count_error("aiohttp", error)

    return signal


async def _on_request_start(
    _session: Any, context: SimpleNamespace, params: aiohttp.TraceRequestStartParams
) -> None:
    try:
        context.escalate_call = _Call(params.method, params.url, params.headers)
    except Exception as error:
        count_error("aiohttp", error)


async def _on_request_headers_sent(call: _Call,
                                   params: aiohttp.TraceRequestHeadersSentParams) -> None:
    call.headers = params.headers


async def _on_request_chunk_sent(call: _Call, params: aiohttp.TraceRequestChunkSentParams) -> None:
    if sum(map(len, call.body)) < MAX_TEED_BYTES:
        call.body.append(bytes(params.chunk))


async def _on_request_end(call: _Call, params: aiohttp.TraceRequestEndParams) -> None:
    response = params.response
    recorder = call.recorder = ResponseRecorder(
        call.url.raw_path or "/", call.request, time.perf_counter() - call.mono,
        response.status, response.headers.get("Content-Type"))
    if not recorder.needs_body:
        recorder.finish()
        return
    recorder.watch(response)
    if recorder.read_now:
        try:  # aiohttp caches the body for the application's own `read()`
            await response.read()
        except Exception as exc:  # the application meets the same failure when it reads
            recorder.fail(exc, _failure_outcome(exc))


async def _on_response_chunk_received(
        call: _Call, params: aiohttp.TraceResponseChunkReceivedParams) -> None:
    if call.recorder is not None:
        call.recorder.finish(bytes(params.chunk))


async def _on_request_exception(call: _Call,
                                params: aiohttp.TraceRequestExceptionParams) -> None:
    exc, duration = params.exception, time.perf_counter() - call.mono
    if isinstance(exc, aiohttp.ClientResponseError) and exc.status:
        emit_failure(call.request(), duration, exc, _schema.OUTCOME_HTTP_ERROR, exc.status)
    else:
        emit_failure(call.request(), duration, exc, _failure_outcome(exc))


def trace_config() -> aiohttp.TraceConfig:
    """A new `TraceConfig` recording every request of the sessions it is given to."""
    config = aiohttp.TraceConfig()
    config.on_request_start.append(_on_request_start)
    config.on_request_headers_sent.append(_traced(_on_request_headers_sent))
    config.on_request_chunk_sent.append(_traced(_on_request_chunk_sent))
    config.on_request_end.append(_traced(_on_request_end))
    config.on_response_chunk_received.append(_traced(_on_response_chunk_received))
    config.on_request_exception.append(_traced(_on_request_exception))
    return config
