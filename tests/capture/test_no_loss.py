"""No silent loss: SIGTERM, multiprocessing children, rotated or deleted files, short writes and a
logger that raises a BaseException, through every client library."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest

import escalate
from escalate._capture import _writer
from escalate.sandbox import RedCloudSandbox

from ._drivers import DRIVER_IDS, DRIVERS, Call
from ._evidence import Evidence

TESTS = Path(__file__).resolve().parents[1]
CALLS = 40


def _child(script: str, driver: str, rc: RedCloudSandbox,
           path: Path) -> subprocess.CompletedProcess[str]:
    """Run `script` in a new interpreter that makes successful token calls (whose records the
    writer thread may defer) with `call(n)` through `driver`."""
    form = {"grant_type": "client_credentials", "client_id": rc.client_id,
            "client_secret": rc.client_secret}
    prelude = textwrap.dedent(f"""
        import os, signal, sys, multiprocessing
        sys.path.insert(0, {str(TESTS)!r})
        import escalate
        from capture._drivers import DRIVERS, Call
        escalate.configure(path={str(path)!r})
        DRIVER = next(d for d in DRIVERS if d.name == {driver!r})
        def call(count):
            for _ in range(count):
                url = {rc.base_url!r} + "/api/auth/token"
                reply = DRIVER.call(Call("POST", url, form={form!r}))
                assert reply.status == 200, reply
    """)
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(script)],
                          capture_output=True, text=True, timeout=120)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []


@pytest.mark.parametrize("driver", DRIVER_IDS)
@pytest.mark.parametrize("handler", ["default", "app-exits"])
def test_sigterm_loses_nothing(redcloud: RedCloudSandbox, tmp_path: Path, driver: str,
                               handler: str) -> None:
    """Killed by SIGTERM right after its calls, with SIGTERM at its default (the process dies at
    once) or handled by the app (it exits): every call is in the file."""
    install = "signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))" if (
        handler == "app-exits") else ""
    script = f"""
        {install}
        call({CALLS})
        os.kill(os.getpid(), signal.SIGTERM)
        signal.pause() if hasattr(signal, "pause") else None
    """
    result = _child(script, driver, redcloud, tmp_path / "e.jsonl")
    assert result.returncode in (-signal.SIGTERM, 143), result.stderr
    assert len(_lines(tmp_path / "e.jsonl")) == CALLS


@pytest.mark.parametrize("driver", DRIVER_IDS)
def test_multiprocessing_children_lose_nothing(redcloud: RedCloudSandbox, tmp_path: Path,
                                               driver: str) -> None:
    """Forked `Process` and `Pool` workers end with `os._exit`: their records are written, even
    with the writer thread deferring them (the app handles SIGTERM)."""
    script = f"""
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        context = multiprocessing.get_context("fork")
        children = [context.Process(target=call, args=({CALLS},)) for _ in range(2)]
        for child in children:
            child.start()
        for child in children:
            child.join()
        pool = context.Pool(2)
        pool.map(call, [{CALLS // 4}] * 4)
        pool.close()
        pool.join()
    """
    result = _child(script, driver, redcloud, tmp_path / "e.jsonl")
    assert result.returncode == 0, result.stderr
    assert len(_lines(tmp_path / "e.jsonl")) == 3 * CALLS


@pytest.mark.parametrize("driver", DRIVERS, ids=DRIVER_IDS)
@pytest.mark.parametrize("move", ["renamed", "deleted"])
def test_rotated_or_deleted_file_is_reopened(driver: Any, redcloud: RedCloudSandbox,
                                             evidence: Evidence, move: str) -> None:
    """After a logrotate-style rename, or a deletion, the next record goes to a new file at the
    configured path."""
    url = redcloud.base_url + "/api/core/whoami"
    driver.call(Call("GET", url))
    escalate.flush()
    rotated = evidence.path.with_suffix(".1")
    if move == "renamed":
        evidence.path.rename(rotated)
    else:
        evidence.path.unlink()
    driver.call(Call("GET", url))
    assert len(evidence.calls()) == 1
    assert len(_lines(rotated)) == (1 if move == "renamed" else 0)


class _ShortWrites:
    """A raw file that takes at most 7 bytes a call, as a pipe or a nearly full disk may."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("wb", buffering=0)

    def write(self, data: bytes) -> int:
        return self.file.write(bytes(data[:7])) or 0

    def flush(self) -> None:
        """Unbuffered."""


class _FailsOnceMidLine(_ShortWrites):
    """Writes half of one line, then raises (the disk filled up), then recovers."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.failed = False

    def write(self, data: bytes) -> int:
        if not self.failed:
            self.failed = True
            self.file.write(bytes(data[: len(data) // 2]))
            raise OSError(28, "No space left on device")
        return self.file.write(bytes(data)) or 0


@pytest.mark.parametrize("driver", DRIVERS, ids=DRIVER_IDS)
def test_short_writes_are_completed(driver: Any, redcloud: RedCloudSandbox,
                                    tmp_path: Path) -> None:
    """A target taking a few bytes at a time still gets whole lines."""
    target = _ShortWrites(tmp_path / "e.jsonl")
    escalate.configure(file=target)  # type: ignore[arg-type]
    try:
        for _ in range(3):
            driver.call(Call("GET", redcloud.base_url + "/api/core/whoami"))
    finally:
        escalate.configure(path=os.devnull)
    assert len(_lines(tmp_path / "e.jsonl")) == 3


@pytest.mark.parametrize("driver", DRIVERS, ids=DRIVER_IDS)
def test_a_broken_line_is_not_glued_to_the_next(driver: Any, redcloud: RedCloudSandbox,
                                                tmp_path: Path) -> None:
    """After a write that failed half-way, the next record starts on a fresh line."""
    target = _FailsOnceMidLine(tmp_path / "e.jsonl")
    escalate.configure(file=target)  # type: ignore[arg-type]
    try:
        for _ in range(3):
            driver.call(Call("GET", redcloud.base_url + "/api/core/whoami"))
    finally:
        escalate.configure(path=os.devnull)
    lines = (tmp_path / "e.jsonl").read_bytes().splitlines()
    assert len(lines) == 3
    assert [orjson.loads(line)["kind"] for line in lines[1:]] == ["call", "call"]


class _InterruptingLogger:
    def __init__(self, exception: type[BaseException]) -> None:
        self.exception = exception

    def info(self, event: str, **fields: Any) -> None:
        raise self.exception()


class _LoggerBaseException(BaseException):
    """A BaseException of a logger's own (not a signal)."""


@pytest.mark.parametrize("driver", DRIVERS, ids=DRIVER_IDS)
def test_a_logger_base_exception_never_reaches_the_app(driver: Any,
                                                       redcloud: RedCloudSandbox) -> None:
    """A logger target raising KeyboardInterrupt (off the main thread, where no signal can be
    meant) or a BaseException of its own: the call returns its response; the error is counted."""
    results: list[Any] = []
    escalate.configure(logger=_InterruptingLogger(KeyboardInterrupt))
    try:
        before = escalate.capture_stats()["errors"].get("sink.LoggerRaised", 0)
        worker = threading.Thread(target=lambda: results.append(
            driver.call(Call("GET", redcloud.base_url + "/api/core/whoami"))))
        worker.start()
        worker.join(30)
        escalate.configure(logger=_InterruptingLogger(_LoggerBaseException))
        results.append(driver.call(Call("GET", redcloud.base_url + "/api/core/whoami")))
    finally:
        escalate.configure(path=os.devnull)
    assert [reply.status for reply in results] == [401, 401]
    assert escalate.capture_stats()["errors"]["sink.LoggerRaised"] == before + 2


def test_keyboard_interrupt_on_the_main_thread_still_reaches_the_app(
        redcloud: RedCloudSandbox) -> None:
    """On the main thread a KeyboardInterrupt may be the user's Ctrl-C: it is not swallowed."""
    escalate.configure(logger=_InterruptingLogger(KeyboardInterrupt))
    try:
        with pytest.raises(KeyboardInterrupt):
            DRIVERS[2].call(Call("GET", redcloud.base_url + "/api/core/whoami"))
    finally:
        escalate.configure(path=os.devnull)


def test_default_sigterm_writes_on_the_callers_thread(redcloud: RedCloudSandbox,
                                                      evidence: Evidence) -> None:
    """While SIGTERM is at its default, a successful call's record is on disk when it returns."""
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        assert _writer.sigterm_kills_outright()
        DRIVERS[0].call(Call("GET", redcloud.base_url + "/api/core/numbers"))
        assert len(evidence.unflushed_text().splitlines()) == 1
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_webhook_receipts_go_through_the_writer(evidence: Evidence) -> None:
    """A 2xx receipt is written by the writer thread; a non-2xx one before record_webhook
    returns (the app handles SIGTERM, so the writer may defer)."""
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        escalate.record_webhook({}, b'{"type":"message.sent"}', response_status=500)
        assert len(evidence.unflushed_text().splitlines()) == 1
        escalate.record_webhook({}, b'{"type":"message.sent"}', response_status=200)
        assert len(evidence.unflushed_text().splitlines()) == 1
        assert len(evidence.text().splitlines()) == 2
    finally:
        signal.signal(signal.SIGTERM, previous)
