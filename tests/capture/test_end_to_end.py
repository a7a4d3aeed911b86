"""Every client library against the local Red Cloud server: success flow and each failure kind."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from escalate._capture._settings import fingerprint
from escalate.sandbox import RedCloudSandbox

from ._drivers import DRIVER_IDS, DRIVERS, Call, Reply
from ._evidence import (
    CANARIES,
    CLIENT_ID,
    CLIENT_SECRET,
    IDEMPOTENCY_KEY,
    WEBHOOK_SECRET,
    Evidence,
    closed_port,
    send_body,
)
from .conftest import Receiver

pytestmark = pytest.mark.parametrize("driver", DRIVERS, ids=DRIVER_IDS)


@pytest.fixture
def rc(receiver: Receiver) -> Iterator[RedCloudSandbox]:
    """A sandbox with canary credentials whose webhooks go to the WSGI receiver."""
    with RedCloudSandbox(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                         webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET) as sandbox:
        yield sandbox


class Flow:
    """The documented call sequence, made through one driver."""

    def __init__(self, driver: Any, rc: RedCloudSandbox) -> None:
        self.driver, self.base = driver, rc.base_url
        self.token = ""

    def get_token(self, secret: str = CLIENT_SECRET) -> Reply:
        form = {"grant_type": "client_credentials", "client_id": CLIENT_ID,
                "client_secret": secret}
        reply: Reply = self.driver.call(Call("POST", self.base + "/api/auth/token", form=form))
        if reply.status == 200:
            self.token = reply.body["access_token"]
        return reply

    def get_token_basic(self) -> Reply:
        credentials = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        headers = {"Authorization": f"Basic {credentials}"}
        form = {"grant_type": "client_credentials"}
        url = self.base + "/api/auth/token"
        reply: Reply = self.driver.call(Call("POST", url, headers, form=form))
        if reply.status == 200:
            self.token = reply.body["access_token"]
        return reply

    def get(self, route: str, timeout: float = 5.0) -> Reply:
        headers = {"Authorization": f"Bearer {self.token}"}
        return self.driver.call(Call("GET", self.base + route, headers, timeout=timeout))  # type: ignore[no-any-return]

    def send(self, body: dict[str, Any], key: str | None = IDEMPOTENCY_KEY) -> Reply:
        headers = {"Authorization": f"Bearer {self.token}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        url = self.base + "/api/core/messages/send"
        return self.driver.call(Call("POST", url, headers, json=body))  # type: ignore[no-any-return]


def test_success_flow_records_every_stage(driver: Any, rc: RedCloudSandbox,
                                          evidence: Evidence) -> None:
    """Token, whoami, numbers and send each give one `ok` record with its response summary."""
    flow = Flow(driver, rc)
    assert flow.get_token().status == 200
    assert flow.get("/api/core/whoami").status == 200
    assert flow.get("/api/core/numbers").status == 200
    accepted = flow.send(send_body())
    assert accepted.status == 202
    calls = evidence.calls()
    assert [call["stage"] for call in calls] == ["token", "whoami", "numbers", "send"]
    assert {call["client"] for call in calls} == {driver.name}
    assert all(call["outcome"] == "ok" for call in calls)
    assert calls[1]["response"]["apiClientId"] == CLIENT_ID
    assert calls[2]["response"]["numbers"][0]["numberId"] == "num_abc123"
    message_id = accepted.body["results"][0]["messageId"]
    assert calls[3]["response"]["results"] == [
        {"to": "<e164>", "messageId": message_id, "status": "QUEUED"}]


def test_success_flow_token_freshness(driver: Any, rc: RedCloudSandbox,
                                      evidence: Evidence) -> None:
    """The first CORE call after acquisition is `fresh`, the next is not; both `acquired`."""
    flow = Flow(driver, rc)
    flow.get_token()
    flow.get("/api/core/whoami")
    flow.get("/api/core/numbers")
    token_record, first, second = evidence.calls()
    issued = token_record["response"]["token_fingerprint"]
    assert first["token"]["fingerprint"] == second["token"]["fingerprint"] == issued
    assert (first["token"]["source"], first["token"]["fresh"]) == ("acquired", True)
    assert (second["token"]["fresh"], second["token"]["expired"]) == (False, False)


def test_success_flow_webhooks_reach_records(driver: Any, rc: RedCloudSandbox,
                                             evidence: Evidence, receiver: Receiver) -> None:
    """The lifecycle webhooks pass the middleware into `valid` webhook records for the send."""
    flow = Flow(driver, rc)
    flow.get_token()
    message_id = flow.send(send_body()).body["results"][0]["messageId"]
    rc.wait_for_webhooks(5.0)
    webhooks = evidence.records("webhook")
    assert [hook["event"] for hook in webhooks] == [
        "message.queued", "message.sent", "message.delivery"]
    assert {hook["message_id"] for hook in webhooks} == {message_id}
    assert {(hook["signature"], hook["response_status"]) for hook in webhooks} == {("valid", 200)}
    assert [hook["sequence"] for hook in webhooks] == [1, 2, 3]
    assert len(receiver.bodies) == 3 and all(receiver.bodies)


def test_invalid_client(driver: Any, rc: RedCloudSandbox, evidence: Evidence) -> None:
    """A wrong client secret: 401 with the OAuth error `invalid_client` recorded."""
    assert Flow(driver, rc).get_token(secret="cs_wrong_canary_1").status == 401
    record = evidence.last_call()
    assert (record["stage"], record["status"], record["outcome"]) == ("token", 401, "http_error")
    assert record["error_code"] == "invalid_client"
    assert "cs_wrong_canary_1" not in evidence.text()


def test_expired_token(driver: Any, rc: RedCloudSandbox, evidence: Evidence) -> None:
    """A token past its lifetime: 401 UNAUTHORIZED and the record says `expired`."""
    rc.faults.token_lifetime_s = 0
    flow = Flow(driver, rc)
    flow.get_token()
    assert flow.get("/api/core/whoami").status == 401
    record = evidence.last_call()
    assert record["error_code"] == "UNAUTHORIZED"
    assert record["request_id"]
    token = record["token"]
    assert (token["source"], token["expires_in"], token["expired"]) == ("acquired", 0, True)


def test_missing_idempotency_key(driver: Any, rc: RedCloudSandbox, evidence: Evidence) -> None:
    """A send without Idempotency-Key: 400 INVALID_REQUEST, `idempotency.present` false."""
    flow = Flow(driver, rc)
    flow.get_token()
    assert flow.send(send_body(), key=None).status == 400
    record = evidence.last_call()
    assert record["error_code"] == "INVALID_REQUEST"
    assert record["idempotency"] == {"present": False, "fingerprint": None}
    assert record["operation"].startswith("fp_")


def test_phone_number_as_send_from(driver: Any, rc: RedCloudSandbox, evidence: Evidence) -> None:
    """`sendFrom` holding an E.164 number is visible as `<e164:fp_...>` without the number."""
    flow = Flow(driver, rc)
    flow.get_token()
    assert flow.send(send_body(send_from="+15551234567")).status == 400
    record = evidence.last_call()
    assert record["payload"]["sendFrom"] == f"<e164:{fingerprint('+15551234567')}>"
    assert "15551234567" not in json.dumps(record)
    assert record["error_code"] == "INVALID_REQUEST"


def test_send_from_fingerprint_matches_own_number(driver: Any, rc: RedCloudSandbox,
                                                 evidence: Evidence) -> None:
    """An E.164 `sendFrom` fingerprints like the same number in the numbers summary."""
    flow = Flow(driver, rc)
    flow.get_token()
    flow.get("/api/core/numbers")
    flow.send(send_body(send_from="+15551234567"))
    numbers, send = evidence.calls()[1:]
    by_fingerprint = {n["e164_fingerprint"]: n["numberId"] for n in numbers["response"]["numbers"]}
    assert send["payload"]["sendFrom"] == f"<e164:{fingerprint('+15551234567')}>"
    assert by_fingerprint[fingerprint("+15551234567")] == "num_abc123"


def test_forbidden_send_from(driver: Any, rc: RedCloudSandbox, evidence: Evidence) -> None:
    """A number owned by another client: 403 FORBIDDEN with its requestId."""
    flow = Flow(driver, rc)
    flow.get_token()
    assert flow.send(send_body(send_from="num_other_client")).status == 403
    record = evidence.last_call()
    assert (record["error_code"], record["payload"]["sendFrom"]) == ("FORBIDDEN",
                                                                    "num_other_client")
    assert record["request_id"]


def test_conflict_same_key_other_payload(driver: Any, rc: RedCloudSandbox,
                                         evidence: Evidence) -> None:
    """Same key, different payload: 409, same key fingerprint, different operation."""
    flow = Flow(driver, rc)
    flow.get_token()
    assert flow.send(send_body()).status == 202
    assert flow.send(send_body(messageType="MMS", media=["https://x.test/a.png"])).status == 409
    first, second = evidence.calls("send")
    assert second["error_code"] == "CONFLICT"
    assert first["idempotency"] == second["idempotency"]
    assert first["operation"] != second["operation"]


@pytest.mark.parametrize(("fault", "status", "code"), [
    ("server_error_routes", 500, "SERVER_ERROR"), ("upstream_error_routes", 502, "UPSTREAM_ERROR")])
def test_server_errors(driver: Any, rc: RedCloudSandbox, evidence: Evidence, fault: str,
                       status: int, code: str) -> None:
    """5xx answers are recorded with their status and CORE error code."""
    flow = Flow(driver, rc)
    flow.get_token()
    getattr(rc.faults, fault).add("/api/core/whoami")
    assert flow.get("/api/core/whoami").status == status
    record = evidence.last_call()
    assert (record["status"], record["error_code"], record["outcome"]) == (status, code,
                                                                          "http_error")


def test_timeout(driver: Any, rc: RedCloudSandbox, evidence: Evidence) -> None:
    """A response slower than the client timeout: `timeout`, no status, the exception named."""
    flow = Flow(driver, rc)
    flow.get_token()
    rc.faults.delay_s = 1.0
    reply = flow.get("/api/core/whoami", timeout=0.2)
    assert reply.error is not None
    record = evidence.last_call()
    assert (record["outcome"], record["status"]) == ("timeout", None)
    assert record["exception"] == reply.error
    assert record["duration_ms"] >= 150


def test_connection_refused(driver: Any, evidence: Evidence) -> None:
    """A closed port: `connection_error`, still recorded with route and stage."""
    url = f"http://127.0.0.1:{closed_port()}/api/core/messages/send"
    reply = driver.call(Call("POST", url, {"Idempotency-Key": IDEMPOTENCY_KEY}, json=send_body()))
    assert reply.error is not None
    record = evidence.last_call()
    assert (record["outcome"], record["stage"], record["status"]) == ("connection_error", "send",
                                                                     None)
    assert record["idempotency"]["present"] is True


def test_no_secret_in_any_record(driver: Any, rc: RedCloudSandbox, evidence: Evidence) -> None:
    """Canary secrets, the issued token, text, numbers and keys never reach the evidence."""
    flow = Flow(driver, rc)
    assert flow.get_token_basic().status == 200
    basic_token = flow.token
    flow.get_token()
    for route in ("/api/core/whoami", "/api/core/numbers"):
        flow.get(route)
    flow.send(send_body())
    flow.send(send_body(to="555-765-4321"))
    flow.send(send_body(send_from="+15551234567"), key=None)
    rc.wait_for_webhooks(5.0)
    text = evidence.text()
    assert len(evidence.records()) >= 8
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert evidence.calls("token")[0]["auth"]["scheme"] == "basic"
    for canary in (*CANARIES, flow.token, flow.token[-12:], basic_token, basic):
        assert canary not in text
