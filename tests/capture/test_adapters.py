"""Every client library records the same call the same way: one body decision, one tee."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import escalate
from escalate.sandbox import RedCloudSandbox

from ._drivers import DRIVER_IDS, DRIVERS, Call
from ._evidence import CLIENT_ID, CLIENT_SECRET, Evidence

#: Fields that differ between two calls whatever the library: time, process, order, client.
_VOLATILE = ("ts", "pid", "seq", "client", "duration_ms")


@pytest.fixture
def rc() -> Iterator[RedCloudSandbox]:
    """A sandbox that knows the canary client."""
    with RedCloudSandbox(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as sandbox:
        yield sandbox


def _token(rc: RedCloudSandbox) -> str:
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET}
    token: str = httpx.post(rc.base_url + "/api/auth/token", data=form).json()["access_token"]
    return token


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    """The record without what legitimately varies from one call to the next."""
    kept = {key: value for key, value in record.items() if key not in _VOLATILE}
    kept["request_id"] = kept["request_id"] is not None
    if kept["token"] is not None:
        kept["token"] = {key: value for key, value in kept["token"].items() if key != "age_s"}
    return kept


def _spellings(base: str) -> list[str]:
    host_upper = base.replace("127.0.0.1", "LOCALHOST")
    return [base + "/api/core/whoami", base + "/api/core/whoami/",
            base + "/api/core/whoami?verbose=1", host_upper + "/api/core/whoami",
            base + "/api/core/numbers/", base + "/api/core/whoami/extra"]


@pytest.mark.parametrize("read_body", [True, False], ids=["app-reads", "status-only"])
def test_route_spellings_give_identical_records_through_every_client(
        rc: RedCloudSandbox, evidence: Evidence, read_body: bool) -> None:
    """Trailing slash, query string, host case: every client library writes the same record
    for the same call (the app reading the body or not)."""
    headers = {"Authorization": f"Bearer {_token(rc)}"}
    for url in _spellings(rc.base_url):
        for driver in DRIVERS:
            driver.call(Call("GET", url, headers=headers, read_body=read_body))
        records = [_comparable(record) for record in evidence.calls()[-len(DRIVERS):]]
        assert [record == records[0] for record in records] == [True] * len(DRIVERS), url


def test_documented_spellings_are_summarised(rc: RedCloudSandbox, evidence: Evidence) -> None:
    """A documented route however spelt gets its stage and its response summary."""
    headers = {"Authorization": f"Bearer {_token(rc)}"}
    for url in _spellings(rc.base_url)[:4]:
        DRIVERS[0].call(Call("GET", url, headers=headers))
        record = evidence.last_call()
        assert (record["route"], record["stage"]) == ("/api/core/whoami", "whoami"), url
        assert record["host"] in ("127.0.0.1:" + rc.base_url.rsplit(":", 1)[1],
                                  "localhost:" + rc.base_url.rsplit(":", 1)[1])


@pytest.mark.parametrize("driver", DRIVERS, ids=DRIVER_IDS)
def test_unread_error_body_still_gives_the_request_id(driver: Any, rc: RedCloudSandbox,
                                                      evidence: Evidence) -> None:
    """An application that checks the status and never reads the error body: the record still
    has the requestId and error code (the adapter reads the small error body itself)."""
    reply = driver.call(Call("GET", rc.base_url + "/api/core/whoami",
                             headers={"Authorization": "Bearer not_a_token_1"}, read_body=False))
    record = evidence.last_call()
    assert reply.status == record["status"] == 401
    assert record["request_id"] is not None and record["error_code"] is not None


def _mock_reply(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/api/core/whoami":
        return httpx.Response(200, json={"apiClientId": "api_1", "apiClientStatus": "ACTIVE"})
    return httpx.Response(403, json={"error": {"code": "FORBIDDEN", "message": "no"},
                                     "requestId": "req_mock_1"})


def test_mock_transport_calls_are_recorded(evidence: Evidence) -> None:
    """httpx.MockTransport reads the body before returning: every call is still recorded."""
    with escalate.instrument(httpx.Client(transport=httpx.MockTransport(_mock_reply))) as client:
        client.get("https://api.test/api/core/whoami")
        client.post("https://api.test/api/core/messages/send", json={"to": ["+15551234567"]})
    whoami, send = evidence.calls()
    assert whoami["response"] == {"apiClientId": "api_1", "apiClientStatus": "ACTIVE"}
    assert (send["request_id"], send["error_code"]) == ("req_mock_1", "FORBIDDEN")
    assert escalate.capture_stats()["errors_total"] == 0


def test_async_mock_transport_calls_are_recorded(evidence: Evidence) -> None:
    """The same through httpx.AsyncClient."""
    async def run() -> None:
        transport = httpx.MockTransport(_mock_reply)
        async with escalate.instrument(httpx.AsyncClient(transport=transport)) as client:
            await client.get("https://api.test/api/core/whoami")

    asyncio.run(run())
    assert evidence.last_call()["response"] == {"apiClientId": "api_1",
                                                 "apiClientStatus": "ACTIVE"}


def test_response_never_read_nor_closed_is_recorded_when_collected(rc: RedCloudSandbox,
                                                                   evidence: Evidence) -> None:
    """A streamed success the application drops unread is still recorded (without summary)."""
    headers = {"Authorization": f"Bearer {_token(rc)}"}
    with escalate.instrument(httpx.Client()) as client:
        request = client.build_request("GET", rc.base_url + "/api/core/whoami", headers=headers)
        response = client.send(request, stream=True)
        status = response.status_code
        del response
    import gc

    gc.collect()
    record = evidence.last_call()
    assert (record["stage"], record["status"]) == ("whoami", status)
