"""The sample scenarios: real instrumented clients driving the local Red Cloud sandbox.

Each scenario is one integration story from the troubleshooting guide. `generate.py` runs each
against a fresh sandbox and a separate webhook receiver process, so every sample has the sending
service's log (`app.jsonl`) and the receiver's log (`webhooks.jsonl`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
import requests

import escalate
from escalate.sandbox import RedCloudSandbox

SEND = "/api/core/messages/send"
TEXT = "Your order 789 has shipped"
_keys = itertools.count(1)


def new_key(label: str = "order") -> str:
    """A fresh Idempotency-Key for one business operation."""
    return f"idem_{label}_{next(_keys):04d}"


def sms(to: list[str], send_from: str = "num_abc123",
        reference: str = "order_789") -> dict[str, Any]:
    """An SMS send body."""
    return {"sendFrom": send_from, "to": to, "messageType": "SMS", "text": TEXT,
            "externalReference": reference}


@dataclass
class Integration:
    """A service integrating with Red Cloud through an instrumented httpx client."""

    rc: RedCloudSandbox
    timeout: float = 5.0
    secret: str | None = None
    client: httpx.Client = field(init=False)
    token: str = ""

    def __post_init__(self) -> None:
        self.client = escalate.instrument(httpx.Client(base_url=self.rc.base_url,
                                                       timeout=self.timeout))

    def acquire_token(self) -> httpx.Response:
        """POST /api/auth/token with Basic credentials, form-encoded."""
        secret = self.secret or self.rc.client_secret
        response = self.client.post("/api/auth/token", data={"grant_type": "client_credentials"},
                                    auth=(self.rc.client_id, secret))
        if response.status_code == 200:
            self.token = response.json()["access_token"]
        return response

    def headers(self, key: str | None = None) -> dict[str, str]:
        """Bearer auth, plus an Idempotency-Key when given."""
        headers = {"Authorization": f"Bearer {self.token}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def whoami(self) -> httpx.Response:
        return self.client.get("/api/core/whoami", headers=self.headers())

    def numbers(self) -> httpx.Response:
        return self.client.get("/api/core/numbers", headers=self.headers())

    def send(self, body: dict[str, Any], key: str | None) -> httpx.Response:
        return self.client.post(SEND, json=body, headers=self.headers(key))

    def startup(self) -> None:
        """The documented startup order: token, whoami, numbers."""
        self.acquire_token()
        self.whoami()
        self.numbers()


Scenario = Callable[[RedCloudSandbox], None]


def healthy(rc: RedCloudSandbox) -> None:
    """Everything works: SMS and MMS sends are accepted and delivered."""
    app = Integration(rc)
    app.startup()
    app.send(sms(["+15551234567", "+15557654321"]), new_key())
    mms = {"sendFrom": "num_abc123", "to": ["+15551234567"], "messageType": "MMS",
           "media": ["https://example.com/receipt.png"], "externalReference": "order_790"}
    app.send(mms, new_key())


def token_request_failed(rc: RedCloudSandbox) -> None:
    """A wrong client secret: every token request is refused; nothing else can work."""
    app = Integration(rc, secret="rc_secret_wrong_value")
    for _ in range(3):
        app.acquire_token()
        time.sleep(0.2)


def whoami_failed(rc: RedCloudSandbox) -> None:
    """The token is fine, but whoami is called without the `Bearer` scheme: 401 UNAUTHORIZED."""
    app = Integration(rc)
    app.acquire_token()
    for _ in range(2):
        app.client.get("/api/core/whoami", headers={"Authorization": app.token})


def numbers_failed(rc: RedCloudSandbox) -> None:
    """whoami succeeds, then the API client is deactivated: numbers answers 401 UNAUTHORIZED."""
    app = Integration(rc)
    app.acquire_token()
    app.whoami()
    rc.faults.inactive_client = True
    for _ in range(2):
        app.numbers()
        time.sleep(0.1)


def send_failed_after_numbers_ok(rc: RedCloudSandbox) -> None:
    """Numbers list fine, but sends use the E.164 number, then an inactive number."""
    app = Integration(rc)
    app.startup()
    for _ in range(3):
        app.send(sms(["+15557654321"], send_from="+15551234567"), new_key())
    app.send(sms(["+15557654321"], send_from="num_inactive"), new_key())


def send_invalid_request(rc: RedCloudSandbox) -> None:
    """Payload mistakes: no Idempotency-Key, a non-E.164 recipient, an SMS with media."""
    app = Integration(rc)
    app.startup()
    app.send(sms(["+15557654321"]), None)
    app.send(sms(["555-765-4321"]), new_key())
    body = sms(["+15557654321"]) | {"media": ["https://example.com/a.png"]}
    app.send(body, new_key())


def missing_idempotency_key(rc: RedCloudSandbox) -> None:
    """Sends without an Idempotency-Key header: 400 INVALID_REQUEST every time."""
    app = Integration(rc)
    app.startup()
    for index in range(2):
        app.send(sms(["+15557654321"], reference=f"order_{index}"), None)


def send_forbidden(rc: RedCloudSandbox) -> None:
    """sendFrom is another API client's number, never checked against /numbers: 403 FORBIDDEN."""
    app = Integration(rc)
    app.acquire_token()
    app.whoami()
    for _ in range(3):
        app.send(sms(["+15557654321"], send_from="num_other_client"), new_key())
        time.sleep(0.1)


