"""Contract of the CORE read routes and bearer authentication (api-reference sections 2, 3)."""

from __future__ import annotations

import pytest

from escalate.sandbox import RedCloudSandbox, SandboxNumber

from ._api import REQUEST_ID, call, get, token

UNAUTHORIZED = (401, "UNAUTHORIZED", "Invalid or missing bearer token")


def _unauthorized(
    answer_path: str, rc: RedCloudSandbox, access: str | None
) -> tuple[int, str, str]:
    answer = get(rc, answer_path, access)
    return answer.status, answer.code, answer.message


def test_whoami_reports_the_client_and_its_numbers(redcloud: RedCloudSandbox) -> None:
    """whoami names the client and counts only its own numbers by capability."""
    answer = get(redcloud, "/api/core/whoami", token(redcloud))
    assert answer.status == 200
    assert answer.body["apiClientId"] == "rc_test_client_123"
    assert answer.body["apiClientStatus"] == "ACTIVE"
    assert answer.body["assignedNumbers"] == {
        "total": 4,
        "smsEnabledCount": 4,
        "mmsEnabledCount": 3,
    }
    assert "numbers:read" in answer.body["capabilities"]


def test_whoami_reports_webhook_configuration_flags() -> None:
    """The webhook-configured flags come from the constructor."""
    with RedCloudSandbox(inbound_webhook_configured=False, delivery_webhook_configured=False) as rc:
        body = get(rc, "/api/core/whoami", token(rc)).body
    assert (body["inboundWebhookConfigured"], body["deliveryWebhookConfigured"]) == (False, False)


def test_whoami_reports_delivery_webhook_configured_only_with_a_url() -> None:
    """deliveryWebhookConfigured is true only when the sandbox has a webhook URL to call."""
    with RedCloudSandbox() as rc:
        without_url = get(rc, "/api/core/whoami", token(rc)).body["deliveryWebhookConfigured"]
    with RedCloudSandbox(webhook_url="http://127.0.0.1:9/hooks") as rc:
        with_url = get(rc, "/api/core/whoami", token(rc)).body["deliveryWebhookConfigured"]
    assert (without_url, with_url) == (False, True)


def test_numbers_lists_only_the_clients_numbers(redcloud: RedCloudSandbox) -> None:
    """GET /api/core/numbers lists the client's numbers, never another client's."""
    answer = get(redcloud, "/api/core/numbers", token(redcloud))
    ids = [number["numberId"] for number in answer.body["numbers"]]
    assert ids == ["num_abc123", "num_sms_only", "num_inactive", "num_no_campaign"]


def test_numbers_use_the_documented_fields(redcloud: RedCloudSandbox) -> None:
    """Each listed number carries the reference's fields (campaignRegId with a capital R)."""
    first = get(redcloud, "/api/core/numbers", token(redcloud)).body["numbers"][0]
    assert first == {
        "numberId": "num_abc123",
        "e164": "+15551234567",
        "status": "ACTIVE",
        "campaignRegId": "A1B2C3",
        "smsEnabled": True,
        "mmsEnabled": True,
    }


def test_custom_client_owns_default_owner_numbers() -> None:
    """A number without an explicit owner belongs to the sandbox's own client id."""
    numbers = [SandboxNumber("num_mine", "+15550000001", webhook_delivery_override="http://x/y")]
    with RedCloudSandbox(client_id="rc_custom", client_secret="s3cret", numbers=numbers) as rc:
        listed = get(rc, "/api/core/numbers", token(rc)).body["numbers"]
    assert [(n["numberId"], n["webhookDeliveryOverride"]) for n in listed] == [
        ("num_mine", "http://x/y")
    ]


def test_missing_bearer_token_is_unauthorized(redcloud: RedCloudSandbox) -> None:
    """No Authorization header is 401 UNAUTHORIZED with the documented message."""
    assert _unauthorized("/api/core/whoami", redcloud, None) == UNAUTHORIZED


