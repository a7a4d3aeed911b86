"""requests: an adapter wrapper mounted in place of each of the session's adapters.

With `stream=False` the session reads the body right after the adapter returns anyway, so the
wrapper reads it first (the same bytes, cached on the response) and records the summary. With
`stream=True` the body belongs to the user: the record is written at headers time, without the
response summary.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter

from escalate import _schema
from escalate._capture._emit import count_error, emit_exchange
from escalate._capture._exchange import MAX_TEED_BYTES, Exchange, host_of, is_json_type

_DEFAULT_PORTS = {"http": 80, "https": 443}


#: URL -> (host, path): a session calls few distinct URLs (bounded).
_URLS: dict[str, tuple[str, str]] = {}
MAX_CACHED = 1024


def _host_and_path(url: str) -> tuple[str, str]:
    cached = _URLS.get(url)
    if cached is None:
        parts = urlsplit(url)
        cached = (host_of(parts.hostname or "", parts.port, _DEFAULT_PORTS.get(parts.scheme)),
                  parts.path)
        if len(_URLS) >= MAX_CACHED:
            _URLS.clear()
        _URLS[url] = cached
    return cached


class _Call:
    """What is known about one prepared request when it starts."""

    __slots__ = ("duration", "mono", "request", "started")

    def __init__(self, request: requests.PreparedRequest) -> None:
        self.request = request
        self.started = time.time()
        self.mono = time.perf_counter()
        self.duration = 0.0

    def stop(self) -> None:
        self.duration = time.perf_counter() - self.mono

    def exchange(self, **outcome: Any) -> Exchange:
        request = self.request
        headers = request.headers
        host, path = _host_and_path(request.url or "")
        body, streamed = _request_body(request.body)
        return Exchange(
            "requests", request.method or "", host, path, self.started, self.mono,
            self.duration, headers.get("Authorization"), headers.get("Content-Type"),
            headers.get(_schema.HEADER_IDEMPOTENCY_KEY), body, streamed, **outcome,
        )


def _request_body(body: Any) -> tuple[bytes | None, bool]:
    if body is None:
        return None, False
    if isinstance(body, bytes):
        return body, False
    if isinstance(body, str):
        return body.encode("utf-8"), False
    return None, True


def _failure_outcome(exc: BaseException) -> str:
    if isinstance(exc, requests.exceptions.Timeout):
        return _schema.OUTCOME_TIMEOUT
    if isinstance(exc, requests.exceptions.ConnectionError):
        return _schema.OUTCOME_CONNECTION_ERROR
    return _schema.OUTCOME_ERROR


def _record(call: _Call, **outcome: Any) -> None:
    try:
        emit_exchange(call.exchange(**outcome))
    except Exception as error:
        count_error("requests", error)


def _needs_body(call: _Call, content_type: str | None, status: int, stream: bool) -> bool:
    if stream or not is_json_type(content_type):
        return False
    _, path = _host_and_path(call.request.url or "")
    return _schema.stage_for_route(path) != _schema.STAGE_OTHER or status >= 400


class EvidenceAdapter(BaseAdapter):
    """Delegates to the wrapped adapter and records every exchange, failures included."""

    def __init__(self, inner: BaseAdapter) -> None:
        super().__init__()
        self.inner = inner

    def send(
        self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
        verify: Any = True, cert: Any = None, proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send through the inner adapter; record; re-raise its exception unchanged."""
        call = _Call(request)
        try:
            response = self.inner.send(request, stream=stream, timeout=timeout, verify=verify,
                                       cert=cert, proxies=proxies)
        except BaseException as exc:
            call.stop()
            _record(call, exception=exc, exception_outcome=_failure_outcome(exc))
            raise
        call.stop()
        return self._finish(call, response, stream)

    def _finish(self, call: _Call, response: requests.Response, stream: bool) -> requests.Response:
        try:
            content_type = response.headers.get("Content-Type")
            needs_body = _needs_body(call, content_type, response.status_code, stream)
        except Exception as error:  # e.g. a URL urlsplit rejects: never the user's problem
            count_error("requests", error)
            return response
        if not needs_body:
            _record(call, status=response.status_code, response_content_type=content_type)
            return response
        try:
            body = response.content
        except BaseException as exc:
            _record(call, status=response.status_code, response_content_type=content_type,
                    exception=exc, exception_outcome=_failure_outcome(exc))
            raise
        _record(call, status=response.status_code, response_content_type=content_type,
                response_body=body[:MAX_TEED_BYTES] if body else body)
        return response

    def close(self) -> None:
        """Close the inner adapter."""
        self.inner.close()

    def __getattr__(self, name: str) -> Any:
        # Code that configures the real adapter (max_retries, poolmanager...) keeps working.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "inner":
            object.__setattr__(self, name, value)
        else:
            setattr(self.inner, name, value)


def instrument(session: requests.Session) -> None:
    """Mount a wrapper in place of each of the session's adapters (idempotent)."""
    for prefix, adapter in list(session.adapters.items()):
        if not isinstance(adapter, EvidenceAdapter):
            session.mount(prefix, EvidenceAdapter(adapter))
