"""Summaries of parsed response bodies, by stage, and the error fields of any JSON body."""

from __future__ import annotations

import re
from typing import Any

from escalate import _schema
from escalate._capture import _scan
from escalate._capture._settings import fingerprint
from escalate._capture._shape import plain_string, shape_json

MAX_NUMBERS = 500
MAX_RESULTS = 500
MAX_ERRORS = 20

_ENUM = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
_IDENTIFIER = re.compile(r"[A-Za-z0-9_\-]{1,128}")


_NO_ERROR: dict[str, Any] = {"request_id": None, "error_code": None, "error_message": None}
#: `error_fields` of a body without `error` or `requestId` (shared: never mutate it).
NO_ERROR = _NO_ERROR


def error_fields(stage: str, body: Any) -> dict[str, Any]:
    """`request_id`, `error_code`, `error_message` from a CORE wrapper or an OAuth error body.

    The result may be shared: callers copy it (`dict.update`), never mutate it.
    """
    if not isinstance(body, dict) or ("error" not in body and "requestId" not in body):
        return _NO_ERROR
    fields = dict(_NO_ERROR)
    fields["request_id"] = identifier(body.get("requestId"))
    error = body.get("error")
    if isinstance(error, dict):
        fields["error_code"] = enum(error.get("code"))
        fields["error_message"] = _message(error.get("message"))
    elif isinstance(error, str):
        fields["error_code"] = enum(error)
        fields["error_message"] = _message(body.get("error_description"))
    return fields


def summarize(stage: str, ok: bool, body: Any) -> dict[str, Any] | None:
    """The `response` field: what the diagnosis needs from this stage's body."""
    if not isinstance(body, dict):
        return None
    if stage == _schema.STAGE_SEND:
        return _send(body)
    if not ok:
        return None
    if stage == _schema.STAGE_TOKEN:
        return _token(body)
    if stage == _schema.STAGE_WHOAMI:
        return _whoami(body)
    if stage == _schema.STAGE_NUMBERS:
        return _numbers(body)
    return None


def identifier(value: Any) -> str | None:
    """An identifier kept verbatim when it looks like one (never a phone number)."""
    if type(value) is str and _IDENTIFIER.fullmatch(value) and (
            value[0] not in _scan.PHONE_FIRST_CHARACTERS or _scan.phone_marker(value) is None):
        return value
    return None if value is None else _scan.scan_text(str(value), 128)


def enum(value: Any) -> str | None:
    """A short enumeration value kept verbatim; anything else scanned (remembered, bounded:
    statuses and error codes are few and repeat on every call)."""
    if type(value) is str:
        found = _ENUMS.get(value)
        if found is None:
            found = _ENUMS[value] = _enum(value)
            if len(_ENUMS) > MAX_REMEMBERED_ENUMS:
                _ENUMS.clear()
        return found
    return None if value is None else _scan.scan_text(str(value), 64)


def _enum(value: str) -> str:
    if _ENUM.fullmatch(value) and _scan.phone_marker(value) is None:
        return value
    return _scan.scan_text(value, 64)


_ENUMS: dict[str, str] = {}
MAX_REMEMBERED_ENUMS = 1024


def _message(value: Any) -> str | None:
    return None if value is None else _scan.scan_text(str(value))


def _token(body: dict[str, Any]) -> dict[str, Any]:
    token = body.get("access_token")
    expires_in = body.get("expires_in")
    return {
        "token_type": enum(body.get("token_type")),
        "expires_in": expires_in if isinstance(expires_in, int) else None,
        "token_fingerprint": fingerprint(token) if isinstance(token, str) else None,
    }