@pytest.mark.parametrize(
    "authorization",
    ["Basic cmNfdGVzdDpzZWNyZXQ=", "Bearer", "Bearer rc_tok_unknown", "rc_tok_no_scheme"],
    ids=["basic", "empty-bearer", "unknown-token", "no-scheme"],
)
def test_malformed_or_unknown_tokens_are_unauthorized(
    redcloud: RedCloudSandbox, authorization: str
) -> None:
    """Malformed Authorization values and unknown tokens are 401 UNAUTHORIZED."""
    url = redcloud.base_url + "/api/core/numbers"
    answer = call("GET", url, headers={"Authorization": authorization})
    assert (answer.status, answer.code, answer.message) == UNAUTHORIZED


def test_error_wrapper_has_details_and_request_id(redcloud: RedCloudSandbox) -> None:
    """CORE errors use the wrapper: code, message, details {} and a top-level requestId."""
    answer = get(redcloud, "/api/core/whoami", None)
    assert answer.body["error"]["details"] == {}
    assert REQUEST_ID.fullmatch(answer.body["requestId"])
    assert answer.body["requestId"].startswith("req_whoami_")


def test_request_ids_are_unique(redcloud: RedCloudSandbox) -> None:
    """Each CORE error gets its own requestId."""
    first = get(redcloud, "/api/core/whoami", None).body["requestId"]
    second = get(redcloud, "/api/core/whoami", None).body["requestId"]
    assert first != second


def test_token_expires_with_its_lifetime(redcloud: RedCloudSandbox) -> None:
    """A token used once its lifetime has passed is 401 UNAUTHORIZED."""
    redcloud.faults.token_lifetime_s = 0
    assert _unauthorized("/api/core/whoami", redcloud, token(redcloud)) == UNAUTHORIZED


def test_expire_tokens_expires_issued_tokens_only(redcloud: RedCloudSandbox) -> None:
    """`expire_tokens()` ends issued tokens; a fresh token works again."""
    old = token(redcloud)
    redcloud.expire_tokens()
    assert get(redcloud, "/api/core/whoami", old).status == 401
    assert get(redcloud, "/api/core/whoami", token(redcloud)).status == 200


def test_expired_tokens_fault_rejects_valid_tokens(redcloud: RedCloudSandbox) -> None:
    """The expired_tokens fault makes a freshly issued token unusable on the next request."""
    access = token(redcloud)
    assert get(redcloud, "/api/core/whoami", access).status == 200
    redcloud.faults.expired_tokens = True
    assert _unauthorized("/api/core/whoami", redcloud, access) == UNAUTHORIZED


def test_inactive_client_rejects_issued_tokens(redcloud: RedCloudSandbox) -> None:
    """A token issued before the client became inactive gets 401 UNAUTHORIZED."""
    access = token(redcloud)
    redcloud.faults.inactive_client = True
    assert _unauthorized("/api/core/numbers", redcloud, access) == UNAUTHORIZED


def test_unknown_core_path_is_not_found(redcloud: RedCloudSandbox) -> None:
    """An authenticated request to an unknown CORE path is 404 NOT_FOUND in the wrapper."""
    answer = get(redcloud, "/api/core/messages/msg_abc123", token(redcloud))
    assert (answer.status, answer.code) == (404, "NOT_FOUND")
    assert REQUEST_ID.fullmatch(answer.body["requestId"])


def test_wrong_method_is_method_not_allowed(redcloud: RedCloudSandbox) -> None:
    """POST on a GET route is 405 with the wrapper and an Allow header."""
    headers = {"Authorization": f"Bearer {token(redcloud)}", "Content-Type": "application/json"}
    answer = call("POST", redcloud.base_url + "/api/core/whoami", headers=headers, body=b"{}")
    assert (answer.status, answer.code) == (405, "METHOD_NOT_ALLOWED")
    assert answer.headers["Allow"] == "GET"


def test_trailing_slash_and_query_are_ignored(redcloud: RedCloudSandbox) -> None:
    """`/api/core/numbers/?x=1` is the numbers route, logged under its plain path."""
    answer = get(redcloud, "/api/core/numbers/?page=2", token(redcloud))
    assert answer.status == 200
    assert redcloud.requests[-1] == ("GET", "/api/core/numbers", 200)
