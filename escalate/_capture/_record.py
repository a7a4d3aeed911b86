"""The one record builder: an `Exchange` in, a redacted `kind: call` record (a plain dict) out.

It runs on the writer thread (or the caller's, when configured so); nothing here is cached.
"""

from __future__ import annotations

import datetime
import functools
import os
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

import orjson

from escalate import _schema
from escalate._capture._caches import BoundedCache
from escalate._capture._credentials import (
    Authorization,
    hidden_request_values,
    parse_authorization,
    wanted_headers,
)
from escalate._capture._echo import EchoScrubber
from escalate._capture._exchange import Exchange, Request
from escalate._capture._redaction import FORM_MEDIA_TYPE, Shaper
from escalate._capture._response import Summarizer
from escalate._capture._routes import Route, is_json_type, media_type, route_of
from escalate._capture._settings import fingerprint
from escalate._capture._tokens import TOKENS

MAX_PARSED_BYTES = 1 << 20


_last_second: list[tuple[int, str]] = [(-1, "")]


def utc_timestamp(wall: float) -> str:
    """`2026-11-27T11:08:55.123456Z` for a `time.time()` value (microseconds truncated). The
    formatted second is kept for the next record: formatting it costs most of the builder's
    fixed work, and records come many to a second."""
    second = int(wall)
    known, prefix = _last_second[0]
    if second != known:
        moment = datetime.datetime.fromtimestamp(second, datetime.timezone.utc)
        prefix = moment.strftime("%Y-%m-%dT%H:%M:%S.")
        _last_second[0] = (second, prefix)
    return "%s%06dZ" % (prefix, (wall - second) * 1_000_000)  # noqa: UP031 (a quarter cheaper)


class Site(NamedTuple):
    """What a call site (URL path, `Authorization` value, `Content-Type`) implies."""

    route: Route
    media_type: str | None
    authorization: Authorization | None
    auth_fingerprint: str | None  #: of the token, the Basic user or the value


def _site(key: tuple[str, str | None, str | None]) -> Site:
    raw_path, authorization_value, content_type = key
    authorization = parse_authorization(authorization_value)
    return Site(route_of(raw_path), media_type(content_type), authorization,
                None if authorization is None else fingerprint(authorization.fingerprinted))


#: Call site -> `Site`: the costliest facts that repeat on every call.
_SITES: BoundedCache[tuple[str, str | None, str | None], Site] = BoundedCache(1024)


class RequestView(NamedTuple):
    """The request as the record shows it, and what it hides."""

    site: Site
    idempotency_key: str | None
    payload: Any  #: the body's shape
    parsed: Any  #: the body parsed as JSON, or None
    client_id: str | None
    hidden: Callable[[], list[str]]  #: values not shown verbatim (what echoes are scrubbed of)


def view_request(request: Request) -> RequestView:
    """Shape the request: route, media type, credentials, payload."""
    headers = wanted_headers(request.headers)
    site = _SITES.get((request.raw_path, headers.get("authorization"),
                       headers.get("content-type")), _site)
    shaper = Shaper()
    payload, parsed = _payload(request, site.media_type, shaper)
    return RequestView(
        site=site, idempotency_key=headers.get("idempotency-key"), payload=payload,
        parsed=parsed, client_id=_client_id(site, request, parsed),
        hidden=functools.partial(hidden_request_values, request.headers, site.authorization,
                                 request.query, shaper.hidden))


def _payload(request: Request, media: str | None, shaper: Shaper) -> tuple[Any, Any]:
    """(the body's shape, the body parsed as JSON or None)."""
    body = request.body
    if request.streamed:
        return "<stream>", None
    if not body:
        return None, None
    if len(body) <= MAX_PARSED_BYTES:
        if media == FORM_MEDIA_TYPE:
            return shaper.form(body), None
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
        else:
            return shaper.shape(parsed), parsed
    shaper.hidden.append(body[:MAX_PARSED_BYTES].decode("utf-8", "replace"))
    return f"<unparsed:{len(body)} bytes>", None


