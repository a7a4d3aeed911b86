"""The values that cross from a client adapter to the record builder: one HTTP exchange, as raw
as the adapter saw it (redaction happens on the writer's side), built by keyword."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

#: How many response (and request) body bytes capture keeps at most.
MAX_TEED_BYTES = 1 << 20
#: Request headers as `(name, value)` pairs, text or bytes.
HeaderPairs = Sequence[tuple[str, str]] | Sequence[tuple[bytes, bytes]]


_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class Request(NamedTuple):
    """What was sent, and when."""

    client: str  #: `httpx`, `httpx-async`, `requests`, `aiohttp`
    method: str
    host: str  #: `host_of(...)`
    raw_path: str  #: percent-encoded, without the query
    query: str  #: the raw query string ('' without one)
    headers: HeaderPairs
    body: bytes | None
    streamed: bool  #: the body was a stream escalate did not read
    started: float  #: wall clock (time.time) at request start
    started_monotonic: float  #: time.perf_counter at request start


class Exchange(NamedTuple):
    """One call: its request and what came back (a response, or an exception)."""

    request: Request
    seq: int  #: the record's sequence number, taken when the call ended
    duration_s: float  #: request start to response headers, or to the failure
    status: int | None = None
    response_content_type: str | None = None
    response_body: bytes | None = None
    exception: BaseException | None = None
    exception_outcome: str | None = None

    def exchange(self) -> Exchange:
        """Itself (a `PendingCall` whose facts are all read)."""
        return self


class PendingCall(Protocol):
    """A finished call handed to the writer: its `Exchange` is built there (a recorder reads
    the request's facts and joins the kept body off the caller's thread)."""

    def exchange(self) -> Exchange:
        """The call's exchange."""


def host_of(scheme: str, hostname: str, port: int | None) -> str:
    """`host[:port]`, lower case, the port only when it is not the scheme's default, an IPv6
    address in brackets: the same for every client library."""
    host = hostname.lower()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS.get(scheme.lower()):
        return host
    return f"{host}:{port}"
