"""Contract of `POST /api/core/messages/send` (api-reference sections 2.5, 4, 5)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalate.sandbox import RedCloudSandbox, WebhookSink

from ._api import REQUEST_ID, call, send, sms, token

MEDIA = ["https://example.com/cat.jpg"]
E164 = re.compile(r"\+[1-9][0-9]{7,14}")


def test_valid_sms_is_queued(redcloud: RedCloudSandbox) -> None:
    """The reference's example send is 202 with one QUEUED result and no errors."""
    answer = send(redcloud, token(redcloud), sms())
    assert answer.status == 202
    [result] = answer.body["results"]
    assert result["to"] == "+15551234567"
    assert result["status"] == "QUEUED"
    assert re.fullmatch(r"msg_[0-9a-f]+", result["messageId"])
    assert answer.body["errors"] == []


def test_valid_mms_is_queued(redcloud: RedCloudSandbox) -> None:
    """An MMS with media from an MMS-enabled number is accepted."""
    answer = send(redcloud, token(redcloud), sms(messageType="MMS", media=MEDIA))
    assert answer.status == 202


def test_missing_idempotency_key_is_invalid_request(redcloud: RedCloudSandbox) -> None:
    """No Idempotency-Key is 400 with the documented message, before any other check."""
    answer = send(redcloud, token(redcloud), {"sendFrom": "+15551234567"}, key=None)
    assert (answer.status, answer.code) == (400, "INVALID_REQUEST")
    assert answer.message == "Idempotency-Key header is required"
    assert REQUEST_ID.fullmatch(answer.body["requestId"])


@pytest.mark.parametrize(
    "payload,field",
    [
        ([sms()], None),
        ("just text", None),
        (sms(sendFrom=42), "sendFrom"),
        (sms(to="+15551234567"), "to"),
        (sms(to=[]), "to"),
        (sms(to=[15551234567]), "to"),
        (sms(messageType="RCS"), "messageType"),
        (sms(text=5), "text"),
        (sms(media={"url": "x"}), "media"),
    ],
    ids=[
        "array",
        "string",
        "sendFrom-int",
        "to-string",
        "to-empty",
        "to-int",
        "type",
        "text",
        "media",
    ],
)
def test_wrong_body_shape_is_invalid_request(
    redcloud: RedCloudSandbox, payload: Any, field: str | None
) -> None:
    """A body that is not an object of the documented shape is 400 INVALID_REQUEST."""
    answer = send(redcloud, token(redcloud), payload)
    assert (answer.status, answer.code) == (400, "INVALID_REQUEST")
    assert answer.body["error"]["details"].get("field") == field


