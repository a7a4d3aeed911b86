"""What the request carried that the record may not show: the Authorization header's parts and
every value the echo scrubber must look for in the response."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import parse_qsl

from escalate._capture._exchange import HeaderPairs

#: Request headers whose values are protocol plumbing, never secrets (and too common to scrub).
_PLAIN_HEADERS = frozenset({"content-type", "content-length", "host", "accept",
                            "accept-encoding", "connection", "user-agent", "transfer-encoding"})


class Authorization(NamedTuple):
    """An `Authorization` header, taken apart."""

    scheme: str  #: `bearer`, `basic` or `other`
    fingerprinted: str  #: what `auth.fingerprint` is of: the token, the Basic user, the value
    bearer: str | None = None
    basic_user: str | None = None
    basic_password: str | None = None


def _spellings(*names: str) -> dict[str | bytes, str]:
    """Lower-case header names, as text and as bytes, to their text."""
    return {spelling: name for name in names for spelling in (name, name.encode())}


#: The request headers a record reads.
REQUEST_HEADERS = _spellings("authorization", "content-type", "idempotency-key")
#: The response headers an adapter reads (one pass: two `httpx.Headers.get` cost 2.4 times more).
RESPONSE_HEADERS = _spellings("content-type", "content-encoding")


def wanted_headers(headers: HeaderPairs,
                   wanted: dict[str | bytes, str] = REQUEST_HEADERS) -> dict[str, str]:
    """The `wanted` headers (by default those a record reads: `authorization`, `content-type`,
    `idempotency-key`), like `header_map` but decoding only those."""
    found: dict[str, str] = {}
    for name, value in headers:
        key = wanted.get(name.lower())
        if key is not None:
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            found[key] = f"{found[key]}, {text}" if key in found else text
    return found


def header_map(pairs: HeaderPairs) -> dict[str, str]:
    """Headers as `{lower-case name: value}`, repeated ones joined with `, ` (as httpx does)."""
    headers: dict[str, str] = {}
    for name, value in pairs:
        key = (name.decode("latin-1") if isinstance(name, bytes) else name).lower()
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


def parse_authorization(value: str | None) -> Authorization | None:
    """The scheme and parts of an `Authorization` value (None without one)."""
    if not value:
        return None
    scheme, _, credentials = value.strip().partition(" ")
    scheme, credentials = scheme.lower(), credentials.strip()
    if scheme == "bearer":
        return Authorization("bearer", credentials, bearer=credentials or None)
    if scheme == "basic":
        user, password = _basic_parts(credentials)
        return Authorization("basic", user if user is not None else credentials,
                             basic_user=user, basic_password=password)
    return Authorization("other", value)


def _basic_parts(credentials: str) -> tuple[str | None, str | None]:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None, None
    user, _, password = decoded.partition(":")
    return user, password


def hidden_request_values(headers: HeaderPairs, authorization: Authorization | None,
                          query: str, shaped_away: Iterable[str]) -> list[str]:
    """Every value of the request the record does not show verbatim: header values (but
    plumbing), the Authorization parts, query values, and what the shaper replaced."""
    hidden = [value for name, value in header_map(headers).items()
              if name not in _PLAIN_HEADERS]
    if authorization is not None:
        hidden += [part for part in (authorization.bearer, authorization.basic_password) if part]
        if authorization.basic_user is not None and authorization.basic_password:
            hidden.append(f"{authorization.basic_user}:{authorization.basic_password}")
    hidden += [value for _, value in parse_qsl(query, keep_blank_values=True)]
    hidden += shaped_away
    return hidden
