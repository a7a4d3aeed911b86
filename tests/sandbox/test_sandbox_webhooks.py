"""Lifecycle webhooks: payloads, order, signing, retries (api-reference section 6)."""

from __future__ import annotations

import hashlib
import hmac
import socket
from datetime import datetime

from escalate.sandbox import ReceivedWebhook, RedCloudSandbox, SandboxNumber, WebhookSink

from ._api import send, sms, token

SUCCESS = ["message.queued", "message.sent", "message.delivery"]


def _send_one(rc: RedCloudSandbox, sink: WebhookSink, **overrides: object) -> str:
    rc.webhook_url = sink.url
    answer = send(rc, token(rc), sms(**overrides))
    assert answer.status == 202
    rc.wait_for_webhooks(timeout=5)
    return str(answer.body["results"][0]["messageId"])


def _hmac(secret: str, hook: ReceivedWebhook) -> str:
    message = hook.headers["X-RedCloud-Timestamp"].encode() + b"." + hook.body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def test_accepted_message_gets_the_success_lifecycle(
    redcloud: RedCloudSandbox, webhook_sink: WebhookSink
) -> None:
    """An accepted send produces queued, sent, delivery in sequence order."""
    message_id = _send_one(redcloud, webhook_sink)
    events = [hook.json() for hook in webhook_sink.received]
    assert [e["type"] for e in events] == SUCCESS
    assert [e["sequence"] for e in events] == [1, 2, 3]
    assert {e["messageId"] for e in events} == {message_id}


def test_events_carry_reference_recipient_and_time(
    redcloud: RedCloudSandbox, webhook_sink: WebhookSink
) -> None:
    """Every event echoes externalReference and `to`, with an ISO 8601 occurredAt."""
    _send_one(redcloud, webhook_sink)
    for hook in webhook_sink.received:
        event = hook.json()
        assert (event["externalReference"], event["to"]) == ("order_789", "+15551234567")
        assert datetime.fromisoformat(event["occurredAt"].replace("Z", "+00:00")).tzinfo


def test_provider_reference_only_on_sent_and_delivery(
    redcloud: RedCloudSandbox, webhook_sink: WebhookSink
) -> None:
    """providerMessageRef appears on sent and delivery (the same value), not on queued."""
    _send_one(redcloud, webhook_sink)
    queued, sent, delivery = (hook.json() for hook in webhook_sink.received)
    assert "providerMessageRef" not in queued
    assert sent["providerMessageRef"] == delivery["providerMessageRef"]
    assert sent["providerMessageRef"].startswith("prv_")


def test_webhooks_are_signed_over_timestamp_and_raw_body(
    redcloud: RedCloudSandbox, webhook_sink: WebhookSink
) -> None:
    """X-RedCloud-Signature is hex HMAC-SHA256(secret, timestamp + '.' + raw body)."""
    _send_one(redcloud, webhook_sink)
    for hook in webhook_sink.received:
        assert hook.headers["Content-Type"] == "application/json"
        assert hook.headers["X-RedCloud-Timestamp"].isdigit()
        assert hook.headers["X-RedCloud-Signature"] == _hmac("whsec_sandbox", hook)


def test_no_secret_means_no_signature_header(webhook_sink: WebhookSink) -> None:
    """With webhook_secret None, webhooks carry a timestamp but no signature."""
    with RedCloudSandbox(webhook_secret=None) as rc:
        _send_one(rc, webhook_sink)
    assert webhook_sink.received
    assert all("X-RedCloud-Signature" not in hook.headers for hook in webhook_sink.received)


def test_non_2xx_answer_is_retried_with_the_same_body(
    redcloud: RedCloudSandbox, webhook_sink: WebhookSink
) -> None:
    """A 500 answer is retried; the retry carries the same event body, freshly signed."""
    webhook_sink.statuses = [500]
    _send_one(redcloud, webhook_sink)
    first, retry = webhook_sink.received[:2]
    assert (first.answered, retry.answered) == (500, 200)
    assert first.body == retry.body
    assert retry.headers["X-RedCloud-Signature"] == _hmac("whsec_sandbox", retry)
    assert [hook.json()["type"] for hook in webhook_sink.received[1:]] == SUCCESS


