"""requests: an adapter wrapper mounted in place of each of the session's adapters.

With `stream=False` the session reads the body right after the adapter returns anyway, so the
wrapper reads it first (the same bytes, cached on the response) when the record needs it. With
`stream=True` the body belongs to the user: it is copied as the user reads it, and the record is
written when the response is closed or collected.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter

from escalate import _schema
from escalate._capture._emit import count_error
from escalate._capture._exchange import Request, host_of
from escalate._capture._tee import ResponseRecorder, emit_failure


def request_of(request: requests.PreparedRequest, started: float, mono: float) -> Request:
    """What the record needs from a prepared request."""
    parts = urlsplit(request.url or "")
    body, streamed = _request_body(request.body)
    return Request(
        client="requests", method=request.method or "",
        host=host_of(parts.scheme, parts.hostname or "", parts.port), raw_path=parts.path or "/",
        query=parts.query, headers=list(request.headers.items()), body=body, streamed=streamed,
        started=started, started_monotonic=mono)


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


class _TeeRaw:
    """The urllib3 response's `stream`, copying what the user reads for the record."""

    def __init__(self, raw: Any, recorder: ResponseRecorder) -> None:
        self._raw, self._recorder = raw, recorder

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        """The raw response's chunks, each copied; the record once they are all read."""
        for chunk in self._raw.stream(*args, **kwargs):
            self._recorder.keep(chunk)
            yield chunk
        self._recorder.finish()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


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
        started, mono = time.time(), time.perf_counter()
        try:
            response = self.inner.send(request, stream=stream, timeout=timeout, verify=verify,
                                       cert=cert, proxies=proxies)
        except BaseException as exc:
            _record_failure(request, started, mono, exc)
            raise
        recorder = _recorder(request, started, mono, response)
        if recorder is not None and recorder.needs_body:
            _read_or_tee(recorder, response, stream)
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


def _record_failure(request: requests.PreparedRequest, started: float, mono: float,
                    exc: BaseException) -> None:
    try:
        emit_failure(request_of(request, started, mono), time.perf_counter() - mono, exc,
                     _failure_outcome(exc))
    except Exception as error:
        count_error("requests", error)


def _recorder(request: requests.PreparedRequest, started: float, mono: float,
              response: requests.Response) -> ResponseRecorder | None:
    """The call's recorder, its record written already when no body is needed."""
    try:
        recorder = ResponseRecorder(
            urlsplit(request.url or "").path or "/",
            functools.partial(request_of, request, started, mono), time.perf_counter() - mono,
            response.status_code, response.headers.get("Content-Type"))
        if not recorder.needs_body:
            recorder.finish()
    except Exception as error:  # e.g. a URL urlsplit rejects: never the user's problem
        count_error("requests", error)
        return None
    return recorder


def _read_or_tee(recorder: ResponseRecorder, response: requests.Response, stream: bool) -> None:
    """Read the body now (the session would), or copy it as the streaming user reads it."""
    if stream and not recorder.read_now:
        try:
            response.raw = _TeeRaw(response.raw, recorder)
        except Exception as error:
            count_error("requests", error)
        return
    try:
        body = response.content
    except BaseException as exc:
        recorder.fail(exc, _failure_outcome(exc))
        raise
    recorder.finish(body)


def instrument(session: requests.Session) -> None:
    """Mount a wrapper in place of each of the session's adapters (idempotent)."""
    for prefix, adapter in list(session.adapters.items()):
        if not isinstance(adapter, EvidenceAdapter):
            session.mount(prefix, EvidenceAdapter(adapter))
