"""A writer and a follower together: growth, rotation (rename and re-create), truncation."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import orjson

from ._follower import Follower, append
from .conftest import sample_files

HEALTHY_APP, _ = sample_files("healthy")
FORBIDDEN_APP, _ = sample_files("send_forbidden")


def test_growing_failing_log_with_fail_fast_exits_1(tmp_path: Path) -> None:
    """Healthy lines first (send passes), then forbidden sends: exit 1 at the failing stage."""
    log = tmp_path / "app.jsonl"
    log.touch()
    with Follower(["app.jsonl", "--fail-fast"], cwd=tmp_path) as follower:
        follower.expect("file app.jsonl: following")
        append(log, HEALTHY_APP)
        follower.expect("stage send: unknown -> pass")
        append(log, FORBIDDEN_APP)
        follower.expect("stage send: pass -> fail")
        follower.expect("first failing stage: send")
        follower.expect("fail-fast: stage send fails")
        assert follower.wait() == 1


def test_rotation_by_rename_reads_the_old_file_to_its_end_and_the_new_one(tmp_path: Path) -> None:
    """Rename and re-create: lines written before the rename count, the new file is read too."""
    log = tmp_path / "app.jsonl"
    append(log, HEALTHY_APP)
    final = tmp_path / "final.json"
    with Follower(["app.jsonl", "--fail-fast", "-o", final, "--format", "json"],
                  cwd=tmp_path) as follower:  # fmt: skip
        follower.expect("stage send: unknown -> pass")
        append(log, HEALTHY_APP)  # written just before the rename: still read
        os.rename(log, tmp_path / "app.jsonl.1")
        append(log, FORBIDDEN_APP)
        follower.expect("file app.jsonl: rotated or removed")
        follower.expect("fail-fast: stage send fails")
        assert follower.wait() == 1
    assert _records(final) == 2 * _records_in(HEALTHY_APP) + _records_in(FORBIDDEN_APP)


def test_rotated_file_renamed_into_a_followed_directory_is_not_read_twice(tmp_path: Path) -> None:
    """Following a directory, `app.jsonl` -> `app.jsonl.1` keeps its place: no record twice."""
    log = tmp_path / "logs" / "app.jsonl"
    log.parent.mkdir()
    append(log, HEALTHY_APP)
    final = tmp_path / "final.json"
    args = ["logs", "--fail-fast", "-o", final, "--format", "json"]
    with Follower(args, cwd=tmp_path) as follower:
        follower.expect("file logs/app.jsonl: following")
        follower.expect("stage send: unknown -> pass")
        os.rename(log, log.with_name("app.jsonl.1"))
        append(log, FORBIDDEN_APP)
        follower.expect("fail-fast: stage send fails")
        assert follower.wait() == 1
    assert not any("app.jsonl.1: following" in line for line in follower.seen)
    assert _records(final) == _records_in(HEALTHY_APP) + _records_in(FORBIDDEN_APP)


def test_truncation_restarts_at_the_start_of_the_file(tmp_path: Path) -> None:
    """Truncated in place (copytruncate): said, and what is written next is read from byte 0."""
    log = tmp_path / "app.jsonl"
    append(log, HEALTHY_APP, HEALTHY_APP)
    with Follower(["app.jsonl", "--fail-fast"], cwd=tmp_path) as follower:
        follower.expect("stage send: unknown -> pass")
        log.write_bytes(b"")
        follower.expect("file app.jsonl: truncated")
        append(log, FORBIDDEN_APP)  # shorter than what was read: only readable from byte 0
        follower.expect("fail-fast: stage send fails")
        assert follower.wait() == 1


def test_without_fail_fast_the_follower_stops_at_its_timeout(tmp_path: Path) -> None:
    """No --fail-fast: a failing stage is reported and the follower runs to its timeout; exit 1."""
    log = tmp_path / "app.jsonl"
    append(log, FORBIDDEN_APP)
    with Follower(["app.jsonl", "--follow-timeout", "1s"], cwd=tmp_path) as follower:
        follower.expect("first failing stage: send")
        follower.expect("stopped: ")
        assert follower.wait() == 1
    assert not any("fail-fast" in line for line in follower.seen)


def _records(report: Path) -> int:
    records: int = orjson.loads(report.read_bytes())["inputs"]["records"]
    return records


def _records_in(path: Path) -> int:
    return path.read_bytes().count(b'"schema":"escalate.evidence/')


def test_sigterm_stops_following_like_ctrl_c(tmp_path: Path) -> None:
    """SIGTERM (as `timeout` sends): the last line and the -o report are written; exit as report."""
    log, final = tmp_path / "app.jsonl", tmp_path / "final.json"
    append(log, HEALTHY_APP)
    with Follower(["app.jsonl", "-o", final, "--format", "json"], cwd=tmp_path) as follower:
        follower.expect("stage send: unknown -> pass")
        follower.process.send_signal(signal.SIGTERM)
        follower.expect("stopped: ")
        assert follower.wait() == 0
    assert _records(final) == _records_in(HEALTHY_APP)
