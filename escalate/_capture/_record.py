"""The one record builder: an `Exchange` in, a redacted `kind: call` record (a plain dict) out."""

from __future__ import annotations

import base64
import binascii
import datetime
import itertools
import os
from typing import Any

import orjson

from escalate import _schema
from escalate._capture import _response, _scan, _settings
from escalate._capture._exchange import JSON_TYPES, Exchange, is_json_type, media_type
from escalate._capture._settings import FINGERPRINTER, Fingerprinter, fingerprint
from escalate._capture._shape import FORM_MEDIA_TYPE, MAX_PARSED_BYTES, shape_body, shape_payload
from escalate._capture._tokens import TOKENS

_SEQUENCE = itertools.count(1)
_PID = [os.getpid()]
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: _PID.__setitem__(0, os.getpid()))


def current_pid() -> int:
    """The writer's process id (cached; refreshed in a forked child)."""
    return _PID[0]


def next_seq() -> int:
    """The next per-process record sequence number."""
    return next(_SEQUENCE)


_last_second: list[tuple[int, str]] = [(-1, "")]


def utc_timestamp(wall: float) -> str:
    """`2026-11-27T11:08:55.123456Z` for a `time.time()` value (the seconds part is cached; the
    microseconds are `%06d` of the fraction, truncated like `int()`)."""
    second = int(wall)
    cached_second, prefix = _last_second[0]
    if second != cached_second:
        moment = datetime.datetime.fromtimestamp(second, datetime.timezone.utc)
        prefix = moment.strftime("%Y-%m-%dT%H:%M:%S.")
        _last_second[0] = (second, prefix)
    return "%s%06dZ" % (prefix, (wall - second) * 1_000_000)  # noqa: UP031 (fastest here)


def milliseconds(seconds: float) -> float:
    """Seconds as milliseconds to 3 decimals (`round(x, 3)` formats the float to round it:
    three times dearer than this integer division, which gives the same value)."""
    return int(seconds * 1_000_000.0 + 0.5) / 1000


def build_call_record(exchange: Exchange) -> dict[str, Any]:
    """Build the `kind: call` record of one exchange (docs/record-schema.md).

    This runs on every instrumented call, so it makes few Python calls: what depends only on
    the call site (route, stage, media type, the parsed `Authorization`, its fingerprint) is
    looked up once per site; both bodies are parsed here; the request body goes to the compiled
    shaper of its key layout and a send's response to the send summary (the same values as the
    general ones); fingerprints are cache lookups, but for the operation's (never cached); the
    record is one dict literal in the contract's key order.
    """
    (client, method, host, path, started, mono, duration, authorization, content_type, key,
     request_body, streamed, status, response_type, response_body, exception,
     exception_outcome) = exchange
    site = _SITES.get((path, authorization, content_type))
    if site is None:
        site = _learn_site(path, authorization, content_type)
    route, stage, request_media, is_send, auth, token, token_fingerprint = site
    body = request_json = None
    if response_body and (JSON_TYPES.get(response_type) or is_json_type(response_type)):
        try:
            body = orjson.loads(response_body)
        except orjson.JSONDecodeError:
            body = None
    parsed = not streamed and _parses(request_body, request_media)
    if parsed:
        try:
            request_json = orjson.loads(request_body or b"")
        except orjson.JSONDecodeError:
            parsed = False
    fingerprinter = FINGERPRINTER[0]
    errors = _response.error_fields(stage, body) if type(body) is dict and (
        "error" in body or "requestId" in body) else _response.NO_ERROR
    return {
        "schema": _schema.SCHEMA,
        "kind": _schema.KIND_CALL,
        "ts": utc_timestamp(started),
        "pid": _PID[0],
        "seq": next(_SEQUENCE),
        "client": client,
        "method": method,
        "host": host,
        "route": route,
        "stage": stage,
        "duration_ms": int(duration * 1_000_000.0 + 0.5) / 1000,  # milliseconds(), inline
        "status": status,
        "outcome": (exception_outcome or _schema.OUTCOME_ERROR) if exception is not None
        else _schema.OUTCOME_HTTP_ERROR if status is not None and status >= 400
        else _schema.OUTCOME_OK,
        "exception": None if exception is None else type(exception).__name__,
        "request_id": errors["request_id"],
        "error_code": errors["error_code"],
        "error_message": errors["error_message"],
        "auth": None if auth is None else dict(auth),
        "token": None if token is None else TOKENS.freshness(
            token, mono, started, token_fingerprint=token_fingerprint),
        "content_type": request_media,
        "payload": shape_payload(request_json) if parsed else "<stream>" if streamed
        else _unparsed_payload(request_body, request_media),
        "idempotency": {"present": key is not None, "fingerprint": None if key is None
                        else fingerprinter.cache.get(key) or fingerprinter(key)}
        if is_send or key is not None else None,
        "operation": _operation(fingerprinter, request_json) if is_send and parsed else None,
        "response": None if body is None else _response.send_summary(body) if is_send
        else _summary(exchange, stage, body),
    }


