"""Sources: every kind gives its decompressed bytes and, from the same read, its stored checksum."""

from __future__ import annotations

import gzip
import hashlib
import zlib
from pathlib import Path

import orjson
import pytest
import zstandard

from escalate._report import ReportOptions
from escalate._report._build import build_report, read_inputs
from escalate._report._engine import aggregate_inputs
from escalate._report._model import report_to_dict
from escalate._report._reading._inputs import resolve_sources
from escalate._report._reading._sources import Checksum, FileSource, InputChecksum, InputError
from tests.report.builders import send_call, webhook

_LOG = b"".join(
    orjson.dumps(record) + b"\n"
    for n in range(200)
    for record in (send_call(message_id=f"msg_{n}"), webhook(message_id=f"msg_{n}"))
)
_ENCODINGS = {
    "plain": lambda data: data,
    "gzip": lambda data: gzip.compress(data, mtime=0),
    "gzip-members": lambda data: gzip.compress(data[:999]) + gzip.compress(data[999:]),
    "gzip-padded": lambda data: gzip.compress(data) + b"\0" * 512,
    "zstd": lambda data: zstandard.ZstdCompressor().compress(data),
}


@pytest.mark.parametrize("encoding", sorted(_ENCODINGS))
def test_chunks_are_the_plain_bytes_and_the_checksum_the_stored_ones(
    encoding: str, tmp_path: Path
) -> None:
    """Any encoding reads as the plain log; the checksum is of the file's bytes as stored."""
    path = tmp_path / "app.log"
    stored = _ENCODINGS[encoding](_LOG)
    path.write_bytes(stored)
    checksum = Checksum(str(path))
    assert b"".join(FileSource(str(path)).chunks(4096, checksum)) == _LOG
    assert checksum.value() == (str(path), len(stored), hashlib.sha256(stored).hexdigest())


def test_gzip_output_stays_bounded_however_much_it_expands(tmp_path: Path) -> None:
    """A gzip bomb (1 MiB of zeros per ~1 KiB) comes out in chunks no larger than asked for."""
    path = tmp_path / "bomb.gz"
    path.write_bytes(gzip.compress(b"\0" * (16 * 1024 * 1024), compresslevel=9))
    sizes = [len(chunk) for chunk in FileSource(str(path)).chunks(1024 * 1024)]
    assert sum(sizes) == 16 * 1024 * 1024
    assert max(sizes) <= 1024 * 1024


@pytest.mark.parametrize(
    "damage",
    [lambda data: data[: len(data) // 2], lambda data: data[:30] + b"\xff" * 30 + data[60:],
     lambda data: data + b"trailing garbage"],
    ids=["truncated", "corrupt", "trailing-garbage"],
)  # fmt: skip
def test_damaged_gzip_is_an_input_error_naming_the_file(damage: object, tmp_path: Path) -> None:
    """A gzip stream cut short, corrupt, or followed by garbage raises InputError, named."""
    assert callable(damage)
    path = tmp_path / "bad.log.gz"
    path.write_bytes(damage(gzip.compress(_LOG)))
    with pytest.raises(InputError, match=r"bad\.log\.gz: cannot read"):
        list(FileSource(str(path)).chunks())


def test_a_missing_file_is_an_input_error_when_read() -> None:
    """A source whose file is gone fails as it is read, naming it."""
    with pytest.raises(InputError, match=r"gone\.log"):
        list(FileSource("gone.log").chunks())


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_pass_returns_each_input_checksum_in_input_order(tmp_path: Path, jobs: int) -> None:
    """With checksums, one pass (one process or workers) gives every input's size and SHA-256,
    and the same state as without."""
    paths = []
    for index, encode in enumerate(_ENCODINGS.values()):
        paths.append(tmp_path / f"{index}.log")
        paths[-1].write_bytes(encode(_LOG[index * 100 :]))
    sources = resolve_sources([str(path) for path in reversed(paths)])
    read = aggregate_inputs(sources, None, jobs=jobs, checksums=True, min_range_bytes=1024)
    assert read.checksums == tuple(
        InputChecksum(
            str(path), len(path.read_bytes()), hashlib.sha256(path.read_bytes()).hexdigest()
        )
        for path in reversed(paths)
    )
    alone = aggregate_inputs(sources, None, jobs=jobs)
    assert alone.checksums == ()
    assert (read.state.lines, read.state.records) == (alone.state.lines, alone.state.records)


def test_a_file_cut_into_byte_ranges_is_hashed_whole(tmp_path: Path) -> None:
    """With --jobs 2 a large file is scanned in ranges by workers and still hashed whole."""
    path = tmp_path / "big.log"
    path.write_bytes(_LOG * 4)
    (source,) = resolve_sources([str(path)])
    assert len(source.byte_ranges(2, 1024)) == 2
    read = aggregate_inputs([source], None, jobs=2, checksums=True, min_range_bytes=1024)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert read.checksums == (InputChecksum(str(path), len(_LOG) * 4, digest),)
    assert read.state.lines == _LOG.count(b"\n") * 4


def test_many_small_files_report_what_the_same_lines_in_one_file_do(tmp_path: Path) -> None:
    """A log cut into 300 files gives the one file's counts, stages and findings."""
    lines = _LOG.splitlines(keepends=True)
    parts = tmp_path / "parts"
    parts.mkdir()
    for index in range(0, len(lines), 2):
        (parts / f"{index:05d}.log").write_bytes(b"".join(lines[index : index + 2]))
    (tmp_path / "whole.log").write_bytes(_LOG)
    options = ReportOptions()
    many = build_report([str(parts)], options=options)
    one = build_report([str(tmp_path / "whole.log")], options=options)
    keep = ("stages", "findings", "first_failing_stage", "verdict", "timeline")
    assert {k: report_to_dict(many)[k] for k in keep} == {k: report_to_dict(one)[k] for k in keep}
    assert (many.inputs.lines, many.inputs.calls, many.inputs.webhooks) == (
        one.inputs.lines, one.inputs.calls, one.inputs.webhooks,
    )  # fmt: skip
    assert len(many.inputs.files) == len(lines) // 2


def test_zlib_errors_do_not_escape_as_tracebacks(tmp_path: Path) -> None:
    """A file that starts like gzip but is not (a renamed binary) is an InputError."""
    path = tmp_path / "fake.gz"
    path.write_bytes(b"\x1f\x8b" + zlib.compress(b"not a gzip member") * 3)
    with pytest.raises(InputError, match=r"fake\.gz"):
        list(FileSource(str(path)).chunks())


def test_a_pipe_given_by_name_is_read_whole_with_jobs(tmp_path: Path) -> None:
    """A FIFO (`<(zcat log.gz)`) is never opened to plan byte ranges: --jobs 2 reads it whole."""
    import os
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(_LOG,))
    writer.start()
    (source,) = resolve_sources([str(fifo)])
    assert source.byte_ranges(2, 1) == (source,)
    state = aggregate_inputs([source], None, jobs=2, min_range_bytes=1).state
    writer.join(timeout=10)
    assert state.lines == _LOG.count(b"\n")


@pytest.mark.parametrize("client", [None, "rc_nobody"], ids=["one-pass", "spooled-for-client"])
def test_standard_input_has_a_checksum_under_its_own_name(
    client: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-` gets the checksum of the bytes read from it, named `-` (spooled for --client too)."""
    import io
    import sys

    stored = gzip.compress(_LOG, mtime=0)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stored)))
    read = read_inputs(["-"], ReportOptions(client=client), checksums=True)
    assert read.checksums == (InputChecksum("-", len(stored), hashlib.sha256(stored).hexdigest()),)
    assert read.files == ("-",)