def _client_id(site: Site, request: Request, parsed: Any) -> str | None:
    """The OAuth client id of a token request: the form's (or JSON body's) `client_id`, else
    the Basic user name. An identifier, not a secret: kept verbatim."""
    if site.route.stage != _schema.STAGE_TOKEN:
        return None
    found: Any = None
    authorization = site.authorization
    if site.media_type == FORM_MEDIA_TYPE and request.body:
        found = dict(parse_qsl(request.body.decode("utf-8", "replace"))).get("client_id")
    elif isinstance(parsed, dict):
        found = parsed.get("client_id")
    if not found and authorization is not None:
        found = authorization.basic_user
    return found if isinstance(found, str) and found else None


def _parsed_response(exchange: Exchange) -> Any:
    body = exchange.response_body
    if not body or not is_json_type(exchange.response_content_type):
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def _outcome(exchange: Exchange) -> str:
    if exchange.exception is not None:
        return exchange.exception_outcome or _schema.OUTCOME_ERROR
    status = exchange.status
    return _schema.OUTCOME_HTTP_ERROR if status is not None and status >= 400 else (
        _schema.OUTCOME_OK)


def build_call_record(exchange: Exchange) -> dict[str, Any]:
    """Build the `kind: call` record of one exchange (docs/record-schema.md)."""
    request, view = exchange.request, view_request(exchange.request)
    body = _parsed_response(exchange)
    summarizer = Summarizer(Shaper(), EchoScrubber(view.hidden))
    errors = summarizer.error_fields(body)
    auth, token = _credential_fields(view, request)
    idempotency, operation = _send_fields(view)
    ok = exchange.status is not None and 200 <= exchange.status < 300
    stage = view.site.route.stage
    if ok and stage == _schema.STAGE_TOKEN:
        _remember_token(exchange, body)
    return {
        "schema": _schema.SCHEMA, "kind": _schema.KIND_CALL,
        "ts": utc_timestamp(request.started), "pid": os.getpid(), "seq": exchange.seq,
        "client": request.client, "method": request.method, "host": request.host,
        "route": view.site.route.route, "stage": stage,
        "duration_ms": round(exchange.duration_s * 1000, 3), "status": exchange.status,
        "outcome": _outcome(exchange),
        "exception": None if exchange.exception is None else type(exchange.exception).__name__,
        "request_id": errors.request_id, "error_code": errors.error_code,
        "error_message": errors.error_message,
        "auth": auth, "client_id": view.client_id, "token": token,
        "content_type": view.site.media_type, "payload": view.payload,
        "idempotency": idempotency, "operation": operation,
        "response": summarizer.summary(stage, ok, body),
    }


def _credential_fields(view: RequestView, request: Request) -> tuple[Any, Any]:
    """`auth` and `token`."""
    site = view.site
    authorization, auth_fingerprint = site.authorization, site.auth_fingerprint
    auth = None if authorization is None else {
        "scheme": authorization.scheme, "fingerprint": auth_fingerprint}
    bearer = None if authorization is None else authorization.bearer
    token = None
    if bearer is not None and site.route.stage != _schema.STAGE_TOKEN:
        token = TOKENS.freshness(bearer, request.started_monotonic, request.started,
                                 token_fingerprint=auth_fingerprint)
    return auth, token


def _send_fields(view: RequestView) -> tuple[Any, str | None]:
    """`idempotency` (a send, or any request carrying a key) and `operation` (a send)."""
    key, is_send = view.idempotency_key, view.site.route.stage == _schema.STAGE_SEND
    idempotency = None
    if is_send or key is not None:
        idempotency = {"present": key is not None,
                       "fingerprint": None if key is None else fingerprint(key)}
    operation = None
    if is_send and view.parsed is not None:
        operation = fingerprint(orjson.dumps(view.parsed, option=orjson.OPT_SORT_KEYS))
    return idempotency, operation


def _remember_token(exchange: Exchange, body: Any) -> None:
    token = body.get("access_token") if isinstance(body, dict) else None
    if isinstance(token, str):
        expires_in = body.get("expires_in")
        TOKENS.acquired(fingerprint(token), expires_in if isinstance(expires_in, int) else None,
                        exchange.request.started_monotonic + exchange.duration_s)
