"""HAR 1.2 export of evidence records: the format support teams ask for.

Built from records that have already been through the secret scan, and labelled so that no
reader takes a summary for the real thing (HAR `comment` members):

- request bodies are the recorded *shapes* (as JSON text): `postData.comment` says so;
- responses are the recorded summaries: `content.comment` says "shape summary";
- `Idempotency-Key` is the key's fingerprint as a descriptor (`<fp:fp_...>`), with a comment;
- `Authorization` shows that a credential was sent and its scheme, never the credential:
  `Bearer <redacted>` / `Basic <redacted>`, the comment giving its fingerprint. Cookies are never
  written: the records do not hold them.

Records carry the host but not the scheme: `http` is used for loopback hosts (`127.0.0.1`,
`localhost`, `[::1]`), `https` for every other host. Webhook receipts carry no host at all:
they become `POST http://webhook-receiver.invalid<route>` entries (the `.invalid` top-level domain
is reserved, so the URL can never point anywhere real), with the receiver's answer as response.
"""

from __future__ import annotations

import http
from collections.abc import Iterable
from typing import Any, Final

import orjson

from escalate._capture._scan import TOKEN_MARKER
from escalate._scan._safe import FINGERPRINT_RE
from escalate._schema import HEADER_IDEMPOTENCY_KEY, KIND_CALL, STAGE_WEBHOOKS
from escalate._version import __version__

HAR_VERSION: Final = "1.2"
WEBHOOK_HOST: Final = "webhook-receiver.invalid"
_LOOPBACK: Final = ("127.", "localhost", "[::1]")
_JSON: Final = "application/json"
#: How the `Authorization` header reads for each recorded scheme.
_AUTH_SCHEMES: Final = {"bearer": "Bearer ", "basic": "Basic "}
LOG_COMMENT: Final = (
    "Redacted evidence written by escalate: request bodies are shapes, responses are shape "
    "summaries, credentials and Idempotency-Keys are never included (see each comment)."
)
WEBHOOK_BODY_COMMENT: Final = (
    "The fields escalate recorded from the webhook body; the body itself is never stored "
    "(its SHA-256 is _escalate.bodySha256)."
)
REQUEST_BODY_COMMENT: Final = (
    "Shape of the request body: each value replaced by a descriptor (<e164>, <text:len=N>, ...)."
)
RESPONSE_BODY_COMMENT: Final = (
    "Shape summary of the response body recorded by escalate (the fields support needs, "
    "phone numbers and text as descriptors), not the body as received."
)


