"""Following reads the files `escalate report` would read, named afresh at every poll."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from escalate._follow import LiveState, Tail
from escalate._report import ReportOptions
from escalate._report._reading._inputs import resolve_sources

from .conftest import sample_files

HEALTHY_APP, HEALTHY_HOOKS = sample_files("healthy")


def _followed(tail: Tail) -> list[str]:
    """The names a poll starts following."""
    return [block.generation.name for block in tail.poll() if block.event == "following"]


def _tree(root: Path) -> Path:
    """Logs in a directory and a subdirectory, a hidden file, and a FIFO (not a log)."""
    (root / "logs" / "api").mkdir(parents=True)
    shutil.copy(HEALTHY_APP, root / "logs" / "app.jsonl")
    shutil.copy(HEALTHY_HOOKS, root / "logs" / "api" / "hooks.jsonl")
    shutil.copy(HEALTHY_APP, root / "logs" / ".app.jsonl.swp")
    os.mkfifo(root / "logs" / "pipe.jsonl")
    return root / "logs"


@pytest.mark.parametrize("pattern", ["{logs}", "{logs}/**/*.jsonl", "{logs}/*"], ids=str)
def test_follow_starts_with_the_files_report_reads(pattern: str, tmp_path: Path) -> None:
    """A directory or glob is followed as exactly the files `escalate report` reads in it."""
    path = pattern.format(logs=_tree(tmp_path))
    tail = Tail([path])
    try:
        assert _followed(tail) == [source.name for source in resolve_sources([path])]
    finally:
        tail.close()


@pytest.mark.parametrize("pattern", ["{logs}", "{logs}/**/*.jsonl"], ids=str)
def test_a_file_appearing_later_is_followed(pattern: str, tmp_path: Path) -> None:
    """A log created in a followed directory, or matching a followed glob, is read at the next
    poll, whole."""
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(HEALTHY_APP, logs / "app.jsonl")
    tail, live = Tail([pattern.format(logs=logs)]), LiveState(ReportOptions())
    try:
        for block in tail.poll():
            live.add(block)
        before = live.report().inputs.records
        (logs / "later").mkdir()
        shutil.copy(HEALTHY_HOOKS, logs / "later" / "hooks.jsonl")
        for block in tail.poll():
            live.add(block)
    finally:
        tail.close()
    assert before == HEALTHY_APP.read_bytes().count(b"\n")
    assert live.report().inputs.records == before + HEALTHY_HOOKS.read_bytes().count(b"\n")


def test_a_glob_matching_nothing_yet_is_no_error_while_following(tmp_path: Path) -> None:
    """Once following, a glob whose files are all rotated away names none until one returns."""
    log = tmp_path / "app.jsonl"
    shutil.copy(HEALTHY_APP, log)
    tail = Tail([str(tmp_path / "*.jsonl")])
    try:
        assert _followed(tail) == [str(log)]
        log.rename(tmp_path / "app.old")
        assert _followed(tail) == []
        shutil.copy(HEALTHY_APP, log)
        assert _followed(tail) == [str(log)]
    finally:
        tail.close()