def token_endpoint_timeout(rc: RedCloudSandbox) -> None:
    """The token endpoint answers slower than the client's timeout: no token, no CORE call."""
    rc.faults.delay_s = 0.6
    app = Integration(rc, timeout=0.3)
    for _ in range(2):
        with contextlib.suppress(httpx.TimeoutException):
            app.acquire_token()


def webhook_not_configured(rc: RedCloudSandbox) -> None:
    """No delivery webhook is configured for the API client: sends accepted, no webhook ever."""
    app = Integration(rc)
    app.startup()
    for index in range(2):
        app.send(sms(["+15557654321"], reference=f"order_{index}"), new_key())


def webhook_unreachable(rc: RedCloudSandbox) -> None:
    """The delivery webhook URL points where nothing listens: every delivery attempt fails."""
    app = Integration(rc)
    app.startup()
    for index in range(2):
        app.send(sms(["+15557654321"], reference=f"order_{index}"), new_key())
    time.sleep(3)
    app.whoami()


def webhook_handler_reserialized(rc: RedCloudSandbox) -> None:
    """The handler checks the HMAC over re-serialized JSON: correctly signed webhooks get 401."""
    app = Integration(rc)
    app.startup()
    app.send(sms(["+15557654321"]), new_key())
    rc.wait_for_webhooks(10)


def no_evidence(rc: RedCloudSandbox) -> None:
    """Capture was never set up: the service's client is not instrumented, the logs stay empty."""
    with httpx.Client(base_url=rc.base_url, timeout=5) as client:
        client.post("/api/auth/token", data={"grant_type": "client_credentials"},
                    auth=(rc.client_id, rc.client_secret))


def _accepted_sends(rc: RedCloudSandbox, count: int) -> Integration:
    """A started integration that sent `count` messages, each under a new Idempotency-Key."""
    app = Integration(rc)
    app.startup()
    for index in range(count):
        app.send(sms(["+15557654321"], reference=f"order_{index}"), new_key())
    return app


def accepted_not_delivered(rc: RedCloudSandbox) -> None:
    """Sends are accepted (202 QUEUED) but the lifecycle stops at message.queued."""
    rc.faults.stop_after_queued = True
    app = _accepted_sends(rc, 3)
    rc.wait_for_webhooks(5)
    time.sleep(3)
    app.whoami()


def unexplained_failure(rc: RedCloudSandbox) -> None:
    """Startup works, then sends go out with a token from another environment (a configuration
    mix-up): 401, a failure no symptom of the guide describes."""
    app = Integration(rc)
    app.startup()
    app.token = "rc_token_from_the_staging_environment"
    for index in range(2):
        app.send(sms(["+15557654321"], reference=f"order_{index}"), new_key())


