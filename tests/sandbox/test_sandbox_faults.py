"""Each `Faults` switch, flipped on a running sandbox, changes the very next request."""

from __future__ import annotations

import hashlib
import hmac
import socket
import time

import pytest

from escalate.sandbox import Faults, RedCloudSandbox, WebhookSink

from ._api import REQUEST_ID, get, request_token, send, sms, token

FORM = "grant_type=client_credentials&client_id=rc_test_client_123&client_secret=rc_secret_abc123"


@pytest.mark.parametrize("route", ["/api/core/whoami", "whoami"], ids=["path", "stage-name"])
def test_server_error_route_answers_500(redcloud: RedCloudSandbox, route: str) -> None:
    """A route in server_error_routes answers 500 SERVER_ERROR in the CORE wrapper."""
    access = token(redcloud)
    redcloud.faults.server_error_routes.add(route)
    answer = get(redcloud, "/api/core/whoami", access)
    assert (answer.status, answer.code) == (500, "SERVER_ERROR")
    assert REQUEST_ID.fullmatch(answer.body["requestId"])


def test_server_error_leaves_other_routes_alone(redcloud: RedCloudSandbox) -> None:
    """Only the listed route fails."""
    redcloud.faults.server_error_routes = {"/api/core/messages/send"}
    assert get(redcloud, "/api/core/numbers", token(redcloud)).status == 200


def test_server_error_on_token_route_is_oauth_shaped(redcloud: RedCloudSandbox) -> None:
    """The token route's 500 uses the OAuth body with error server_error."""
    redcloud.faults.server_error_routes.add("/api/auth/token")
    answer = request_token(redcloud, FORM)
    assert (answer.status, answer.body["error"]) == (500, "server_error")
    assert answer.body["error_description"]


def test_upstream_error_route_answers_502(redcloud: RedCloudSandbox) -> None:
    """A route in upstream_error_routes answers 502 UPSTREAM_ERROR."""
    access = token(redcloud)
    redcloud.faults.upstream_error_routes.add("/api/core/messages/send")
    answer = send(redcloud, access, sms())
    assert (answer.status, answer.code) == (502, "UPSTREAM_ERROR")
    assert answer.body["requestId"].startswith("req_send_")


def test_failed_send_does_not_consume_the_key(redcloud: RedCloudSandbox) -> None:
    """A send that hit a 5xx fault can be retried with the same key once the fault clears."""
    access = token(redcloud)
    redcloud.faults.server_error_routes.add("send")
    assert send(redcloud, access, sms()).status == 500
    redcloud.faults.server_error_routes.clear()
    assert send(redcloud, access, sms()).status == 202


def test_delay_provokes_a_client_timeout(redcloud: RedCloudSandbox) -> None:
    """With delay_s above the client's timeout, the client times out."""
    access = token(redcloud)
    redcloud.faults.delay_s = 0.5
    started = time.perf_counter()
    with pytest.raises((TimeoutError, socket.timeout, OSError)):
        get(redcloud, "/api/core/whoami", access, timeout=0.1)
    assert time.perf_counter() - started < 0.45


def test_delayed_send_is_still_accepted(redcloud: RedCloudSandbox) -> None:
    """A send answered too late was accepted: its key is taken (a changed payload is 409)."""
    access = token(redcloud)
    redcloud.faults.delay_s = 0.3
    with pytest.raises(OSError):
        send(redcloud, access, sms(), timeout=0.1)
    redcloud.faults.delay_s = 0.0
    assert send(redcloud, access, sms(text="changed")).status == 409
    assert send(redcloud, access, sms()).status == 202


def test_delay_applies_to_every_response(redcloud: RedCloudSandbox) -> None:
    """A delayed response arrives after at least delay_s."""
    redcloud.faults.delay_s = 0.2
    started = time.perf_counter()
    request_token(redcloud, FORM)
    assert time.perf_counter() - started >= 0.2


def _accepted_events(rc: RedCloudSandbox, sink: WebhookSink) -> list[str]:
    rc.webhook_url = sink.url
    assert send(rc, token(rc), sms()).status == 202
    rc.wait_for_webhooks(timeout=5)
    return [hook.json()["type"] for hook in sink.received]


def test_drop_webhooks_sends_nothing(redcloud: RedCloudSandbox, webhook_sink: WebhookSink) -> None:
    """drop_webhooks: an accepted send produces no webhook at all."""
    redcloud.faults.drop_webhooks = True
    assert _accepted_events(redcloud, webhook_sink) == []


def test_fail_deliveries_ends_in_failed(
    redcloud: RedCloudSandbox, webhook_sink: WebhookSink
) -> None:
    """fail_deliveries: queued then failed, the failure carrying an error code and message."""
    redcloud.faults.fail_deliveries = True
    assert _accepted_events(redcloud, webhook_sink) == ["message.queued", "message.failed"]
    failed = webhook_sink.received[-1].json()
    assert (failed["sequence"], set(failed["error"])) == (2, {"code", "message"})
    assert "providerMessageRef" not in failed


def test_stop_after_queued_sends_only_queued(
    redcloud: RedCloudSandbox, webhook_sink: WebhookSink
) -> None:
    """stop_after_queued: the lifecycle stops after message.queued."""
    redcloud.faults.stop_after_queued = True
    assert _accepted_events(redcloud, webhook_sink) == ["message.queued"]


def test_bad_signatures_do_not_verify(redcloud: RedCloudSandbox, webhook_sink: WebhookSink) -> None:
    """bad_webhook_signatures: the signature does not verify with the configured secret."""
    redcloud.faults.bad_webhook_signatures = True
    assert _accepted_events(redcloud, webhook_sink)
    for hook in webhook_sink.received:
        message = hook.headers["X-RedCloud-Timestamp"].encode() + b"." + hook.body
        expected = hmac.new(b"whsec_sandbox", message, hashlib.sha256).hexdigest()
        assert hook.headers["X-RedCloud-Signature"] != expected


def test_faults_can_be_given_at_construction(webhook_sink: WebhookSink) -> None:
    """A Faults instance passed to the constructor is the live `faults` object."""
    faults = Faults(stop_after_queued=True)
    with RedCloudSandbox(faults=faults, webhook_url=webhook_sink.url) as rc:
        assert rc.faults is faults
        send(rc, token(rc), sms())
        rc.wait_for_webhooks(timeout=5)
    assert [hook.json()["type"] for hook in webhook_sink.received] == ["message.queued"]


def test_clearing_a_fault_restores_behaviour(redcloud: RedCloudSandbox) -> None:
    """Turning expired_tokens off again makes the same token valid on the next request."""
    access = token(redcloud)
    redcloud.faults.expired_tokens = True
    assert get(redcloud, "/api/core/whoami", access).status == 401
    redcloud.faults.expired_tokens = False
    assert get(redcloud, "/api/core/whoami", access).status == 200


def test_assigning_new_faults_takes_effect(redcloud: RedCloudSandbox) -> None:
    """Replacing `faults` with a new Faults object changes the next request."""
    access = token(redcloud)
    redcloud.faults = Faults(expired_tokens=True)
    assert get(redcloud, "/api/core/whoami", access).status == 401