def _parses(body: bytes | None, request_media: str | None) -> bool:
    """Whether a request body is parsed as JSON (one that is not valid JSON is not shaped)."""
    if not body or len(body) > MAX_PARSED_BYTES:
        return False
    return request_media != FORM_MEDIA_TYPE


def _operation(fingerprinter: Fingerprinter, request_json: Any) -> str:
    """The fingerprint of the request body with its keys sorted (what is being sent).

    Not cached: the canonical body holds the message text and recipients, which escalate keeps
    no longer than the call (and a new send rarely repeats one).
    """
    return fingerprinter.uncached(orjson.dumps(request_json, option=orjson.OPT_SORT_KEYS))


#: What a call site (path, Authorization value, Content-Type) implies, worked out once:
#: route, stage, media type, is it a send, the `auth` field, the bearer token whose freshness
#: is recorded (None on the token route or without one) and that token's fingerprint.
Site = tuple[str, str, "str | None", bool, "dict[str, str] | None", "str | None", "str | None"]
_SITES: dict[tuple[str, str | None, str | None], Site] = {}
_settings.DERIVED_CACHES.append(_SITES)  # it holds fingerprints: emptied on a new key
MAX_CACHED = 1024


def _learn_site(path: str, authorization: str | None, content_type: str | None) -> Site:
    route, stage = _route(path), _schema.stage_for_route(path)
    auth, token, token_fingerprint = None, None, None
    if authorization:
        scheme, secret, bearer = _parse_authorization(authorization)
        auth = {"scheme": scheme, "fingerprint": fingerprint(secret)}
        if bearer is not None and stage != _schema.STAGE_TOKEN:
            token, token_fingerprint = bearer, auth["fingerprint"]
    site = (route, stage, media_type(content_type), stage == _schema.STAGE_SEND, auth, token,
            token_fingerprint)
    if len(_SITES) >= MAX_CACHED:
        _SITES.clear()
    _SITES[path, authorization, content_type] = site
    return site


def _parse_authorization(authorization: str) -> tuple[str, str, str | None]:
    """(scheme, what is fingerprinted, bearer token or None)."""
    scheme, _, credentials = authorization.strip().partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        token = credentials.strip()
        return "bearer", token, token or None
    if scheme == "basic":
        return "basic", _basic_user(credentials), None
    return "other", authorization, None


def _route(path: str) -> str:
    if path in _schema.STAGE_BY_ROUTE:
        return path
    return "/".join(_scan.phone_marker(part) or part for part in path.split("/"))


def _basic_user(credentials: str) -> str:
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return credentials
    return decoded.partition(":")[0]


def _unparsed_payload(body: bytes | None, request_media: str | None) -> Any:
    """The payload of a body that did not parse as JSON: form-encoded, unparsed, or none."""
    if not body:
        return None
    return shape_body(body, request_media)


def _summary(exchange: Exchange, stage: str, body: Any) -> dict[str, Any] | None:
    ok = exchange.status is not None and 200 <= exchange.status < 300
    if ok and stage == _schema.STAGE_TOKEN and isinstance(body, dict):
        _remember_token(exchange, body)
    return _response.summarize(stage, ok, body)


def _remember_token(exchange: Exchange, body: dict[str, Any]) -> None:
    token = body.get("access_token")
    if isinstance(token, str):
        expires_in = body.get("expires_in")
        TOKENS.acquired(
            fingerprint(token),
            expires_in if isinstance(expires_in, int) else None,
            exchange.started_monotonic + exchange.duration_s,
        )
