"""One call after its response headers arrived: a capped copy of the body as it is read (the one
tee of every adapter), and the record written exactly once, whatever the client library or
transport does with the stream."""

from __future__ import annotations

import contextlib
import weakref
import zlib
from collections.abc import Callable

from escalate._capture._emit import count_error, next_seq, submit
from escalate._capture._exchange import MAX_TEED_BYTES, Exchange, Request
from escalate._capture._routes import needs_response_body


class ResponseRecorder:
    """The record of one call whose headers arrived, written once: at once when the body is not
    needed (`needs_response_body`, one decision for every adapter), else when the body was read
    or its stream closed, and at the latest when the response object is collected.

    The recorder itself is what the writer is handed (`exchange`): the request's facts are read
    and the kept body joined (and decompressed) on the writer's side, not the caller's.
    """

    __slots__ = ("__weakref__", "_body", "_chunks", "_done", "_duration", "_encoding",
                 "_request", "_seq", "_size", "_status", "_type", "needs_body")

    def __init__(self, raw_path: str, request: Callable[[], Request], duration_s: float,
                 status: int, content_type: str | None,
                 content_encoding: str | None = None) -> None:
        """`raw_path`: the request's percent-encoded path (what `needs_response_body` asks);
        `request`: builds the request's facts, called once, on the writer's side."""
        self._request, self._duration, self._status = request, duration_s, status
        self._type, self._encoding = content_type, content_encoding
        self.needs_body = needs_response_body(raw_path, status, content_type)
        self._chunks: list[bytes] = []
        self._size = 0
        self._done = False
        self._body: bytes | None = None
        self._seq = 0

    def keep(self, chunk: bytes) -> None:
        """Copy a chunk of the body as it is read (or the part of it under `MAX_TEED_BYTES`)."""
        room = MAX_TEED_BYTES - self._size
        if room > 0 and chunk:
            self._chunks.append(bytes(chunk[:room]))
            self._size += min(len(chunk), room)

    def body(self) -> bytes:
        """The kept bytes, decompressed when they were gzip/deflate-encoded."""
        raw = b"".join(self._chunks)
        if self._encoding is None or not raw:
            return raw
        if self._encoding.strip().lower() not in ("gzip", "deflate"):
            return raw
        try:
            return zlib.decompressobj(47).decompress(raw, MAX_TEED_BYTES)
        except zlib.error:
            return b""

    @property
    def read_now(self) -> bool:
        """Whether the adapter reads the body itself, before the user: an error's body is small
        and holds the `requestId` support asks for, even when the application never reads it."""
        return self.needs_body and self._status >= 400

    def watch(self, response: object) -> None:
        """Write the record when `response` is collected, if nothing wrote it before (for a
        recorder that the response does not own; one that it owns, through a tee stream, is
        written when it is collected with the response: `__del__`)."""
        weakref.finalize(response, self.finish)

    def __del__(self) -> None:
        if not self._done:
            with contextlib.suppress(Exception):  # at interpreter exit modules may be gone
                self.finish()

    def finish(self, body: bytes | None = None) -> None:
        """Write the record (once) with `body`, or with what the tee kept."""
        if self._done:
            return
        self._done = True
        try:
            self._body, self._seq = body, next_seq()
            submit(self, urgent=self._status >= 400)
        except Exception as error:  # never the user's problem
            count_error("recorder", error)

    def exchange(self) -> Exchange:
        """The finished call as the record builder takes it (built on the writer's side)."""
        body = self._body
        if body is None and self.needs_body:
            body = self.body() or None
        return Exchange(
            request=self._request(), seq=self._seq, duration_s=self._duration,
            status=self._status, response_content_type=self._type,
            response_body=body[:MAX_TEED_BYTES] if body and self.needs_body else None)

    def fail(self, exc: BaseException, outcome: str) -> None:
        """Write the record of a call whose body could not be read."""
        if self._done:
            return
        self._done = True
        try:
            request = self._request()
        except Exception as error:
            count_error("recorder", error)
            return
        emit_failure(request, self._duration, exc, outcome, status=self._status)


def emit_failure(request: Request, duration_s: float, exc: BaseException, outcome: str,
                 status: int | None = None) -> None:
    """Record a call that raised (re-raising is the adapter's part)."""
    try:
        submit(Exchange(request=request, seq=next_seq(), duration_s=duration_s, status=status,
                        exception=exc, exception_outcome=outcome), urgent=True)
    except Exception as error:
        count_error(request.client, error)
