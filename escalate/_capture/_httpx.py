"""httpx: transport wrappers (sync and async) around the client's transport and every mount.

The hot path of every call: what can be computed once (a URL's host and path, which headers are
wanted) is looked up in small bounded caches, headers are read in one pass over httpx's own
lower-cased list, and one object per call both tees the response stream and writes the record.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import unquote

import httpx

from escalate import _schema
from escalate._capture._emit import count_error, emit_exchange
from escalate._capture._exchange import (
    JSON_TYPES,
    MAX_TEED_BYTES,
    Exchange,
    is_json_type,
    media_type,
)

_REQUEST_HEADERS = (b"authorization", b"content-type", b"idempotency-key")
_RESPONSE_HEADERS = (b"content-type", b"content-encoding")
MAX_CACHED = 1024
_HOSTS: dict[tuple[str, int | None], str] = {}
_PATHS: dict[str, str] = {}

#: What the record needs from the request: method, host, path, Authorization, Content-Type,
#: Idempotency-Key, body, and whether the body was a stream escalate did not read.
RequestFacts = tuple[str, str, str, "str | None", "str | None", "str | None", "bytes | None", bool]


def _picked(headers: httpx.Headers, wanted: tuple[bytes, ...], *, join: bool) -> list[str | None]:
    """The wanted headers' values, by lower-case name, in one pass over httpx's list.

    A repeated header: the last value wins, or with `join` all are joined like `Headers.get`.
    A plain loop keeping the few wanted names costs half of `dict(map(...))` over all headers.
    """
    names = _NAME_SETS.get(wanted) or _NAME_SETS.setdefault(wanted, frozenset(wanted))
    try:  # httpx's own `(raw name, lower-case name, value)` list
        triples = headers._list
    except AttributeError:  # that internal is gone: build it
        triples = [(name, name.lower(), value) for name, value in headers.raw]
    found: dict[bytes, str] = {}
    for _, name, value in triples:
        if name in names:
            text = value.decode("latin-1")
            found[name] = f"{found[name]}, {text}" if join and name in found else text
    return list(map(found.get, wanted))


_NAME_SETS: dict[tuple[bytes, ...], frozenset[bytes]] = {}


def _remember(cache: dict[Any, str], key: Any, value: str) -> str:
    if len(cache) >= MAX_CACHED:
        cache.clear()
    cache[key] = value
    return value


def request_facts(request: httpx.Request) -> RequestFacts:
    """Everything the record needs from the request, read once (host and path from their
    caches: a client talks to few hosts and routes)."""
    url = request.url
    try:
        reference = url._uri_reference
        host_key, raw_path = (reference.host, reference.port), reference.path or "/"
    except AttributeError:
        host, path = url.netloc.decode("ascii"), url.path
    else:
        host = _HOSTS.get(host_key) or _remember(_HOSTS, host_key, url.netloc.decode("ascii"))
        path = _PATHS.get(raw_path) or _remember(_PATHS, raw_path, unquote(raw_path))
    authorization, content_type, idempotency_key = _picked(
        request.headers, _REQUEST_HEADERS, join=False)
    try:
        body, streamed = request.content, False
    except httpx.RequestNotRead:
        body, streamed = None, True
    return (request.method, host, path, authorization, content_type, idempotency_key, body,
            streamed)


def _failure_outcome(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return _schema.OUTCOME_TIMEOUT
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError | httpx.ProxyError):
        return _schema.OUTCOME_CONNECTION_ERROR
    return _schema.OUTCOME_ERROR


def _record_failure(
    client: str, request: httpx.Request, started: float, mono: float, exc: BaseException
) -> None:
    try:
        duration = time.perf_counter() - mono
        method, host, path, auth, content_type, key, body, streamed = request_facts(request)
        emit_exchange(Exchange(
            client, method, host, path, started, mono, duration, auth, content_type, key, body,
            streamed, exception=exc, exception_outcome=_failure_outcome(exc)))
    except Exception as error:
        count_error("httpx", error)


class _Recording:
    """One call after its headers arrived: the exchange's fields so far, a capped copy of the
    body the user reads, and the record, written once when the stream is closed (or at once
    when no body is needed). The tee streams below are this plus the stream protocol, so a call
    costs one object."""

    __slots__ = ("_chunks", "_done", "_encoding", "_fields", "_inner", "_room")

    def __init__(self, inner: Any, fields: tuple[Any, ...], encoding: str | None) -> None:
        #: Exchange fields from `client` to `response_content_type`.
        self._fields = fields
        self._inner = inner
        self._encoding = encoding
        self._chunks: list[bytes] = []
        self._room = MAX_TEED_BYTES
        self._done = False

    def keep(self, chunk: bytes) -> None:
        """Copy a chunk (or the part of it under the cap)."""
        room = self._room
        if room > 0 and chunk:
            self._chunks.append(chunk if len(chunk) <= room else chunk[:room])
            self._room = room - len(chunk)

    def finish(self, teed: bool) -> None:
        """Write the record (once), with the teed body when there is one."""
        if self._done:
            return
        self._done = True
        try:
            body = None if not teed else self._body() if self._encoding is not None else (
                b"".join(self._chunks))
            emit_exchange(_new_exchange(Exchange, (*self._fields, body, None, None)))
        except Exception as error:
            count_error("httpx", error)

    def _body(self) -> bytes:
        raw = b"".join(self._chunks)
        if not raw or media_type(self._encoding) not in ("gzip", "deflate"):
            return raw
        return _decompressed(raw)


#: `Exchange._make` without its Python frame (a NamedTuple is a tuple: same value).
_new_exchange = tuple.__new__


def _decompressed(raw: bytes) -> bytes:
    try:
        return zlib.decompressobj(47).decompress(raw, MAX_TEED_BYTES)
    except zlib.error:
        return b""


class _TeeStream(_Recording, httpx.SyncByteStream):
    """The response stream as the user reads it, with a capped copy kept for the record."""

    __slots__ = ()

    def __iter__(self) -> Iterator[bytes]:
        chunks = self._chunks
        for chunk in self._inner:
            room = self._room  # `keep`, inline: one call less per chunk
            if room > 0 and chunk:
                chunks.append(chunk if len(chunk) <= room else chunk[:room])
                self._room = room - len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self.finish(teed=True)


class _AsyncTeeStream(_Recording, httpx.AsyncByteStream):
    """The async twin of `_TeeStream`."""

    __slots__ = ()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        keep = self.keep
        async for chunk in self._inner:
            keep(chunk)
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self.finish(teed=True)


def _attach(client: str, request: httpx.Request, started: float, mono: float,
            response: httpx.Response, *, asynchronous: bool) -> None:
    """Record now, or tee the body and record when the user's stream closes.

    The body is needed for JSON on a documented route, or a JSON error.
    """
    try:
        duration = time.perf_counter() - mono
        method, host, path, auth, content_type, key, body, streamed = request_facts(request)
        status = response.status_code
        response_type, encoding = _picked(response.headers, _RESPONSE_HEADERS, join=True)
        fields = (client, method, host, path, started, mono, duration, auth, content_type, key,
                  body, streamed, status, response_type)
        tee = (_AsyncTeeStream if asynchronous else _TeeStream)(response.stream, fields, encoding)
        if (JSON_TYPES.get(response_type) or is_json_type(response_type)) and (
                path in _schema.STAGE_BY_ROUTE or status >= 400):
            response.stream = tee
        else:
            tee.finish(teed=False)
    except Exception as error:
        count_error("httpx", error)


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
        _attach("httpx", request, started, mono, response, asynchronous=False)
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
        _attach("httpx-async", request, started, mono, response, asynchronous=True)
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
