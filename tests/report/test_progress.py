"""Progress: the pass advances the bar in the unit the bar is sized in, the bytes as stored."""

from __future__ import annotations

import gzip
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import orjson
import pytest
import zstandard
from click.testing import CliRunner

from escalate._cli import main
from escalate._report import ReportOptions, build_report
from escalate._report._engine import aggregate_inputs
from escalate._report._reading import _sources
from escalate._report._reading._inputs import resolve_sources
from escalate._report._reading._prefetch import read_ahead, read_in_turn
from escalate._report._reading._sources import FileSource, StoredBytes
from tests.report.builders import send_call, webhook

_LOG = b"".join(
    orjson.dumps(record) + b"\n"
    for n in range(300)
    for record in (send_call(message_id=f"msg_{n}"), webhook(message_id=f"msg_{n}"))
)
_ENCODINGS: dict[str, Callable[[bytes], bytes]] = {
    "plain": lambda data: data,
    "gzip": lambda data: gzip.compress(data, mtime=0),
    "zstd": lambda data: zstandard.ZstdCompressor().compress(data),
}
#: each encoding alone, and a directory mixing them
_INPUTS = [*([name] for name in _ENCODINGS), sorted(_ENCODINGS)]


def _write_inputs(tmp_path: Path, encodings: list[str]) -> tuple[list[str], int]:
    """The input names (a directory when there are several) and their stored size."""
    folder = tmp_path / "logs"
    folder.mkdir()
    for index, name in enumerate(encodings):
        (folder / f"{index}-{name}.log").write_bytes(_ENCODINGS[name](_LOG[index * 500 :]))
    stored = sum(path.stat().st_size for path in folder.iterdir())
    if len(encodings) == 1:
        return [str(next(folder.iterdir()))], stored
    return [str(folder)], stored


def _assert_advances_to(steps: list[int], length: int) -> None:
    """Every step moves forward, the bar never passes its length, and ends exactly on it."""
    assert steps
    assert all(step > 0 for step in steps)
    assert all(done <= length for done in itertools.accumulate(steps))
    assert sum(steps) == length


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("encodings", _INPUTS, ids="+".join)
def test_progress_adds_up_to_the_stored_size(
    encodings: list[str], jobs: int, tmp_path: Path
) -> None:
    """A report's progress, in one process or with workers, adds up to the inputs' stored size."""
    inputs, stored = _write_inputs(tmp_path, encodings)
    steps: list[int] = []
    build_report(inputs, options=ReportOptions(progress=steps.append, jobs=jobs))
    _assert_advances_to(steps, stored)


@pytest.mark.parametrize("encoding", sorted(_ENCODINGS))
def test_a_file_cut_into_byte_ranges_advances_by_its_size(encoding: str, tmp_path: Path) -> None:
    """With --jobs 2, the ranges this process reads and the workers' runs add up to the file."""
    path = tmp_path / "big.log"
    path.write_bytes(_ENCODINGS[encoding](_LOG * 4))
    steps: list[int] = []
    sources = resolve_sources([str(path)])
    aggregate_inputs(sources, None, jobs=2, progress=steps.append, min_range_bytes=1024)
    _assert_advances_to(steps, path.stat().st_size)


def test_a_byte_range_counts_only_its_own_bytes(tmp_path: Path) -> None:
    """A byte range's count stops at its end, though its read buffer is larger than the range."""
    path = tmp_path / "big.log"
    path.write_bytes(_LOG * 4)
    ranges = FileSource(str(path)).byte_ranges(3, 1024)
    counters = [StoredBytes() for _ in ranges]
    pairs = zip(ranges, counters, strict=True)
    read = [b"".join(part.chunks(4096, counter)) for part, counter in pairs]
    assert b"".join(read) == path.read_bytes()
    assert [counter.size for counter in counters] == [len(part) for part in read]


