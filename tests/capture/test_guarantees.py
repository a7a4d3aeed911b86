"""The user's call behaves exactly as without escalate: responses, exceptions, streaming."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
import httpx
import pytest
import requests

import escalate
from escalate.sandbox import RedCloudSandbox

from ._evidence import Evidence, closed_port
from ._server import FIRST_CHUNK, SECOND_CHUNK, gated_server


def _stable(body: bytes) -> bytes:
    """The body with the sandbox's per-request counter removed."""
    return re.sub(rb'"requestId":"[^"]*"', b"", body)


def _httpx_outcome(client: httpx.Client, url: str, **kwargs: Any) -> tuple[Any, ...]:
    try:
        response = client.post(url, **kwargs)
    except httpx.HTTPError as exc:
        return ("raised", type(exc), str(exc))
    return (response.status_code, response.headers.get("content-type"), _stable(response.content))


def _requests_outcome(session: requests.Session, url: str, **kwargs: Any) -> tuple[Any, ...]:
    try:
        response = session.post(url, **kwargs)
    except requests.RequestException as exc:
        return ("raised", type(exc))
    return (response.status_code, response.headers.get("content-type"), _stable(response.content))


def _cases(base: str) -> list[tuple[str, dict[str, Any]]]:
    send = base + "/api/core/messages/send"
    return [
        (base + "/api/auth/token", {"data": {"grant_type": "client_credentials"}}),
        (send, {"json": {"sendFrom": "num_abc123"}}),
        (send, {"json": {"to": ["+1555"]}, "headers": {"Idempotency-Key": "k"}}),
        (f"http://127.0.0.1:{closed_port()}/api/core/whoami", {}),
    ]


def test_httpx_same_responses_and_exceptions(redcloud: RedCloudSandbox,
                                             evidence: Evidence) -> None:
    """httpx: status, headers and body (or the exception) are those of a bare client."""
    with httpx.Client() as bare, escalate.instrument(httpx.Client()) as instrumented:
        for url, kwargs in _cases(redcloud.base_url):
            assert _httpx_outcome(instrumented, url, **kwargs) == _httpx_outcome(bare, url,
                                                                                 **kwargs)
    assert len(evidence.calls()) == 4


def test_requests_same_responses_and_exceptions(redcloud: RedCloudSandbox,
                                                evidence: Evidence) -> None:
    """requests: status, headers and body (or the exception type) are those of a bare session."""
    with requests.Session() as bare, escalate.instrument(requests.Session()) as instrumented:
        for url, kwargs in _cases(redcloud.base_url):
            assert _requests_outcome(instrumented, url, **kwargs) == _requests_outcome(
                bare, url, **kwargs)
    assert len(evidence.calls()) == 4


def test_timeout_exception_is_unchanged(redcloud: RedCloudSandbox, evidence: Evidence) -> None:
    """The exact exception object raised by the transport reaches the caller."""
    redcloud.faults.delay_s = 0.5
    with escalate.instrument(httpx.Client(timeout=0.1)) as client, \
            pytest.raises(httpx.ReadTimeout) as caught:
        client.get(redcloud.base_url + "/api/core/whoami")
    assert caught.value.request.url.path == "/api/core/whoami"
    assert evidence.last_call()["exception"] == "ReadTimeout"


def test_instrumenting_twice_records_once(redcloud: RedCloudSandbox, evidence: Evidence) -> None:
    """instrument() on an instrumented client changes nothing: one record per call."""
    client = escalate.instrument(escalate.instrument(httpx.Client()))
    session = escalate.instrument(escalate.instrument(requests.Session()))
    client.get(redcloud.base_url + "/api/core/whoami")
    session.get(redcloud.base_url + "/api/core/whoami")
    assert len(evidence.calls()) == 2


def test_requests_adapter_settings_reach_the_real_adapter() -> None:
    """Configuring the mounted adapter after instrumenting still configures the real one."""
    session = escalate.instrument(requests.Session())
    wrapper = session.get_adapter("https://api.test/")
    wrapper.max_retries = 7
    assert wrapper.inner.max_retries == 7 and wrapper.max_retries == 7


def test_instrument_rejects_unknown_objects() -> None:
    """An object of no supported library is refused with a TypeError, not silently ignored."""
    with pytest.raises(TypeError):
        escalate.instrument(object())