def har_document(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Return the HAR 1.2 document (a plain dict) of call and webhook records, oldest first."""
    entries = [_entry(record) for record in records if isinstance(record, dict)]
    entries.sort(key=lambda entry: str(entry["startedDateTime"]))
    return {
        "log": {
            "version": HAR_VERSION,
            "creator": {"name": "escalate", "version": __version__},
            "pages": [],
            "entries": entries,
            "comment": LOG_COMMENT,
        }
    }


def _entry(record: dict[str, Any]) -> dict[str, Any]:
    """One HAR entry for one record."""
    if record.get("kind") == KIND_CALL:
        return _call_entry(record)
    return _webhook_entry(record)


def _call_entry(record: dict[str, Any]) -> dict[str, Any]:
    """A call record as a HAR entry."""
    duration = _number(record.get("duration_ms"))
    return {
        "startedDateTime": str(record.get("ts", "")),
        "time": duration,
        "request": _call_request(record),
        "response": _response(record.get("status"), record.get("response"), record),
        "cache": {},
        "timings": {"send": 0, "wait": duration, "receive": 0},
        "_escalate": {
            "kind": KIND_CALL,
            "outcome": record.get("outcome"),
            "requestId": record.get("request_id"),
            "stage": record.get("stage"),
            "errorCode": record.get("error_code"),
        },
    }


def _call_request(record: dict[str, Any]) -> dict[str, Any]:
    """The request part of a call entry."""
    host = str(record.get("host") or "unknown.invalid")
    scheme = "http" if host.startswith(_LOOPBACK) else "https"
    request: dict[str, Any] = {
        "method": str(record.get("method") or "GET"),
        "url": f"{scheme}://{host}{record.get('route') or '/'}",
        "httpVersion": "HTTP/1.1",
        "headers": _request_headers(record),
        "queryString": [],
        "cookies": [],
        "headersSize": -1,
        "bodySize": -1 if record.get("payload") is not None else 0,
    }
    if record.get("payload") is not None:
        request["postData"] = {
            "mimeType": str(record.get("content_type") or "application/octet-stream"),
            "text": _json_text(record["payload"]),
            "comment": REQUEST_BODY_COMMENT,
        }
    return request


def _request_headers(record: dict[str, Any]) -> list[dict[str, str]]:
    """The allowlisted request headers: Content-Type; Authorization, Idempotency-Key redacted."""
    headers = []
    if isinstance(record.get("content_type"), str):
        headers.append({"name": "Content-Type", "value": record["content_type"]})
    redacted = (_authorization_header(record.get("auth")), _idempotency_header(record))
    return headers + [header for header in redacted if header is not None]


def _idempotency_header(record: dict[str, Any]) -> dict[str, str] | None:
    """`Idempotency-Key: <fp:fp_...>`: the key's fingerprint, marked as one."""
    idempotency = record.get("idempotency")
    if not isinstance(idempotency, dict):
        return None
    fingerprint = _fingerprint(idempotency.get("fingerprint"))
    if fingerprint is None:
        return None
    return {
        "name": HEADER_IDEMPOTENCY_KEY,
        "value": f"<fp:{fingerprint}>",
        "comment": f"Fingerprint of the key, not the key: equal keys have equal fingerprints "
        f"({fingerprint}).",
    }


def _authorization_header(auth: object) -> dict[str, str] | None:
    """`Bearer <redacted>` (or Basic) with the credential's fingerprint in the comment."""
    if not isinstance(auth, dict):
        return None
    scheme = _AUTH_SCHEMES.get(str(auth.get("scheme")), "")
    fingerprint = _fingerprint(auth.get("fingerprint"))
    what = {"Basic ": "the client id", "Bearer ": "the token"}.get(scheme, "the credential")
    comment = "A credential was sent; it is never recorded."
    if fingerprint is not None:
        comment += f" Fingerprint of {what}: {fingerprint}."
    return {"name": "Authorization", "value": scheme + TOKEN_MARKER, "comment": comment}


def _response(status: object, summary: object, record: dict[str, Any]) -> dict[str, Any]:
    """A HAR response; status 0 and the exception name as status text when none arrived."""
    code = status if isinstance(status, int) and not isinstance(status, bool) else 0
    text = _json_text(summary) if summary is not None else ""
    return {
        "status": code,
        "statusText": _status_text(code, record),
        "httpVersion": "HTTP/1.1" if code else "",
        "cookies": [],
        "headers": [],
        "content": _content(text),
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": -1,
    }


def _fingerprint(value: object) -> str | None:
    """A recorded fingerprint (`fp_` and 12 hex digits), or None for anything else."""
    return value if isinstance(value, str) and FINGERPRINT_RE.fullmatch(value) else None


def _content(text: str) -> dict[str, Any]:
    """A response's content: the recorded summary, labelled as such."""
    content: dict[str, Any] = {
        "size": len(text.encode()), "mimeType": _JSON if text else "", "text": text,
    }  # fmt: skip
    if text:
        content["comment"] = RESPONSE_BODY_COMMENT
    return content


def _status_text(code: int, record: dict[str, Any]) -> str:
    """The reason phrase of a status, or what happened instead of a response."""
    if code == 0:
        return str(record.get("exception") or record.get("outcome") or "")
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return ""


def _webhook_entry(record: dict[str, Any]) -> dict[str, Any]:
    """A webhook receipt as a HAR entry: the sender's POST and the receiver's answer."""
    received = {
        key: record.get(key)
        for key in ("event", "message_id", "sequence", "provider_message_ref", "failure")
        if record.get(key) is not None
    }
    body_size = record.get("body_size")
    return {
        "startedDateTime": str(record.get("ts", "")),
        "time": 0,
        "request": {
            "method": "POST",
            "url": f"http://{WEBHOOK_HOST}{record.get('route') or '/'}",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": "Content-Type", "value": _JSON}],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": body_size if isinstance(body_size, int) else -1,
            "postData": {
                "mimeType": _JSON,
                "text": _json_text(received),
                "comment": WEBHOOK_BODY_COMMENT,
            },
        },
        "response": _response(record.get("response_status"), None, record),
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
        "_escalate": _webhook_fields(record),
    }


def _webhook_fields(record: dict[str, Any]) -> dict[str, Any]:
    """escalate's custom fields of a webhook entry."""
    return {
        "kind": "webhook",
        "stage": STAGE_WEBHOOKS,
        "event": record.get("event"),
        "messageId": record.get("message_id"),
        "signature": record.get("signature"),
        "outcome": "ok" if _answered_2xx(record.get("response_status")) else "rejected",
        "requestId": None,
        "bodySha256": record.get("body_sha256"),
    }


def _answered_2xx(status: object) -> bool:
    """True when the receiver answered with a 2xx status."""
    return isinstance(status, int) and 200 <= status < 300


def _number(value: object) -> float:
    """A non-negative duration in milliseconds (0 when unknown)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return round(float(value), 3)
    return 0.0


def _json_text(value: object) -> str:
    """Compact JSON text of a shape or summary, keys in their recorded order."""
    return orjson.dumps(value, default=str).decode()
