"""aiohttp: a `TraceConfig` whose signals build the exchange of each request.

aiohttp reports the response body to traces only when the user calls `read()` (which `json()`
and `text()` do). The record is written then; if the user streams `response.content` instead,
it is written without the response summary when the response object is garbage-collected.
"""

from __future__ import annotations

import time
import weakref
from types import SimpleNamespace
from typing import Any

import aiohttp
from yarl import URL

from escalate import _schema
from escalate._capture._emit import BodyTee, count_error, emit_exchange
from escalate._capture._exchange import MAX_TEED_BYTES, Exchange, host_of, is_json_type

_DEFAULT_PORTS = {"http": 80, "https": 443}


class _Call:
    """Per-request state kept in the trace context."""

    __slots__ = ("done", "duration", "finalizer", "headers", "method", "mono", "request_body",
                 "response", "started", "url")

    def __init__(self, method: str, url: URL) -> None:
        self.method = method
        self.url = url
        self.started = time.time()
        self.mono = time.perf_counter()
        self.duration = 0.0
        self.headers: Any = {}
        self.request_body = BodyTee()
        self.response: Any = None
        self.finalizer: weakref.finalize[Any, Any] | None = None
        self.done = False

    def emit(self, **outcome: Any) -> None:
        if self.done:
            return
        self.done = True
        if self.finalizer is not None:
            self.finalizer.detach()
        try:
            emit_exchange(self._exchange(outcome))
        except Exception as error:
            count_error("aiohttp", error)

    def _exchange(self, outcome: dict[str, Any]) -> Exchange:
        url, headers = self.url, self.headers
        body = self.request_body.body(None)
        host = host_of(url.host or "", url.port, _DEFAULT_PORTS.get(url.scheme))
        return Exchange(
            "aiohttp", self.method, host, url.path, self.started, self.mono, self.duration,
            headers.get("Authorization"), headers.get("Content-Type"),
            headers.get(_schema.HEADER_IDEMPOTENCY_KEY), body or None, False, **outcome,
        )


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
        context.escalate_call = _Call(params.method, params.url)
        context.escalate_call.headers = params.headers
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
    if call is not None:
        call.request_body.keep(params.chunk)


async def _on_request_end(
    _session: Any, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
) -> None:
    call = _call(context)
    if call is None:
        return
    try:
        call.duration = time.perf_counter() - call.mono
        _wait_for_body_or_emit(call, params.response)
    except Exception as error:
        count_error("aiohttp", error)


def _wait_for_body_or_emit(call: _Call, response: aiohttp.ClientResponse) -> None:
    content_type = response.headers.get("Content-Type")
    stage = _schema.stage_for_route(call.url.path)
    needs_body = is_json_type(content_type) and (
        stage != _schema.STAGE_OTHER or response.status >= 400)
    if not needs_body:
        call.emit(status=response.status, response_content_type=content_type)
        return
    call.response = (response.status, content_type)
    call.finalizer = weakref.finalize(
        response, call.emit, status=response.status, response_content_type=content_type)


async def _on_response_chunk_received(
    _session: Any, context: SimpleNamespace, params: aiohttp.TraceResponseChunkReceivedParams
) -> None:
    call = _call(context)
    if call is None or call.response is None:
        return
    status, content_type = call.response
    call.emit(status=status, response_content_type=content_type,
              response_body=params.chunk[:MAX_TEED_BYTES])


async def _on_request_exception(
    _session: Any, context: SimpleNamespace, params: aiohttp.TraceRequestExceptionParams
) -> None:
    call = _call(context)
    if call is None:
        return
    exc = params.exception
    call.duration = time.perf_counter() - call.mono
    if isinstance(exc, aiohttp.ClientResponseError) and exc.status:
        call.emit(status=exc.status, exception=exc,
                  exception_outcome=_schema.OUTCOME_HTTP_ERROR)
        return
    call.emit(exception=exc, exception_outcome=_failure_outcome(exc))


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
