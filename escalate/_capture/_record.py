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
    """Build the `kind: call` record of one exchange (docs/record-schema.md)."""
    stage = _schema.STAGE_BY_ROUTE.get(exchange.path) or _schema.stage_for_route(exchange.path)
    body = _response_json(exchange)
    request_json = _request_json(exchange)
    record: dict[str, Any] = {
        "schema": _schema.SCHEMA,
        "kind": _schema.KIND_CALL,
        "ts": utc_timestamp(exchange.started),
        "pid": _PID[0],
        "seq": next(_SEQUENCE),
        "client": exchange.client,
        "method": exchange.method,
        "host": exchange.host,
        "route": _route(exchange.path),
        "stage": stage,
        "duration_ms": round(exchange.duration_s * 1000.0, 3),
        "status": exchange.status,
        "outcome": _outcome(exchange),
        "exception": None if exchange.exception is None else type(exchange.exception).__name__,
    }
    record.update(_response.error_fields(stage, body))
    record.update(_request_fields(exchange, stage, request_json))
    record["response"] = _summary(exchange, stage, body)
    return record


def _request_fields(exchange: Exchange, stage: str, request_json: Any) -> dict[str, Any]:
    key = exchange.idempotency_key
    needs_key = stage == _schema.STAGE_SEND or key is not None
    is_send = stage == _schema.STAGE_SEND and request_json is not _NOT_JSON
    return {
        "auth": _auth(exchange.authorization),
        "token": _token(exchange, stage) if exchange.authorization else None,
        "content_type": media_type(exchange.content_type),
        "payload": _payload(exchange, request_json),
        "idempotency": _idempotency(key) if needs_key else None,
        "operation": _operation(request_json) if is_send else None,
    }


def _idempotency(key: str | None) -> dict[str, Any]:
    return {"present": key is not None, "fingerprint": None if key is None else fingerprint(key)}


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


def _auth(authorization: str | None) -> dict[str, str] | None:
    if not authorization:
        return None
    scheme, _, credentials = authorization.strip().partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return {"scheme": "bearer", "fingerprint": fingerprint(credentials.strip())}
    if scheme == "basic":
        return {"scheme": "basic", "fingerprint": fingerprint(_basic_user(credentials))}
    return {"scheme": "other", "fingerprint": fingerprint(authorization)}


def _basic_user(credentials: str) -> str:
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return credentials
    return decoded.partition(":")[0]


def _token(exchange: Exchange, stage: str) -> dict[str, Any] | None:
    authorization = exchange.authorization
    if not authorization or stage == _schema.STAGE_TOKEN:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return TOKENS.freshness(token.strip(), exchange.started_monotonic, exchange.started)


def _payload(exchange: Exchange, request_json: Any) -> Any:
    if exchange.request_streamed:
        return "<stream>"
    if request_json is not _NOT_JSON:
        return shape_json(request_json)
    if not exchange.request_body:
        return None
    return shape_body(exchange.request_body, media_type(exchange.content_type))


def _operation(request_json: Any) -> str:
    return fingerprint(orjson.dumps(request_json, option=orjson.OPT_SORT_KEYS))


def _request_json(exchange: Exchange) -> Any:
    body = exchange.request_body
    if not body or len(body) > MAX_PARSED_BYTES or exchange.request_streamed:
        return _NOT_JSON
    if media_type(exchange.content_type) == "application/x-www-form-urlencoded":
        return _NOT_JSON
    return _loads(body)


def _response_json(exchange: Exchange) -> Any:
    body = exchange.response_body
    if not body or not is_json_type(exchange.response_content_type):
        return None
    parsed = _loads(body)
    return None if parsed is _NOT_JSON else parsed


def _loads(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return _NOT_JSON


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
