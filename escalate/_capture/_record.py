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
from escalate._capture import _response, _scan
from escalate._capture._exchange import Exchange, is_json_type, media_type
from escalate._capture._settings import fingerprint
from escalate._capture._shape import MAX_PARSED_BYTES, shape_body, shape_json
from escalate._capture._tokens import TOKENS

_SEQUENCE = itertools.count(1)
_NOT_JSON = object()
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
    """`2026-11-27T11:08:55.123456Z` for a `time.time()` value (the seconds part is cached)."""
    second = int(wall)
    cached_second, prefix = _last_second[0]
    if second != cached_second:
        moment = datetime.datetime.fromtimestamp(second, datetime.timezone.utc)
        prefix = moment.strftime("%Y-%m-%dT%H:%M:%S")
        _last_second[0] = (second, prefix)
    return f"{prefix}.{int((wall - second) * 1_000_000):06d}Z"


def build_call_record(exchange: Exchange) -> dict[str, Any]:
    """Build the `kind: call` record of one exchange (docs/record-schema.md).

    One dict literal in the contract's key order, with per-route and per-credential work looked
    up in bounded caches: this runs on every instrumented call.
    """
    route, stage = _ROUTES.get(exchange.path) or _learn_route(exchange.path)
    request_media = media_type(exchange.content_type)
    body = _response_json(exchange) if exchange.response_body else None
    request_json = _request_json(exchange, request_media)
    errors = _response.error_fields(stage, body)
    exception = exchange.exception
    auth, token = _credentials(exchange, stage) if exchange.authorization else _NO_CREDENTIALS
    key = exchange.idempotency_key
    is_send = stage == _schema.STAGE_SEND
    return {
        "schema": _schema.SCHEMA,
        "kind": _schema.KIND_CALL,
        "ts": utc_timestamp(exchange.started),
        "pid": _PID[0],
        "seq": next(_SEQUENCE),
        "client": exchange.client,
        "method": exchange.method,
        "host": exchange.host,
        "route": route,
        "stage": stage,
        "duration_ms": round(exchange.duration_s * 1000.0, 3),
        "status": exchange.status,
        "outcome": _outcome(exchange) if exception is not None or exchange.status is None
        else _schema.OUTCOME_HTTP_ERROR if exchange.status >= 400 else _schema.OUTCOME_OK,
        "exception": None if exception is None else type(exception).__name__,
        "request_id": errors["request_id"],
        "error_code": errors["error_code"],
        "error_message": errors["error_message"],
        "auth": auth,
        "token": token,
        "content_type": request_media,
        "payload": _payload(exchange, request_json, request_media),
        "idempotency": {"present": key is not None,
                        "fingerprint": None if key is None else fingerprint(key)}
        if is_send or key is not None else None,
        "operation": fingerprint(orjson.dumps(request_json, option=orjson.OPT_SORT_KEYS))
        if is_send and request_json is not _NOT_JSON else None,
        "response": _summary(exchange, stage, body) if body is not None else None,
    }


#: path -> (route, stage): a service calls few distinct paths (bounded, like every cache here).
_ROUTES: dict[str, tuple[str, str]] = {}
MAX_CACHED = 1024


def _learn_route(path: str) -> tuple[str, str]:
    learned = (_route(path), _schema.stage_for_route(path))
    if len(_ROUTES) < MAX_CACHED:
        _ROUTES[path] = learned
    return learned


#: Authorization value -> (scheme, what is fingerprinted, bearer token or None); parsed once.
_CREDENTIALS: dict[str, tuple[str, str, str | None]] = {}


def _parsed_authorization(authorization: str) -> tuple[str, str, str | None]:
    parsed = _CREDENTIALS.get(authorization)
    if parsed is None:
        parsed = _parse_authorization(authorization)
        if len(_CREDENTIALS) >= MAX_CACHED:
            _CREDENTIALS.clear()
        _CREDENTIALS[authorization] = parsed
    return parsed


def _parse_authorization(authorization: str) -> tuple[str, str, str | None]:
    scheme, _, credentials = authorization.strip().partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        token = credentials.strip()
        return "bearer", token, token or None
    if scheme == "basic":
        return "basic", _basic_user(credentials), None
    return "other", authorization, None


def _credentials(exchange: Exchange, stage: str) -> tuple[dict[str, str], Any]:
    """`auth` and `token` (the freshness of a bearer token, not on the token route)."""
    scheme, secret, token = _parsed_authorization(exchange.authorization or "")
    secret_fingerprint = fingerprint(secret)
    freshness = None
    if token is not None and stage != _schema.STAGE_TOKEN:
        freshness = TOKENS.freshness(token, exchange.started_monotonic, exchange.started,
                                     token_fingerprint=secret_fingerprint)
    return {"scheme": scheme, "fingerprint": secret_fingerprint}, freshness


_NO_CREDENTIALS: tuple[None, None] = (None, None)


def _outcome(exchange: Exchange) -> str:
    if exchange.exception is not None:
        return exchange.exception_outcome or _schema.OUTCOME_ERROR
    if exchange.status is not None and exchange.status >= 400:
        return _schema.OUTCOME_HTTP_ERROR
    return _schema.OUTCOME_OK


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


def _payload(exchange: Exchange, request_json: Any, request_media: str | None) -> Any:
    if exchange.request_streamed:
        return "<stream>"
    if request_json is not _NOT_JSON:
        return shape_json(request_json)
    if not exchange.request_body:
        return None
    return shape_body(exchange.request_body, request_media)


def _request_json(exchange: Exchange, request_media: str | None) -> Any:
    body = exchange.request_body
    if not body or len(body) > MAX_PARSED_BYTES or exchange.request_streamed:
        return _NOT_JSON
    if request_media == "application/x-www-form-urlencoded":
        return _NOT_JSON
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return _NOT_JSON


def _response_json(exchange: Exchange) -> Any:
    body = exchange.response_body
    if not body or not is_json_type(exchange.response_content_type):
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


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
