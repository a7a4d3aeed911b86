"""The writer thread: successful calls' records off the caller's thread, failures before return,
order kept, nothing lost at exit, on `configure`, under pressure or across a fork."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import requests
import structlog

import escalate
from escalate._capture import _writer
from escalate.sandbox import RedCloudSandbox

from ._evidence import CLIENT_ID, CLIENT_SECRET, Evidence, closed_port

TOKEN_FORM = {"grant_type": "client_credentials", "client_id": CLIENT_ID,
              "client_secret": CLIENT_SECRET}


@pytest.fixture(autouse=True)
def _handles_sigterm() -> Any:
    """This process handles SIGTERM, as a server does: the writer thread may defer records."""
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    yield
    signal.signal(signal.SIGTERM, previous)


@pytest.fixture
def rc() -> Any:
    """A sandbox that knows the canary client."""
    with RedCloudSandbox(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as sandbox:
        yield sandbox


def _token(client: httpx.Client, base: str) -> str:
    token: str = client.post(base + "/api/auth/token", data=TOKEN_FORM).json()["access_token"]
    return token


class _ThreadRecordingFile:
    """A binary file target that remembers which thread wrote each line."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.threads: list[str] = []

    def write(self, data: bytes) -> int:
        self.lines.append(data)
        self.threads.append(threading.current_thread().name)
        return len(data)

    def flush(self) -> None:
        """Nothing buffered."""


def test_successful_call_is_written_by_the_writer_thread(rc: RedCloudSandbox) -> None:
    """A 200's record is written on escalate's writer thread (a batch delay after the call)."""
    target = _ThreadRecordingFile()
    escalate.configure(file=target)
    try:
        with escalate.instrument(httpx.Client()) as client:
            _token(client, rc.base_url)
            deadline = time.monotonic() + 5
            while not target.lines and time.monotonic() < deadline:
                time.sleep(0.005)
    finally:
        escalate.configure(path=os.devnull)
    assert target.threads == [_writer.THREAD_NAME]
    assert orjson.loads(target.lines[0])["status"] == 200


def _httpx_401(base: str) -> None:
    with escalate.instrument(httpx.Client()) as client:
        client.get(base + "/api/core/whoami")


def _requests_401(base: str) -> None:
    with escalate.instrument(requests.Session()) as session:
        session.get(base + "/api/core/whoami")


def _httpx_refused(base: str) -> None:
    with escalate.instrument(httpx.Client()) as client, pytest.raises(httpx.ConnectError):
        client.get(f"http://127.0.0.1:{closed_port()}/api/core/whoami")


@pytest.mark.parametrize("fail", [_httpx_401, _requests_401, _httpx_refused],
                         ids=["httpx-401", "requests-401", "httpx-refused"])
def test_failed_call_is_on_disk_when_the_call_returns(rc: RedCloudSandbox, evidence: Evidence,
                                                      fail: Any) -> None:
    """An error status or an exception: the record is in the file before the call returns."""
    fail(rc.base_url)
    lines = evidence.unflushed_text().splitlines()
    assert len(lines) == 1
    record = orjson.loads(lines[0])
    assert record["outcome"] in ("http_error", "connection_error")


def test_records_keep_the_order_of_the_calls(rc: RedCloudSandbox, evidence: Evidence) -> None:
    """Queued successes and waited-for failures come out in the order the calls finished."""
    expected = []
    with escalate.instrument(httpx.Client()) as client:
        token = _token(client, rc.base_url)
        expected.append(200)
        for index in range(40):
            headers = {"Authorization": f"Bearer {token}"} if index % 3 else {}
            expected.append(client.get(rc.base_url + "/api/core/whoami",
                                       headers=headers).status_code)
    calls = evidence.calls()
    assert [call["status"] for call in calls] == expected
    assert [call["seq"] for call in calls] == sorted(call["seq"] for call in calls)
    assert {401, 200} <= set(expected)