def delivery_failed(rc: RedCloudSandbox) -> None:
    """Sends are accepted (202 QUEUED), then Red Cloud reports each message failed."""
    rc.faults.fail_deliveries = True
    app = _accepted_sends(rc, 3)
    rc.wait_for_webhooks(5)
    app.whoami()


def no_webhook_events(rc: RedCloudSandbox) -> None:
    """Sends are accepted but no webhook ever reaches the receiver."""
    rc.faults.drop_webhooks = True
    app = _accepted_sends(rc, 2)
    time.sleep(3)
    app.whoami()


def duplicate_messages(rc: RedCloudSandbox) -> None:
    """A send times out, and the retry uses a new Idempotency-Key: the customer gets two."""
    app = Integration(rc, timeout=0.3)
    app.startup()
    rc.faults.delay_s = 0.6
    body = sms(["+15557654321"], reference="order_dup")
    with contextlib.suppress(httpx.TimeoutException):
        app.send(body, new_key("attempt"))
    rc.faults.delay_s = 0.0
    time.sleep(0.5)
    app.send(body, new_key("attempt"))


def idempotency_conflict(rc: RedCloudSandbox) -> None:
    """One Idempotency-Key reused for a changed payload: 409 CONFLICT."""
    app = Integration(rc)
    app.startup()
    key = new_key()
    app.send(sms(["+15557654321"]), key)
    app.send(sms(["+15557654321", "+15550001111"]), key)


def token_expired_mid_session(rc: RedCloudSandbox) -> None:
    """A token is cached past its expiry: later CORE calls answer 401."""
    rc.faults.token_lifetime_s = 2
    app = Integration(rc)
    app.startup()
    time.sleep(2.5)
    app.send(sms(["+15557654321"]), new_key())
    app.whoami()


def server_error(rc: RedCloudSandbox) -> None:
    """Red Cloud's upstream dependency fails: sends answer 502 UPSTREAM_ERROR."""
    app = Integration(rc)
    app.startup()
    rc.faults.upstream_error_routes = {SEND}
    for _ in range(3):
        app.send(sms(["+15557654321"]), new_key())


def webhook_signature_invalid(rc: RedCloudSandbox) -> None:
    """Webhooks arrive signed with another secret; the receiver rejects them."""
    rc.faults.bad_webhook_signatures = True
    app = Integration(rc)
    app.startup()
    app.send(sms(["+15557654321"]), new_key())
    rc.wait_for_webhooks(10)


def webhook_rejected(rc: RedCloudSandbox) -> None:
    """The receiver answers 500 to every webhook (its handler is broken)."""
    app = Integration(rc)
    app.startup()
    app.send(sms(["+15557654321"]), new_key())
    rc.wait_for_webhooks(10)


def partial_acceptance(rc: RedCloudSandbox) -> None:
    """One of two recipients is not E.164: the send is accepted for the other only (requests)."""
    session = escalate.instrument(requests.Session())
    token = session.post(f"{rc.base_url}/api/auth/token",
                         data={"grant_type": "client_credentials", "client_id": rc.client_id,
                               "client_secret": rc.client_secret}, timeout=5).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    session.get(f"{rc.base_url}/api/core/whoami", headers=headers, timeout=5)
    session.get(f"{rc.base_url}/api/core/numbers", headers=headers, timeout=5)
    body = sms(["+15557654321", "5557654321"])
    session.post(f"{rc.base_url}{SEND}", json=body,
                 headers=headers | {"Idempotency-Key": new_key()}, timeout=5)
    rc.wait_for_webhooks(10)


