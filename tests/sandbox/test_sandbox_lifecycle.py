"""Starting and stopping the sandbox: context manager, bounded stop, `python -m` entry point."""

from __future__ import annotations

import http.client
import signal
import subprocess
import sys
import time

import pytest

from escalate.sandbox import RedCloudSandbox, WebhookSink

from ._api import call, send, sms, token


def test_base_url_is_loopback_with_a_free_port(redcloud: RedCloudSandbox) -> None:
    """The sandbox binds 127.0.0.1 on an ephemeral port."""
    assert redcloud.base_url.startswith("http://127.0.0.1:")
    assert int(redcloud.base_url.rsplit(":", 1)[1]) > 0


def test_base_url_before_start_raises() -> None:
    """Asking an unstarted sandbox for its URL is an error, not a wrong URL."""
    with pytest.raises(RuntimeError):
        _ = RedCloudSandbox().base_url


def test_stopped_sandbox_refuses_connections() -> None:
    """After the context exits, the port no longer answers."""
    with RedCloudSandbox() as rc:
        url = rc.base_url
    with pytest.raises(OSError):
        call("GET", url + "/api/core/whoami", timeout=1)


def test_stop_is_bounded_with_pending_webhooks(webhook_sink: WebhookSink) -> None:
    """Stopping drops pending deliveries (slow retries), returns fast, and leaves none pending."""
    webhook_sink.status = 500
    rc = RedCloudSandbox(webhook_url=webhook_sink.url, webhook_retry_delays=(30.0,)).start()
    send(rc, token(rc), sms())
    started = time.perf_counter()
    rc.stop()
    assert time.perf_counter() - started < 3
    rc.wait_for_webhooks(timeout=1)


def test_wait_for_webhooks_times_out(webhook_sink: WebhookSink) -> None:
    """wait_for_webhooks raises TimeoutError instead of blocking past its timeout."""
    webhook_sink.status = 500
    with RedCloudSandbox(webhook_url=webhook_sink.url, webhook_retry_delays=(30.0,)) as rc:
        send(rc, token(rc), sms())
        with pytest.raises(TimeoutError):
            rc.wait_for_webhooks(timeout=0.3)


def test_keep_alive_responses_are_not_delayed_by_nagle(redcloud: RedCloudSandbox) -> None:
    """Ten requests on one HTTP/1.1 connection take well under Nagle's ~40 ms each."""
    access = token(redcloud)
    connection = http.client.HTTPConnection("127.0.0.1", _port(redcloud), timeout=5)
    started = time.perf_counter()
    try:
        for _ in range(10):
            connection.request(
                "GET", "/api/core/numbers", headers={"Authorization": f"Bearer {access}"}
            )
            response = connection.getresponse()
            assert (response.status, response.will_close) == (200, False)
            response.read()
    finally:
        connection.close()
    assert time.perf_counter() - started < 0.3


def _port(rc: RedCloudSandbox) -> int:
    return int(rc.base_url.rsplit(":", 1)[1])


def test_module_entry_point_prints_url_and_stops_on_sigint() -> None:
    """`python -m escalate.sandbox` prints the base URL and credentials, and exits on Ctrl-C."""
    process = subprocess.Popen(
        [sys.executable, "-m", "escalate.sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Red Cloud sandbox listening on http://127.0.0.1:")
        assert process.stdout.readline().strip() == "client_id=rc_test_client_123"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.wait(timeout=5)
