"""Targets of `configure`: files, streams, structlog loggers; whole lines under concurrency."""

from __future__ import annotations

import io
import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest
import structlog

import escalate

from ._evidence import Evidence


def _write_webhooks(count: int) -> None:
    for index in range(count):
        escalate.record_webhook({}, b'{"type":"message.sent","sequence":%d}' % index,
                                response_status=200)


def test_path_target_appends_one_line_per_record(evidence: Evidence) -> None:
    """Each record is one parseable line with the schema marker."""
    _write_webhooks(3)
    lines = evidence.path.read_bytes().splitlines()
    assert len(lines) == 3
    assert all(line.startswith(b'{"schema":"escalate.evidence/1"') for line in lines)


def test_file_target(tmp_path: Path) -> None:
    """An open binary file receives the records."""
    stream = io.BytesIO()
    escalate.configure(file=stream)
    try:
        _write_webhooks(2)
    finally:
        escalate.configure(path=os.devnull)
    assert [orjson.loads(line)["sequence"] for line in stream.getvalue().splitlines()] == [0, 1]


def test_logger_target_uses_the_service_pipeline() -> None:
    """A structlog logger gets each record as key-value pairs through its own processors."""
    stream = io.StringIO()
    logger = structlog.wrap_logger(structlog.PrintLogger(stream), processors=[
        structlog.processors.add_log_level, structlog.processors.JSONRenderer()])
    escalate.configure(logger=logger)
    try:
        _write_webhooks(1)
    finally:
        escalate.configure(path=os.devnull)
    line = stream.getvalue().strip()
    record = orjson.loads(line)
    assert '"schema": "escalate.evidence/1"' in line or '"schema":"escalate.evidence/1"' in line
    assert (record["kind"], record["event"], record["level"]) == ("webhook", "message.sent", "info")


def test_configure_rejects_two_targets(tmp_path: Path) -> None:
    """Giving both a path and a file is a usage error."""
    with pytest.raises(ValueError, match="at most one"):
        escalate.configure(tmp_path / "a.jsonl", file=io.BytesIO())


def test_default_target_from_environment(tmp_path: Path) -> None:
    """Never configured: records go to $ESCALATE_LOG, opened on the first record."""
    target = tmp_path / "from-env.jsonl"
    code = ("import escalate; escalate.record_webhook({}, b'{}', response_status=200); "
            "print(escalate.capture_stats()['records_written'])")
    env = {**os.environ, "ESCALATE_LOG": str(target)}
    output = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=60, check=True, cwd=tmp_path).stdout
    assert output.strip() == "1"
    assert orjson.loads(target.read_bytes())["kind"] == "webhook"


def test_fingerprint_key_changes_fingerprints(tmp_path: Path) -> None:
    """configure(fingerprint_key=...) keys every fingerprint."""
    body = b'{"externalReference":"order_789"}'
    escalate.configure(path=tmp_path / "a.jsonl")
    default = escalate.record_webhook({}, body, response_status=200)["external_reference"]
    escalate.configure(path=tmp_path / "a.jsonl", fingerprint_key="team-key")
    try:
        keyed = escalate.record_webhook({}, body, response_status=200)["external_reference"]
    finally:
        escalate.configure(path=os.devnull)
    assert default != keyed and keyed.startswith("fp_")


def test_capture_stats_counts_records(evidence: Evidence) -> None:
    """capture_stats() counts every record written."""
    before = escalate.capture_stats()["records_written"]
    _write_webhooks(4)
    assert escalate.capture_stats()["records_written"] == before + 4


def _assert_whole_lines(path: Path, expected: int) -> None:
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    parsed = [orjson.loads(line) for line in lines[:-1]]
    assert len(parsed) == expected


def test_threads_never_tear_lines(evidence: Evidence) -> None:
    """Eight threads writing 300 records each: every line whole and parseable."""
    threads = [threading.Thread(target=_write_webhooks, args=(300,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    _assert_whole_lines(evidence.path, 2400)


def _process_writer(path: str, count: int) -> None:
    escalate.configure(path=path)
    big = b'{"type":"message.sent","pad":"%s"}' % (b"x" * 3000)
    for _ in range(count):
        escalate.record_webhook({}, big, response_status=200)


def test_processes_never_tear_lines(tmp_path: Path) -> None:
    """Four processes appending to one file: only whole, parseable lines."""
    path = tmp_path / "shared.jsonl"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_process_writer, args=(str(path), 200)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    _assert_whole_lines(path, 800)
    assert len({orjson.loads(line)["pid"] for line in path.read_bytes().splitlines()}) == 4


def test_last_scan_catches_a_leaked_number(evidence: Evidence) -> None:
    """The final processor replaces an E.164 number that reached a record by mistake."""
    from escalate._capture._sink import SINK

    record: dict[str, Any] = {"schema": "escalate.evidence/1", "kind": "call",
                              "error_message": "leak +15551234567"}
    SINK.emit(record)
    assert "+15551234567" not in evidence.text() and "<e164>" in evidence.text()