@pytest.mark.parametrize("read", [read_ahead, read_in_turn], ids=["ahead", "in-turn"])
@pytest.mark.parametrize("encoding", sorted(_ENCODINGS))
def test_each_chunk_comes_with_the_stored_bytes_read_for_it(
    encoding: str, read: Any, tmp_path: Path
) -> None:
    """Counted, a reading's stored bytes grow with its chunks up to the file's stored size."""
    path = tmp_path / "app.log"
    path.write_bytes(_ENCODINGS[encoding](_LOG * 20))
    positions = []
    for reading in read([FileSource(str(path))], counted=True, chunk_size=64 * 1024):
        for _ in reading.chunks:
            positions.append(reading.stored)
        positions.append(reading.stored)
    assert len(positions) > 2
    assert positions == sorted(positions)
    assert positions[-1] == path.stat().st_size


def test_without_progress_the_stored_bytes_are_not_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No bar, no counter: the pass reads the inputs as they come, with no wrapper in front."""
    inputs, _ = _write_inputs(tmp_path, sorted(_ENCODINGS))

    def refused(*args: object) -> None:
        raise AssertionError("counted without a progress bar")

    monkeypatch.setattr(_sources, "_counted", refused)
    report = build_report(inputs, options=ReportOptions())
    assert report.inputs.lines == sum(
        _LOG[index * 500 :].count(b"\n") for index in range(len(_ENCODINGS))
    )


def _drawn_bars(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, list[int]]]:
    """The length and the updates of every progress bar drawn from now on."""
    bars: list[tuple[int, list[int]]] = []
    progressbar = click.progressbar

    def recording(*args: Any, **kwargs: Any) -> Any:
        bar = progressbar(*args, **kwargs)
        steps: list[int] = []
        update = bar.update

        def recorded(step: int) -> None:
            steps.append(step)
            update(step)

        bar.update = recorded  # type: ignore[method-assign]  # the CLI takes it after creation
        bars.append((kwargs["length"], steps))
        return bar

    monkeypatch.setattr(click, "progressbar", recording)
    return bars


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("encodings", _INPUTS, ids="+".join)
def test_the_progress_bar_ends_exactly_full(
    encodings: list[str], jobs: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`report --progress` on plain, gzip and zstd logs fills the bar to its length, no further."""
    inputs, stored = _write_inputs(tmp_path, encodings)
    bars = _drawn_bars(monkeypatch)
    result = CliRunner().invoke(main, ["report", "--progress", "--jobs", jobs, *inputs])
    assert result.exit_code in (0, 1), result.output
    ((length, steps),) = bars
    assert length == stored
    _assert_advances_to(steps, length)


@pytest.mark.parametrize("encoding", sorted(_ENCODINGS))
def test_an_input_of_unknown_size_does_not_advance_the_bar(
    encoding: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`report --progress - app.log`: the bar is the file's size and only the file advances it
    (standard input adds nothing to its length, so it must not fill it either)."""
    path = tmp_path / "app.log"
    path.write_bytes(_ENCODINGS[encoding](_LOG))
    bars = _drawn_bars(monkeypatch)
    piped = _ENCODINGS[encoding](_LOG * 3)
    result = CliRunner().invoke(main, ["report", "--progress", "-", str(path)], input=piped)
    assert result.exit_code in (0, 1), result.output
    ((length, steps),) = bars
    assert length == path.stat().st_size
    _assert_advances_to(steps, length)


def test_progress_on_standard_input_alone_says_why_there_is_no_bar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`--progress -`: nothing has a size to fill a bar with, so none is drawn and stderr says
    why (a bar that cannot move would look like a stuck report)."""
    bars = _drawn_bars(monkeypatch)
    result = CliRunner().invoke(main, ["report", "--progress", "-"], input=_LOG)
    assert result.exit_code in (0, 1), result.output
    assert bars == []
    assert "no bar, the inputs' size is not known" in result.stderr


def test_progress_on_an_empty_file_draws_nothing_and_says_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty log has a known size, 0: no bar, and no note about unknown sizes."""
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    bars = _drawn_bars(monkeypatch)
    result = CliRunner().invoke(main, ["report", "--progress", str(empty)])
    assert bars == []
    assert "no bar" not in result.stderr