def test_non_json_content_type_is_invalid_request(redcloud: RedCloudSandbox) -> None:
    """A send that is not application/json is 400 INVALID_REQUEST."""
    headers = {
        "Authorization": f"Bearer {token(redcloud)}",
        "Idempotency-Key": "k1",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    url = redcloud.base_url + "/api/core/messages/send"
    answer = call("POST", url, headers=headers, body=b"sendFrom=num_abc123")
    assert (answer.status, answer.code) == (400, "INVALID_REQUEST")


@pytest.mark.parametrize("send_from", ["+15551234567", "15551234567", "(555) 123-4567"])
def test_phone_number_as_send_from_is_invalid_request(
    redcloud: RedCloudSandbox, send_from: str
) -> None:
    """A phone number in sendFrom is 400 "sendFrom must be a numberId" (code chosen: 400)."""
    answer = send(redcloud, token(redcloud), sms(sendFrom=send_from))
    assert (answer.status, answer.code, answer.message) == (
        400,
        "INVALID_REQUEST",
        "sendFrom must be a numberId",
    )


@pytest.mark.parametrize("send_from", ["num_other_client", "num_unknown"])
def test_foreign_or_unknown_send_from_is_forbidden(
    redcloud: RedCloudSandbox, send_from: str
) -> None:
    """Another client's or an unknown numberId is 403 FORBIDDEN with the documented message."""
    answer = send(redcloud, token(redcloud), sms(sendFrom=send_from))
    assert (answer.status, answer.code, answer.message) == (
        403,
        "FORBIDDEN",
        "sendFrom is not owned by this API client",
    )
    assert answer.body["requestId"].startswith("req_send_")


@pytest.mark.parametrize(
    "payload,message",
    [
        (sms(sendFrom="num_inactive"), "sendFrom number is not ACTIVE"),
        (sms(media=MEDIA), "SMS messages must not include media"),
        (sms(messageType="MMS"), "MMS messages require media"),
        (sms(sendFrom="num_sms_only", messageType="MMS", media=MEDIA), "not enabled for MMS"),
        (sms(sendFrom="num_no_campaign"), "sendFrom must have campaignregId configured"),
    ],
    ids=["inactive", "sms-with-media", "mms-without-media", "mms-not-enabled", "no-campaign"],
)
def test_number_and_type_rules_are_invalid_request(
    redcloud: RedCloudSandbox, payload: dict[str, Any], message: str
) -> None:
    """Each number/type rule of the reference answers 400 INVALID_REQUEST with its reason."""
    answer = send(redcloud, token(redcloud), payload)
    assert (answer.status, answer.code) == (400, "INVALID_REQUEST")
    assert message in answer.message


def test_sms_disabled_number_rejects_sms(redcloud: RedCloudSandbox) -> None:
    """A number with smsEnabled false cannot send SMS (flags are read live)."""
    redcloud.numbers[0].sms_enabled = False
    answer = send(redcloud, token(redcloud), sms())
    assert (answer.status, answer.message) == (400, "sendFrom is not enabled for SMS")


def test_invalid_recipients_are_partially_accepted(redcloud: RedCloudSandbox) -> None:
    """Valid recipients are queued and invalid ones land in errors[] with INVALID_RECIPIENT."""
    answer = send(redcloud, token(redcloud), sms(to=["+15551234567", "5551234567"]))
    assert answer.status == 202
    assert [r["to"] for r in answer.body["results"]] == ["+15551234567"]
    [error] = answer.body["errors"]
    assert (error["to"], error["code"]) == ("5551234567", "INVALID_RECIPIENT")
    assert error["message"]


def test_no_valid_recipient_fails_the_request(redcloud: RedCloudSandbox) -> None:
    """When every recipient is invalid the request is 400 INVALID_REQUEST, items in details."""
    answer = send(redcloud, token(redcloud), sms(to=["555-1234", "+0123"]))
    assert (answer.status, answer.code) == (400, "INVALID_REQUEST")
    assert [e["to"] for e in answer.body["error"]["details"]["errors"]] == ["555-1234", "+0123"]


def test_each_recipient_gets_its_own_message_id(redcloud: RedCloudSandbox) -> None:
    """Two recipients get two distinct messageIds."""
    answer = send(redcloud, token(redcloud), sms(to=["+15551234567", "+447700900123"]))
    ids = {r["messageId"] for r in answer.body["results"]}
    assert len(ids) == 2


def test_same_key_same_payload_replays_the_stored_response(redcloud: RedCloudSandbox) -> None:
    """Resending with the same key and payload returns the same 202 body (no new messages)."""
    access = token(redcloud)
    first = send(redcloud, access, sms())
    again = send(redcloud, access, dict(reversed(list(sms().items()))))
    assert (again.status, again.body) == (202, first.body)


def test_same_key_different_payload_is_conflict(redcloud: RedCloudSandbox) -> None:
    """Reusing a key with a different payload is 409 CONFLICT."""
    access = token(redcloud)
    send(redcloud, access, sms())
    answer = send(redcloud, access, sms(text="Something else"))
    assert (answer.status, answer.code) == (409, "CONFLICT")


def test_rejected_send_does_not_consume_the_key(redcloud: RedCloudSandbox) -> None:
    """After a 400 the corrected payload can use the same key."""
    access = token(redcloud)
    assert send(redcloud, access, sms(sendFrom="num_inactive")).status == 400
    assert send(redcloud, access, sms()).status == 202


def test_new_key_same_payload_is_a_new_send(redcloud: RedCloudSandbox) -> None:
    """The same payload under a new key is a new send with new messageIds."""
    access = token(redcloud)
    first = send(redcloud, access, sms(), key="k1").body["results"][0]["messageId"]
    second = send(redcloud, access, sms(), key="k2").body["results"][0]["messageId"]
    assert first != second


recipients = st.lists(
    st.one_of(
        st.from_regex(E164, fullmatch=True),
        st.text(alphabet="+0123456789 -()", max_size=18),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(to=recipients)
def test_recipients_split_into_results_and_errors(redcloud: RedCloudSandbox, to: list[str]) -> None:
    """Every recipient ends up in results[] iff it is E.164, otherwise in errors[] (or 400)."""
    answer = send(redcloud, token(redcloud), sms(to=to), key=repr(to))
    valid = [r for r in to if E164.fullmatch(r)]
    invalid = [r for r in to if not E164.fullmatch(r)]
    if not valid:
        assert (answer.status, answer.code) == (400, "INVALID_REQUEST")
        return
    assert answer.status == 202
    assert [r["to"] for r in answer.body["results"]] == valid
    assert [e["to"] for e in answer.body["errors"]] == invalid


def test_send_without_token_is_unauthorized_before_validation(redcloud: RedCloudSandbox) -> None:
    """Authentication is checked before the Idempotency-Key and the body."""
    answer = send(redcloud, "rc_tok_unknown", "not an object", key=None)
    assert (answer.status, answer.code) == (401, "UNAUTHORIZED")


def test_concurrent_sends_with_one_key_accept_once(
    redcloud: RedCloudSandbox, webhook_sink: WebhookSink
) -> None:
    """Eight simultaneous identical sends under one key get one messageId and one lifecycle."""
    redcloud.webhook_url = webhook_sink.url
    access = token(redcloud)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: send(redcloud, access, sms()), range(8)))
    redcloud.wait_for_webhooks(timeout=5)
    assert {answer.status for answer in answers} == {202}
    assert len({answer.body["results"][0]["messageId"] for answer in answers}) == 1
    assert len(webhook_sink.received) == 3
