"""Following folds lines exactly as `escalate report` does, keeping no line: bounded memory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from escalate._follow import FollowSettings, LiveState, Tail, follow
from escalate._report import ReportOptions, build_report
from escalate._report._model import report_to_dict
from escalate._report._reading._reader import MAX_LINE

from .conftest import MANIFEST, SAMPLES, sample_files

OPTIONS = ReportOptions(delivery_grace_s=2.0)  # the grace the webhook samples are reported with


def _read_all(tail: Tail, live: LiveState) -> None:
    """Poll until a poll reads nothing more."""
    while blocks := list(tail.poll()):
        for block in blocks:
            live.add(block)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_follow_of_a_sample_reports_what_report_does(name: str) -> None:
    """A followed sample ends with exactly the report `escalate report` gives (JSON equal)."""
    paths = [str(SAMPLES / name)]
    followed = follow(paths, OPTIONS, FollowSettings(timeout_s=0.0), lambda text: None)
    expected = build_report(paths, options=OPTIONS)
    assert report_to_dict(followed.report) == report_to_dict(expected)


@pytest.mark.parametrize("chunk_size", [1, 37, 4096])
def test_lines_split_across_reads_fold_like_whole_ones(chunk_size: int, tmp_path: Path) -> None:
    """Reads that end mid-line (down to one byte) give the report of the whole file."""
    log = tmp_path / "mixed.jsonl"
    log.write_bytes(b"".join(path.read_bytes() for path in sample_files("mixed")))
    tail, live = Tail([str(log)], chunk_size=chunk_size), LiveState(OPTIONS)
    _read_all(tail, live)
    expected = build_report([str(log)], options=OPTIONS)
    assert report_to_dict(live.report()) == report_to_dict(expected)


def test_a_line_without_newline_waits_then_counts(tmp_path: Path) -> None:
    """A partial last line is not folded until its newline arrives; then it is one record."""
    log = tmp_path / "app.jsonl"
    line = sample_files("healthy")[0].read_bytes().splitlines(keepends=True)[0]
    log.write_bytes(line[:-10])
    tail, live = Tail([str(log)]), LiveState(OPTIONS)
    _read_all(tail, live)
    assert live.report().inputs.records == 0
    with log.open("ab") as handle:
        handle.write(line[-10:])
    _read_all(tail, live)
    assert live.report().inputs.records == 1


def test_an_endless_line_is_counted_once_and_not_kept(tmp_path: Path) -> None:
    """Bytes without a newline past MAX_LINE are dropped, counted as one line too long."""
    log = tmp_path / "app.jsonl"
    log.write_bytes(b'{"schema":"escalate.evidence/1",' + b"x" * (MAX_LINE + 10))
    tail, live = Tail([str(log)], chunk_size=64 * 1024), LiveState(OPTIONS)
    for _ in range(3):
        with log.open("ab") as handle:
            handle.write(b"y" * MAX_LINE)
        _read_all(tail, live)
        assert all(len(generation.pending) <= MAX_LINE for generation in tail.open.values())
    with log.open("ab") as handle:
        handle.write(b"\n" + sample_files("healthy")[0].read_bytes())
    _read_all(tail, live)
    inputs = live.report().inputs
    assert dict(inputs.skipped.by_reason) == {"line_too_long": 1}
    assert inputs.records > 0


def test_state_stops_growing_when_the_same_traffic_repeats(tmp_path: Path) -> None:
    """The same traffic again and again: as many aggregate entries after 200 rounds as after 10."""
    log, source = tmp_path / "app.jsonl", sample_files("healthy")[0]
    log.touch()
    tail, live = Tail([str(log)]), LiveState(OPTIONS)

    def rounds(count: int) -> tuple[int, ...]:
        for _ in range(count):
            with log.open("ab") as handle, source.open("rb") as lines:
                shutil.copyfileobj(lines, handle)
            _read_all(tail, live)
        state = live.state
        sizes = (len(state.groups), len(state.messages), len(state.operations), len(state.timeline))
        return (*sizes, sum(len(g.pending) for g in tail.open.values()))

    assert rounds(10) == rounds(190)
    assert live.report().inputs.records == 200 * source.read_bytes().count(b"\n")