async def _aiohttp_flow(rc: RedCloudSandbox, sends: int) -> None:
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(trace_configs=[escalate.aiohttp_trace_config()],
                                     timeout=timeout) as session:
        form = {"grant_type": "client_credentials"}
        auth = aiohttp.BasicAuth(rc.client_id, rc.client_secret)
        async with session.post(f"{rc.base_url}/api/auth/token", data=form, auth=auth) as response:
            token = (await response.json())["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for path in ("/api/core/whoami", "/api/core/numbers"):
            async with session.get(f"{rc.base_url}{path}", headers=headers) as response:
                await response.read()
        for index in range(sends):
            body = sms(["+15557654321"], reference=f"order_async_{index}")
            key_headers = headers | {"Idempotency-Key": new_key("async")}
            async with session.post(f"{rc.base_url}{SEND}", json=body,
                                    headers=key_headers) as response:
                await response.read()


async def _httpx_async_flow(rc: RedCloudSandbox, sends: int) -> None:
    async with escalate.instrument(httpx.AsyncClient(base_url=rc.base_url, timeout=5)) as client:
        token = (await client.post("/api/auth/token", data={"grant_type": "client_credentials"},
                                   auth=(rc.client_id, rc.client_secret))).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        await client.get("/api/core/whoami", headers=headers)
        for index in range(sends):
            body = sms(["+15557654321"], reference=f"order_httpx_async_{index}")
            await client.post(SEND, json=body, headers=headers | {"Idempotency-Key": new_key()})


def mixed(rc: RedCloudSandbox) -> None:
    """A busy day with every client library: mostly healthy, some 403s and a 502 burst."""
    app = Integration(rc)
    app.startup()
    for index in range(400):
        send_from = "num_other_client" if index % 40 == 7 else "num_abc123"
        app.send(sms(["+15557654321"], send_from=send_from, reference=f"order_{index}"),
                 new_key())
        if index == 120:
            rc.faults.upstream_error_routes = {SEND}
        if index == 124:
            rc.faults.upstream_error_routes = set()
    asyncio.run(_aiohttp_flow(rc, sends=60))
    asyncio.run(_httpx_async_flow(rc, sends=60))
    rc.wait_for_webhooks(30)


@dataclass(frozen=True)
class Sample:
    """One shipped sample: how to produce it and what its report must say."""

    name: str
    scenario: Scenario
    first_failing_stage: str | None
    findings: tuple[str, ...]
    receiver_status: int = 200
    report_args: tuple[str, ...] = ()
    #: the report's words a support engineer must find in every format: the top cause of the
    #: first finding, the API's own error message, who and where (`client_id`, host)
    expect_text: tuple[str, ...] = ()
    exit_code: int | None = None  #: None: 1 with findings, else 0
    sandbox_options: dict[str, Any] = field(default_factory=dict)
    receiver_args: tuple[str, ...] = ()


HOST = "127.0.0.1"
CLIENT = "rc_test_client_123"

SAMPLES: tuple[Sample, ...] = (
    Sample("healthy", healthy, None, (), expect_text=(CLIENT, HOST)),
    Sample("token_request_failed", token_request_failed, "token", ("token_request_failed",),
           expect_text=("invalid credentials", "Correct the credentials",
                        "Client authentication failed", HOST)),
    Sample("token_endpoint_timeout", token_endpoint_timeout, "token", ("token_request_failed",),
           expect_text=("the token endpoint is not reachable", "Make the token endpoint "
                        "reachable", "ReadTimeout", HOST)),
    Sample("whoami_failed", whoami_failed, "whoami", ("whoami_failed",),
           expect_text=("missing or malformed Authorization header", "Send the token as",
                        "Invalid or missing bearer token", HOST)),
    Sample("numbers_failed", numbers_failed, "numbers", ("numbers_failed",),
           expect_text=("inactive client context", "API client is ACTIVE",
                        "Invalid or missing bearer token", CLIENT, HOST)),
    Sample("send_failed_after_numbers_ok", send_failed_after_numbers_ok, "send",
           ("send_failed_after_numbers_ok",),
           expect_text=("using E.164 in sendFrom", "Put the numberId",
                        "sendFrom must be a numberId", CLIENT, HOST)),
    Sample("send_invalid_request", send_invalid_request, "send", ("send_invalid_request",),
           expect_text=("missing Idempotency-Key", "invalid recipient format",
                        "Idempotency-Key header is required", CLIENT, HOST)),
    Sample("missing_idempotency_key", missing_idempotency_key, "send", ("send_invalid_request",),
           expect_text=("missing Idempotency-Key", "Send an Idempotency-Key header with every "
                        "send", "Idempotency-Key header is required", CLIENT, HOST)),
    Sample("send_forbidden", send_forbidden, "send", ("send_forbidden",),
           expect_text=("number ownership mismatch", "sendFrom is not owned by this API client",
                        CLIENT, HOST)),
    Sample("accepted_not_delivered", accepted_not_delivered, "webhooks",
           ("accepted_not_delivered",), report_args=("--delivery-grace", "2s"),
           expect_text=("the lifecycle stopped after message.queued",
                        "Escalate to Red Cloud with the messageIds", CLIENT, HOST)),
    Sample("unexplained_failure", unexplained_failure, "send", ("unexplained_failure",),
           expect_text=("no symptom of the troubleshooting guide describes these failures",
                        "401 UNAUTHORIZED", HOST)),
    Sample("delivery_failed", delivery_failed, "webhooks", ("delivery_failed",),
           expect_text=("provider-side downstream failure reported later by webhook",
                        "message.failed is terminal", CLIENT, HOST)),
    Sample("no_webhook_events", no_webhook_events, "webhooks", ("no_webhook_events",),
           report_args=("--delivery-grace", "2s"),
           expect_text=("unreachable endpoint", "holds no webhook request", CLIENT, HOST)),
    Sample("webhook_unreachable", webhook_unreachable, "webhooks", ("no_webhook_events",),
           report_args=("--delivery-grace", "2s"),
           sandbox_options={"webhook_url": "http://127.0.0.1:9/webhooks/redcloud"},
           expect_text=("unreachable endpoint", "holds no webhook request", CLIENT, HOST)),
    Sample("webhook_not_configured", webhook_not_configured, "webhooks", ("no_webhook_events",),
           sandbox_options={"delivery_webhook_configured": False},
           expect_text=("the delivery webhook is not configured",
                        "Enable the delivery webhook configuration for API client " + CLIENT,
                        "holds no webhook request", HOST)),
    Sample("duplicate_messages", duplicate_messages, "send", ("duplicate_messages",),
           expect_text=(CLIENT, HOST)),
    Sample("idempotency_conflict", idempotency_conflict, "send", ("idempotency_conflict",),
           expect_text=("Idempotency-Key was already used with a different payload", CLIENT,
                        HOST)),
    Sample("token_expired_mid_session", token_expired_mid_session, "token",
           ("token_expired_mid_session",),
           expect_text=("expired token reused", "no: cached", "expired",
                        "Invalid or missing bearer token", CLIENT, HOST)),
    Sample("server_error", server_error, "send", ("server_error",),
           expect_text=("upstream platform dependency error", "Upstream platform dependency "
                        "error", CLIENT, HOST)),
    Sample("webhook_signature_invalid", webhook_signature_invalid, "webhooks",
           ("webhook_signature_invalid",),
           expect_text=("wrong or rotated signing secret", CLIENT, HOST)),
    Sample("webhook_handler_reserialized", webhook_handler_reserialized, "webhooks",
           ("webhook_rejected",), receiver_args=("--verify-reserialized",),
           expect_text=("your handler verifies something other than the raw body",
                        "Fix the handler's signature check", CLIENT, HOST)),
    Sample("webhook_rejected", webhook_rejected, "webhooks", ("webhook_rejected",),
           receiver_status=500,
           expect_text=("webhook processing bug", CLIENT, HOST)),
    Sample("partial_acceptance", partial_acceptance, None, ("partial_acceptance",),
           expect_text=("invalid recipient format", CLIENT, HOST)),
    Sample("mixed", mixed, "send", ("send_failed_after_numbers_ok", "server_error"),
           expect_text=(CLIENT, HOST)),
    Sample("no_evidence", no_evidence, None, (), exit_code=4,
           expect_text=("No evidence to judge", "check that capture is configured")),
)