def test_httpx_stream_still_streams(evidence: Evidence) -> None:
    """The first chunk reaches the user before the server has sent the second one."""
    with gated_server() as server, escalate.instrument(httpx.Client()) as client, \
            client.stream("GET", server.base_url + "/api/core/numbers") as response:
        chunks = response.iter_raw()
        assert next(chunks) == FIRST_CHUNK
        assert not server.second_sent.is_set()
        server.release.set()
        assert b"".join(chunks) == SECOND_CHUNK
    assert evidence.last_call()["response"] == {"numbers": []}


def test_httpx_async_stream_still_streams(evidence: Evidence) -> None:
    """Async: the first chunk arrives before the second is sent; the record comes at close."""
    async def run(base_url: str, server: Any) -> None:
        async with escalate.instrument(httpx.AsyncClient()) as client, \
                client.stream("GET", base_url + "/api/core/numbers") as response:
            chunks = response.aiter_raw()
            assert await chunks.__anext__() == FIRST_CHUNK
            assert not server.second_sent.is_set()
            server.release.set()
            assert b"".join([chunk async for chunk in chunks]) == SECOND_CHUNK

    with gated_server() as server:
        asyncio.run(run(server.base_url, server))
    assert evidence.last_call()["client"] == "httpx-async"


def test_requests_stream_still_streams(evidence: Evidence) -> None:
    """requests stream=True: the body is left to the user, copied as it is read, and the
    record written once it is read, with its summary (as through httpx)."""
    with gated_server() as server, escalate.instrument(requests.Session()) as session:
        response = session.get(server.base_url + "/api/core/numbers", stream=True, timeout=5)
        assert not server.second_sent.is_set()
        server.release.set()
        assert response.content == FIRST_CHUNK + SECOND_CHUNK
    assert evidence.last_call()["response"] == {"numbers": []}


def test_aiohttp_stream_still_streams(evidence: Evidence) -> None:
    """aiohttp: streaming `content` works; the record is written when the response is freed."""
    async def run(base_url: str, server: Any) -> None:
        trace = escalate.aiohttp_trace_config()
        async with aiohttp.ClientSession(trace_configs=[trace]) as session:
            async with session.get(base_url + "/api/core/numbers") as response:
                first = await response.content.readany()
                assert FIRST_CHUNK.startswith(first) and first
                assert not server.second_sent.is_set()
                server.release.set()
                await response.content.read()
            del response

    with gated_server() as server:
        asyncio.run(run(server.base_url, server))
    record = evidence.last_call()
    assert (record["client"], record["status"], record["response"]) == ("aiohttp", 200, None)


class _FullDisk:
    def write(self, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    def flush(self) -> None:
        """Nothing buffered."""


class _BuggyFile(_FullDisk):
    def write(self, data: bytes) -> int:
        raise RuntimeError("bug in a custom file object")


@pytest.mark.parametrize(("make_file", "kind"), [
    (_FullDisk, "sink.OSError"), (_BuggyFile, "sink.RuntimeError")], ids=["disk-full", "raising"])
def test_failing_sink_never_raises(redcloud: RedCloudSandbox, make_file: Any, kind: str) -> None:
    """A sink that raises is swallowed and counted; the call still returns its response."""
    escalate.configure(file=make_file())
    before = escalate.capture_stats()["errors"].get(kind, 0)
    try:
        with escalate.instrument(httpx.Client()) as client:
            assert client.get(redcloud.base_url + "/api/core/whoami").status_code == 401
    finally:
        escalate.configure(path="/dev/null")
    assert escalate.capture_stats()["errors"][kind] == before + 1


def test_closed_file_sink_never_raises(redcloud: RedCloudSandbox, tmp_path: Any) -> None:
    """A closed file as target: the error is counted, the requests call is unaffected."""
    stream = open(tmp_path / "closed.jsonl", "wb")  # noqa: SIM115 - closed on purpose
    escalate.configure(file=stream)
    stream.close()
    before = escalate.capture_stats()["errors"].get("sink.ValueError", 0)
    try:
        with escalate.instrument(requests.Session()) as session:
            assert session.get(redcloud.base_url + "/api/core/whoami").status_code == 401
    finally:
        escalate.configure(path="/dev/null")
    assert escalate.capture_stats()["errors"]["sink.ValueError"] == before + 1
