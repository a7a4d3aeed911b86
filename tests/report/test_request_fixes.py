"""Fixes for a missing Idempotency-Key, media mismatches, new keys per retry, webhook checks."""

from __future__ import annotations

import hashlib
import hmac
import json
from types import SimpleNamespace
from typing import Any

import orjson

from escalate._report._aggregation._shapes import send_shape
from escalate._report._diagnosis.rules._request_fixes import (
    _SEND_FIXES,
    RAW_BODY_VERIFICATION,
    new_key_per_retry_fix,
    raw_body_verification_fix,
)

SECRET = "whsec_test_fix_secret"


def send(message_type: str, media: bool) -> dict[str, Any]:
    """A send's shape descriptor, with or without media."""
    payload = {"sendFrom": "num_abc123", "to": ["<e164>"], "messageType": message_type,
               "text": "<text:len=12>"}
    return payload | ({"mediaUrls": "<media:count=1>"} if media else {})


def first_fix(payload: dict[str, Any], key_present: bool = True) -> Any:
    """The fix the table gives first for one send."""
    shape = send_shape(payload, key_present)
    return next(fix(payload, shape) for applies, fix in _SEND_FIXES if applies(shape))


def test_missing_key_adds_the_header_and_keeps_the_body() -> None:
    """No Idempotency-Key: the same request with the header, described, never a value."""
    fix = first_fix(send("SMS", media=False), key_present=False)
    assert fix.field == "Idempotency-Key header"
    assert "(no Idempotency-Key header)" in fix.was
    assert "Idempotency-Key: <one key per business operation" in fix.should_be
    assert fix.was.splitlines()[-1] == fix.should_be.splitlines()[-1]


def test_sms_with_media_becomes_mms() -> None:
    """An SMS carrying media: the same body as MMS."""
    fix = first_fix(send("SMS", media=True))
    assert (fix.field, orjson.loads(fix.should_be)["messageType"]) == ("messageType", "MMS")


def test_mms_without_media_becomes_sms() -> None:
    """An MMS without media: the same body as SMS."""
    fix = first_fix(send("MMS", media=False))
    assert (fix.field, orjson.loads(fix.should_be)["messageType"]) == ("messageType", "SMS")


def test_new_key_per_retry_shows_one_key_reused() -> None:
    """Retries under new keys: the pattern creates the key once and sends it on every attempt."""
    fix = new_key_per_retry_fix(attempts=3, keys=3, timeouts=2)
    assert "x3 for one business operation, under 3 different" in fix.was
    assert fix.should_be.count('"Idempotency-Key": key') == 1
    assert fix.should_be.index("key = ") < fix.should_be.index("for attempt in")


def signed(raw: bytes, timestamp: str) -> SimpleNamespace:
    """A webhook request signed as Red Cloud signs it, over `raw`."""
    digest = hmac.new(SECRET.encode(), timestamp.encode() + b"." + raw, hashlib.sha256)
    headers = {"X-RedCloud-Timestamp": timestamp, "X-RedCloud-Signature": digest.hexdigest()}
    return SimpleNamespace(body=raw, headers=headers)


def verifier() -> Any:
    """The `verified` function of the shown snippet, with the test's secret."""
    namespace: dict[str, Any] = {"SECRET": SECRET}
    exec(RAW_BODY_VERIFICATION, namespace)  # the snippet is code users copy: it must run
    return namespace["verified"]


def test_verification_snippet_accepts_a_correctly_signed_body() -> None:
    """The corrected snippet accepts a webhook signed over its raw bytes, spaced as sent."""
    raw = b'{"event": "message.delivered",  "data": {"messageId": "msg_1"}}'
    assert verifier()(signed(raw, "1764842400")) is True


def test_verification_snippet_rejects_a_tampered_or_unsigned_body() -> None:
    """It rejects other bytes than were signed, and a request without the headers."""
    request = signed(b'{"event":"message.delivered"}', "1764842400")
    tampered = SimpleNamespace(body=json.dumps({"event": "message.failed"}).encode(),
                               headers=request.headers)
    assert verifier()(tampered) is False
    assert verifier()(SimpleNamespace(body=request.body, headers={})) is False


def test_reserialized_fix_names_the_raw_body() -> None:
    """The fix explains the raw-body rule and shows code, not a request."""
    fix = raw_body_verification_fix()
    assert "json.dumps" in fix.was and "json.dumps" not in fix.should_be
    assert "raw body" in fix.why
