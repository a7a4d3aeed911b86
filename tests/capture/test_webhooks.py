"""Webhook receipts: signature verification, `record_webhook`, ASGI and WSGI middleware."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from typing import Any

import httpx
import orjson
import pytest

import escalate
from escalate._capture._settings import keyed_sha256
from escalate._capture._webhook import parse_timestamp
from escalate.sandbox import RedCloudSandbox

from ._evidence import WEBHOOK_SECRET, Evidence, send_body
from .conftest import Receiver

BODY = (b'{"type":"message.delivery","messageId":"msg_abc123","externalReference":"order_789",'
        b'"sequence":3,"providerMessageRef":"prv_1","to":"+15551234567"}')


def _sign(
    body: bytes, secret: str = WEBHOOK_SECRET, timestamp: str | None = None
) -> dict[str, str]:
    timestamp = timestamp or str(int(time.time()))
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return {"X-RedCloud-Timestamp": timestamp, "X-RedCloud-Signature": digest.hexdigest()}


def test_verify_signature_valid() -> None:
    """The documented HMAC over `timestamp.rawBody` verifies, with str or bytes arguments."""
    headers = _sign(BODY, timestamp="1700000000")
    signature = headers["X-RedCloud-Signature"]
    assert escalate.verify_signature(WEBHOOK_SECRET, "1700000000", BODY, signature)
    assert escalate.verify_signature(WEBHOOK_SECRET.encode(), b"1700000000", BODY.decode(),
                                     signature.encode())


def test_verify_signature_rejects_reserialised_body() -> None:
    """A re-serialised body (same JSON, other bytes) does not verify."""
    headers = _sign(BODY, timestamp="1700000000")
    reserialised = orjson.dumps(orjson.loads(BODY), option=orjson.OPT_INDENT_2)
    assert not escalate.verify_signature(WEBHOOK_SECRET, "1700000000", reserialised,
                                         headers["X-RedCloud-Signature"])


def test_verify_signature_rejects_wrong_secret_and_empty() -> None:
    """A wrong secret or an empty signature is invalid."""
    headers = _sign(BODY, timestamp="1")
    assert not escalate.verify_signature("other", "1", BODY, headers["X-RedCloud-Signature"])
    assert not escalate.verify_signature(WEBHOOK_SECRET, "1", BODY, "")


def test_record_webhook_fields(evidence: Evidence) -> None:
    """record_webhook returns and writes the receipt: event, ids, sequence, hash, status."""
    record = escalate.record_webhook(_sign(BODY), BODY, response_status=204,
                                     secret=WEBHOOK_SECRET)
    assert evidence.records("webhook") == [record]
    assert (record["event"], record["message_id"], record["sequence"]) == (
        "message.delivery", "msg_abc123", 3)
    assert (record["signature"], record["response_status"], record["receiver"]) == (
        "valid", 204, "record_webhook")
    assert record["body_sha256"] == keyed_sha256(BODY) != hashlib.sha256(BODY).hexdigest()
    assert record["body_size"] == len(BODY) and record["provider_message_ref"] == "prv_1"
    assert record["external_reference"].startswith("fp_")
    assert abs(record["timestamp_skew_s"]) < 5


def test_record_webhook_never_stores_the_body(evidence: Evidence) -> None:
    """Phone numbers, the reference and the secret from a webhook never reach the evidence."""
    escalate.record_webhook(_sign(BODY), BODY, response_status=200, secret=WEBHOOK_SECRET)
    text = evidence.text()
    for secret in ("+15551234567", "order_789", WEBHOOK_SECRET):
        assert secret not in text


@pytest.mark.parametrize(("headers", "secret", "outcome"), [
    ({}, WEBHOOK_SECRET, "missing"),
    (_sign(BODY, secret="whsec_wrong"), WEBHOOK_SECRET, "invalid"),
    (_sign(BODY), None, "not_checked"),
], ids=["missing", "invalid", "not_checked"])
def test_signature_outcomes(evidence: Evidence, headers: dict[str, str], secret: str | None,
                            outcome: str) -> None:
    """Each signature outcome is recorded."""
    assert escalate.record_webhook(headers, BODY, response_status=401,
                                   secret=secret)["signature"] == outcome


def test_failed_event_keeps_the_failure_shape(evidence: Evidence) -> None:
    """message.failed records the shape of its error member, inside `data` too."""
    body = b'{"data":{"type":"message.failed","messageId":"msg_1","error":{"code":"X"}}}'
    record = escalate.record_webhook({}, body, response_status=200)
    assert (record["event"], record["message_id"]) == ("message.failed", "msg_1")
    assert record["failure"] == {"code": "X"}


def test_unparseable_body(evidence: Evidence) -> None:
    """A body that is not a JSON object is flagged, still hashed."""
    record = escalate.record_webhook({}, b"not json", response_status=400)
    assert record["parse_error"] is True and record["event"] is None


@pytest.mark.parametrize(("value", "expected"), [
    ("1700000000", 1700000000.0), ("1700000000123", 1700000000.123),
    ("2023-11-14T22:13:20Z", 1700000000.0), ("garbage", None)])
def test_timestamp_formats(value: str, expected: float | None) -> None:
    """Seconds, milliseconds and ISO 8601 timestamps are understood."""
    assert parse_timestamp(value) == expected


async def _asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    message = await receive()
    status = 200 if message["body"] == BODY else 400
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _post_asgi(app: Any, headers: dict[str, str], body: bytes = BODY) -> httpx.Response:
    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as client:
            return await client.post("/webhooks", content=body, headers=headers)

    return asyncio.run(post())


def test_asgi_middleware_replays_body_and_records_status(evidence: Evidence) -> None:
    """The app gets the raw body unchanged; the record has the status it answered."""
    app = escalate.WebhookMiddleware(_asgi_app, secret=WEBHOOK_SECRET)
    assert _post_asgi(app, _sign(BODY)).status_code == 200
    (record,) = evidence.records("webhook")
    assert (record["receiver"], record["route"], record["signature"], record["response_status"]) \
        == ("asgi", "/webhooks", "valid", 200)


def test_asgi_middleware_rejects_invalid(evidence: Evidence) -> None:
    """With reject_invalid, a bad signature gets 401 without calling the app."""
    called: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        called.append(True)
        await _asgi_app(scope, receive, send)

    middleware = escalate.WebhookMiddleware(app, secret=WEBHOOK_SECRET, reject_invalid=True)
    assert _post_asgi(middleware, _sign(BODY, secret="whsec_wrong")).status_code == 401
    assert called == []
    assert evidence.records("webhook")[0]["response_status"] == 401


def test_asgi_middleware_ignores_other_paths(evidence: Evidence) -> None:
    """Requests outside `paths` pass through unrecorded."""
    app = escalate.WebhookMiddleware(_asgi_app, paths=["/hooks"])
    assert _post_asgi(app, {}).status_code == 200
    assert evidence.records() == []


def _wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = environ["wsgi.input"].read()
    start_response("200 OK" if body == BODY else "400 Bad Request", [])
    return [b"ok"]


def _post_wsgi(app: Any, headers: dict[str, str]) -> httpx.Response:
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://r") as client:
        return client.post("/webhooks", content=BODY, headers=headers)


def test_wsgi_middleware_replays_body_and_records_status(evidence: Evidence) -> None:
    """The WSGI app reads the raw body unchanged; the record has its status."""
    app = escalate.WSGIWebhookMiddleware(_wsgi_app, secret=WEBHOOK_SECRET)
    assert _post_wsgi(app, _sign(BODY)).status_code == 200
    (record,) = evidence.records("webhook")
    assert (record["receiver"], record["signature"], record["response_status"]) == (
        "wsgi", "valid", 200)


def test_wsgi_middleware_rejects_missing_signature(evidence: Evidence) -> None:
    """With reject_invalid, missing headers get 401 and a `missing` record."""
    app = escalate.WSGIWebhookMiddleware(_wsgi_app, secret=WEBHOOK_SECRET, reject_invalid=True)
    assert _post_wsgi(app, {}).status_code == 401
    record = evidence.records("webhook")[0]
    assert (record["signature"], record["response_status"]) == ("missing", 401)


def test_wsgi_middleware_records_app_crash(evidence: Evidence) -> None:
    """An app that raises is still recorded (no status), and its exception propagates."""
    def crashing(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError("boom")

    app = escalate.WSGIWebhookMiddleware(crashing)
    with pytest.raises(RuntimeError, match="boom"):
        _post_wsgi(app, {})
    assert evidence.records("webhook")[0]["response_status"] is None


def test_wrong_secret_webhooks_recorded_invalid(evidence: Evidence, receiver: Receiver) -> None:
    """Webhooks signed with a wrong secret reach the receiver and are recorded `invalid`."""
    with RedCloudSandbox(webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET) as rc:
        rc.faults.bad_webhook_signatures = True
        token = httpx.post(rc.base_url + "/api/auth/token", auth=(rc.client_id, rc.client_secret),
                           data={"grant_type": "client_credentials"}).json()["access_token"]
        httpx.post(rc.base_url + "/api/core/messages/send", json=send_body(),
                   headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k1"})
        rc.wait_for_webhooks(5.0)
    signatures = {hook["signature"] for hook in evidence.records("webhook")}
    assert signatures == {"invalid"}


def test_concurrent_async_calls_each_recorded(evidence: Evidence) -> None:
    """Twenty concurrent httpx-async calls give twenty whole records, one per call."""
    async def run(base_url: str) -> list[int]:
        async with escalate.instrument(httpx.AsyncClient(base_url=base_url)) as client:
            replies = await asyncio.gather(*(
                client.get("/api/core/whoami", headers={"Authorization": f"Bearer t{index}"})
                for index in range(20)))
        return [reply.status_code for reply in replies]

    with RedCloudSandbox() as rc:
        assert asyncio.run(run(rc.base_url)) == [401] * 20
    calls = evidence.calls()
    assert len(calls) == 20
    assert len({call["auth"]["fingerprint"] for call in calls}) == 20
    assert {call["request_id"] is not None for call in calls} == {True}