def test_delivery_is_given_up_after_the_retry_schedule(
    redcloud: RedCloudSandbox, webhook_sink: WebhookSink
) -> None:
    """An endpoint that always fails gets 1 + len(retry delays) attempts per event."""
    webhook_sink.status = 503
    _send_one(redcloud, webhook_sink)
    types = [hook.json()["type"] for hook in webhook_sink.received]
    assert types == [t for t in SUCCESS for _ in range(4)]


def test_attempts_are_recorded_with_status(
    redcloud: RedCloudSandbox, webhook_sink: WebhookSink
) -> None:
    """webhook_deliveries lists each attempt with its event, messageId and answer."""
    webhook_sink.statuses = [404]
    message_id = _send_one(redcloud, webhook_sink)
    first, second = redcloud.webhook_deliveries[:2]
    assert (first.event, first.message_id, first.status, first.attempt) == (
        "message.queued",
        message_id,
        404,
        1,
    )
    assert (second.status, second.attempt, second.succeeded) == (200, 2, True)


def test_connection_errors_are_retried_then_given_up(redcloud: RedCloudSandbox) -> None:
    """An unreachable endpoint is recorded as an error on each attempt, then given up."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    redcloud.webhook_url = f"http://127.0.0.1:{port}/hooks"
    redcloud.faults.stop_after_queued = True
    send(redcloud, token(redcloud), sms())
    redcloud.wait_for_webhooks(timeout=10)
    attempts = redcloud.webhook_deliveries
    assert [a.attempt for a in attempts] == [1, 2, 3, 4]
    assert all(a.status is None and a.error for a in attempts)


def test_replayed_send_produces_no_new_webhooks(
    redcloud: RedCloudSandbox, webhook_sink: WebhookSink
) -> None:
    """An idempotent replay schedules no webhooks."""
    _send_one(redcloud, webhook_sink)
    count = len(webhook_sink.received)
    send(redcloud, token(redcloud), sms())
    redcloud.wait_for_webhooks(timeout=5)
    assert len(webhook_sink.received) == count


def test_each_recipient_has_its_own_lifecycle(
    redcloud: RedCloudSandbox, webhook_sink: WebhookSink
) -> None:
    """Two accepted recipients produce two full lifecycles."""
    _send_one(redcloud, webhook_sink, to=["+15551234567", "+15557654321"])
    by_message: dict[str, list[str]] = {}
    for hook in webhook_sink.received:
        event = hook.json()
        by_message.setdefault(event["messageId"], []).append(event["type"])
    assert list(by_message.values()) == [SUCCESS, SUCCESS]


def test_no_webhook_url_means_no_webhooks(redcloud: RedCloudSandbox) -> None:
    """Without a webhook URL nothing is posted and waiting returns at once."""
    send(redcloud, token(redcloud), sms())
    redcloud.wait_for_webhooks(timeout=1)
    assert redcloud.webhook_deliveries == []


def test_delivery_webhook_not_configured_means_no_webhooks(webhook_sink: WebhookSink) -> None:
    """When whoami says delivery webhooks are not configured, none are posted."""
    with RedCloudSandbox(delivery_webhook_configured=False, webhook_url=webhook_sink.url) as rc:
        send(rc, token(rc), sms())
        rc.wait_for_webhooks(timeout=2)
    assert webhook_sink.received == []


def test_number_override_receives_the_webhooks(webhook_sink: WebhookSink) -> None:
    """A number's webhookDeliveryOverride wins over the sandbox's webhook_url."""
    number = SandboxNumber("num_abc123", "+15551234567", webhook_delivery_override=webhook_sink.url)
    with RedCloudSandbox(numbers=[number], webhook_url="http://127.0.0.1:9/unused") as rc:
        _send_one(rc, webhook_sink)
        assert {a.url for a in rc.webhook_deliveries} == {webhook_sink.url}