def _whoami(body: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    if "apiClientId" in body:
        summary["apiClientId"] = identifier(body["apiClientId"])
    if isinstance(body.get("apiClientStatus"), str):
        summary["apiClientStatus"] = enum(body["apiClientStatus"])
    if isinstance(body.get("capabilities"), list):
        summary["capabilities"] = [enum(item) for item in body["capabilities"][:50]]
    counts = body.get("assignedNumbers")
    if isinstance(counts, dict):
        summary["assignedNumbers"] = {
            key: value for key, value in counts.items()
            if key in ("total", "smsEnabledCount", "mmsEnabledCount") and isinstance(value, int)
        }
    for flag in ("inboundWebhookConfigured", "deliveryWebhookConfigured"):
        if isinstance(body.get(flag), bool):
            summary[flag] = body[flag]
    return summary


def _numbers(body: dict[str, Any]) -> dict[str, Any]:
    numbers = body.get("numbers")
    if not isinstance(numbers, list):
        return {"numbers": None}
    return {"numbers": [_number(item) for item in numbers[:MAX_NUMBERS] if isinstance(item, dict)]}


def _number(item: dict[str, Any]) -> dict[str, Any]:
    e164 = item.get("e164")
    registration = item.get("campaignRegId", item.get("campaignregId"))
    return {
        "numberId": identifier(item.get("numberId")),
        "status": enum(item.get("status")),
        "smsEnabled": item.get("smsEnabled") if isinstance(item.get("smsEnabled"), bool) else None,
        "mmsEnabled": item.get("mmsEnabled") if isinstance(item.get("mmsEnabled"), bool) else None,
        "campaignRegistered": bool(registration),
        "e164": _scan.phone_marker(e164) if isinstance(e164, str) else None,
    }


def _send(body: dict[str, Any]) -> dict[str, Any]:
    results = body.get("results")
    errors = body.get("errors")
    if not isinstance(errors, list):
        errors = None
    return {
        "results": [_result(item) for item in results[:MAX_RESULTS] if isinstance(item, dict)]
        if isinstance(results, list) else [],
        "errors_count": 0 if errors is None else len(errors),
        "errors": [shape_json(item) for item in errors[:MAX_ERRORS]] if errors else [],
    }


def send_summary(body: Any) -> dict[str, Any] | None:
    """`summarize(STAGE_SEND, ok, body)` in one call for the documented layout (`results` a
    list of objects whose `to`, `messageId` and `status` are strings): their rules' common
    cases inline (an E.164 `to`, an identifier-like `messageId`, a remembered status).
    Anything else goes to the general summary; tests/capture/test_flat_paths.py proves both
    give the same value.
    """
    if type(body) is not dict:
        return summarize(_schema.STAGE_SEND, True, body)
    results, errors = body.get("results"), body.get("errors")
    if type(results) is not list or len(results) > MAX_RESULTS or type(errors) is not list:
        return _send(body)
    summaries: list[dict[str, Any]] = []
    for item in results:
        if type(item) is not dict:
            continue
        to, message_id, status = item.get("to"), item.get("messageId"), item.get("status")
        if not to or type(to) is not str or type(message_id) is not str or type(
                status) is not str:
            summaries.append(_result(item))
            continue
        summaries.append({
            "to": _scan.E164_MARKER if 9 <= len(to) <= 16 and to[0] == "+"
            and to[1] in _scan.FIRST_DIGITS and to[2:].isdecimal() else plain_string(to),
            "messageId": message_id if message_id[0] not in _scan.PHONE_FIRST_CHARACTERS
            and _is_identifier(message_id) else identifier(message_id),
            "status": _ENUMS.get(status) or enum(status),
        })
    return {"results": summaries, "errors_count": len(errors),
            "errors": [shape_json(item) for item in errors[:MAX_ERRORS]] if errors else []}


_is_identifier = _IDENTIFIER.fullmatch


def _result(item: dict[str, Any]) -> dict[str, Any]:
    to, message_id, status = item.get("to"), item.get("messageId"), item.get("status")
    return {
        "to": plain_string(to) if isinstance(to, str) else None,
        "messageId": identifier(message_id),
        "status": enum(status),
    }
