"""The neutral value every client adapter builds: one HTTP exchange, library-independent."""

from __future__ import annotations

from typing import NamedTuple

#: How many response (and request) body bytes capture keeps at most.
MAX_TEED_BYTES = 1 << 20


class Exchange(NamedTuple):
    """What happened on one call, as raw as the adapter saw it; redaction happens later.

    Immutable like a frozen dataclass, but a NamedTuple: it is built on every call and a frozen
    dataclass's `__init__` (one `object.__setattr__` per field) costs several microseconds.
    """

    client: str
    method: str
    host: str
    path: str
    started: float  #: wall clock (time.time) at request start
    started_monotonic: float
    duration_s: float  #: request start to response headers, or to the failure
    authorization: str | None
    content_type: str | None
    idempotency_key: str | None
    request_body: bytes | None
    request_streamed: bool
    status: int | None = None
    response_content_type: str | None = None
    response_body: bytes | None = None
    exception: BaseException | None = None
    exception_outcome: str | None = None


_MEDIA_TYPES: dict[str, str | None] = {}


def media_type(content_type: str | None) -> str | None:
    """`Content-Type` without parameters, lower case (cached: a service sends few distinct)."""
    if not content_type:
        return None
    media = _MEDIA_TYPES.get(content_type)
    if media is None:
        media = content_type.split(";", 1)[0].strip().lower() or None
        if len(_MEDIA_TYPES) < 256:
            _MEDIA_TYPES[content_type] = media
    return media


_JSON_TYPES: dict[str | None, bool] = {}
#: `is_json_type`'s cache, for hot paths that look it up themselves (a miss: call it).
JSON_TYPES = _JSON_TYPES


def is_json_type(content_type: str | None) -> bool:
    """True for `application/json` and `+json` media types (or no type at all); cached."""
    known = _JSON_TYPES.get(content_type)
    if known is None:
        media = media_type(content_type)
        known = media is None or media == "application/json" or media.endswith("+json")
        if len(_JSON_TYPES) < 256:
            _JSON_TYPES[content_type] = known
    return known


def host_of(hostname: str, port: int | None, default_port: int | None) -> str:
    """`host[:port]`, the port only when it is not the scheme's default."""
    if port is None or port == default_port:
        return hostname
    return f"{hostname}:{port}"