def test_calls_from_many_threads_all_come_out_whole(rc: RedCloudSandbox,
                                                    evidence: Evidence) -> None:
    """Eight threads of successful and failing calls: every record written once, whole."""
    def calls(index: int) -> None:
        with escalate.instrument(httpx.Client()) as client:
            for _ in range(15):
                _token(client, rc.base_url)
                if index % 2:
                    client.get(rc.base_url + "/api/core/whoami")  # 401: written at once

    threads = [threading.Thread(target=calls, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    statuses = [call["status"] for call in evidence.calls()]
    assert sorted(statuses) == [200] * 120 + [401] * 60
    assert len(evidence.text().splitlines()) == 180


def test_background_false_writes_on_the_calling_thread(rc: RedCloudSandbox) -> None:
    """`configure(background=False)`: every record is written before the call returns."""
    target = _ThreadRecordingFile()
    escalate.configure(file=target, background=False)
    try:
        with escalate.instrument(httpx.Client()) as client:
            _token(client, rc.base_url)
            assert target.threads == [threading.current_thread().name]
    finally:
        escalate.configure(path=os.devnull)


def test_a_logger_target_is_called_on_the_callers_thread(rc: RedCloudSandbox) -> None:
    """A service's structlog pipeline sees the caller's context variables."""
    captured: list[dict[str, Any]] = []

    def keep(_logger: Any, _method: str, event_dict: dict[str, Any]) -> str:
        captured.append(dict(event_dict))
        return ""

    logger = structlog.wrap_logger(structlog.ReturnLogger(),
                                   processors=[structlog.contextvars.merge_contextvars, keep])
    escalate.configure(logger=logger)
    try:
        with structlog.contextvars.bound_contextvars(request_ref="req-42"), \
                escalate.instrument(httpx.Client()) as client:
            _token(client, rc.base_url)
            assert [event["request_ref"] for event in captured] == ["req-42"]
    finally:
        escalate.configure(path=os.devnull)


def test_too_many_pending_records_make_the_caller_wait(rc: RedCloudSandbox, evidence: Evidence,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Past `MAX_PENDING` pending records a successful call writes them and its own."""
    monkeypatch.setattr(_writer, "MAX_PENDING", 0)
    with escalate.instrument(httpx.Client()) as client:
        _token(client, rc.base_url)
        assert len(evidence.unflushed_text().splitlines()) == 1


def test_configure_writes_pending_records_to_the_old_target(rc: RedCloudSandbox,
                                                            tmp_path: Path) -> None:
    """Records queued before `configure` go where they were going."""
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    escalate.configure(path=first)
    try:
        with escalate.instrument(httpx.Client()) as client:
            for _ in range(20):
                _token(client, rc.base_url)
            escalate.configure(path=second)
            assert len(first.read_bytes().splitlines()) == 20
            _token(client, rc.base_url)
        escalate.flush()
        assert len(second.read_bytes().splitlines()) == 1
    finally:
        escalate.configure(path=os.devnull)


EXIT_SCRIPT = """
import sys, httpx, escalate
escalate.configure(path=sys.argv[1])
client = escalate.instrument(httpx.Client())
form = {"grant_type": "client_credentials", "client_id": sys.argv[3], "client_secret": sys.argv[4]}
for _ in range(50):
    client.post(sys.argv[2] + "/api/auth/token", data=form).raise_for_status()
"""


def test_pending_records_are_written_at_exit(rc: RedCloudSandbox, tmp_path: Path) -> None:
    """A process that exits right after its last call loses none of its records."""
    path = tmp_path / "exit.jsonl"
    subprocess.run([sys.executable, "-c", EXIT_SCRIPT, str(path), rc.base_url, CLIENT_ID,
                    CLIENT_SECRET], check=True, timeout=120)
    records = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    assert [record["status"] for record in records] == [200] * 50


def test_importing_capture_starts_no_thread() -> None:
    """The writer thread starts with the first record, not on import."""
    script = ("import threading, escalate, escalate._capture._emit, escalate._capture._httpx;"
              "print(threading.active_count())")
    output = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                            text=True, timeout=60).stdout
    assert output.strip() == "1"


class _GatedFile:
    """A file target whose writes wait for `gate` in the process that made it (not in a
    forked child), so a record can be held pending across a fork."""

    def __init__(self, path: Path) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()  #: a write waits at the gate
        self._owner = os.getpid()
        self._descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def write(self, data: bytes) -> int:
        if os.getpid() == self._owner:
            self.entered.set()
            self.gate.wait(30)
        return os.write(self._descriptor, data)

    def flush(self) -> None:
        """Nothing buffered."""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_writes_only_its_own_records(rc: RedCloudSandbox, tmp_path: Path) -> None:
    """Records pending in the parent at fork time are written once, by the parent; the child
    starts its own writer, with an empty queue, for its own records, on a line of their own
    (the parent's write in progress is the parent's)."""
    path = tmp_path / "fork.jsonl"
    target = _GatedFile(path)
    escalate.configure(file=target)
    try:
        with escalate.instrument(httpx.Client()) as client:
            _token(client, rc.base_url)  # the parent's writer takes it and waits at the gate
            assert target.entered.wait(10)
            _token(client, rc.base_url)  # this one stays in the queue the child gets a copy of
            child = os.fork()
            if child == 0:  # the child: one call of its own, written, then out
                try:
                    _token(client, rc.base_url)
                    escalate.flush(10)
                finally:
                    os._exit(0)
            os.waitpid(child, 0)
            target.gate.set()
        assert escalate.flush()
    finally:
        escalate.configure(path=os.devnull)
    records = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    assert sorted(record["pid"] for record in records) == sorted([os.getpid()] * 2 + [child])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize("owner", ["SINK", "STATS", "TOKENS"])
def test_a_lock_held_at_fork_is_free_in_the_child(owner: str) -> None:
    """The sink's, the counters' and the token registry's locks, held by the parent when it
    forks (as the writer thread may hold them), are free in the child."""
    from escalate._capture import _sink, _stats, _tokens

    held = {"SINK": _sink.SINK, "STATS": _stats.STATS, "TOKENS": _tokens.TOKENS}[owner]
    lock = held._lock  # type: ignore[attr-defined]
    with lock:
        child = os.fork()
        if child == 0:
            os._exit(0 if held._lock.acquire(timeout=2) else 1)  # type: ignore[attr-defined]
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
