"""Bundle and HAR read their inputs once: the report's pass keeps the records a finding may cite."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from escalate._bundle import gather_evidence, select_evidence
from escalate._bundle._archive import read_members
from escalate._cli import main
from escalate._cli._exit import ExitCode
from escalate._report import ReportOptions
from escalate._report._aggregation import _citable
from escalate._report._aggregation._citable import Citing
from escalate._report._build import read_inputs, report_from_state
from escalate._report._engine import aggregate_sources
from escalate._report._reading import _inputs
from escalate._report._reading._inputs import resolve_sources
from escalate._report._reading._sources import Source
from tests.report.builders import (
    numbers_call,
    send_call,
    token_call,
    webhook,
    whoami_call,
    write_log,
)
from tests.report.envelopes import WRAPPERS

from ._second_pass import second_pass_evidence

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_NAMES = sorted(path.name for path in SAMPLES.iterdir() if path.is_dir())
OPTIONS = {
    "no filter": ReportOptions(),
    "--jobs 2": ReportOptions(jobs=2),
    "--since": ReportOptions(since="2026-12-04T09:24:10Z"),
    "--route": ReportOptions(route="/api/core/messages/send"),
    "--delivery-grace": ReportOptions(delivery_grace_s=1),
}


@pytest.mark.parametrize("options", OPTIONS.values(), ids=list(OPTIONS))
@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_evidence_is_what_a_second_pass_selects(name: str, options: ReportOptions) -> None:
    """On every sample, with and without filters, the one-pass evidence is the second pass's."""
    paths = [str(SAMPLES / name)]
    gathered = gather_evidence(paths, options)
    assert gathered.evidence == second_pass_evidence(paths, options, gathered.report)


def test_evidence_of_the_traffic_log_is_what_a_second_pass_selects(traffic_log: Path) -> None:
    """Real captured traffic (failures, webhooks, noise): the same evidence as a second pass."""
    gathered = gather_evidence([str(traffic_log)], ReportOptions())
    assert gathered.evidence
    assert gathered.evidence == second_pass_evidence([str(traffic_log)], ReportOptions(),
                                                     gathered.report)  # fmt: skip


@pytest.mark.parametrize("envelope", sorted(WRAPPERS))
def test_evidence_of_a_wrapped_log_is_what_a_second_pass_selects(
    traffic_log: Path, tmp_path: Path, envelope: str
) -> None:
    """Records in a platform's envelope (parsed by the reference path): the second pass's."""
    _, wrap = WRAPPERS[envelope]
    wrapped = tmp_path / "wrapped.log"
    wrapped.write_bytes(wrap(traffic_log.read_bytes().splitlines()))
    gathered = gather_evidence([str(wrapped)], ReportOptions())
    assert gathered.evidence
    assert gathered.evidence == second_pass_evidence([str(wrapped)], ReportOptions(),
                                                     gathered.report)  # fmt: skip


def test_byte_ranges_merge_to_the_evidence_of_one_pass(tmp_path: Path) -> None:
    """A log split into byte ranges over two processes gives the evidence of one process."""
    log = tmp_path / "all.jsonl"
    log.write_bytes(b"".join(path.read_bytes() for path in sorted(SAMPLES.glob("*/*.jsonl"))))
    sources = resolve_sources([str(log)])
    options = ReportOptions()
    whole = aggregate_sources(sources, None, citing=Citing())
    split = aggregate_sources(sources, None, jobs=2, min_range_bytes=4096, citing=Citing())
    assert len(split.segments) > 1
    report = report_from_state(whole, options, (str(log),))
    assert whole.citable is not None and split.citable is not None
    assert select_evidence(split.citable, report) == select_evidence(whole.citable, report)
    assert select_evidence(whole.citable, report) == second_pass_evidence([str(log)], options,
                                                                          report)  # fmt: skip


def test_inputs_are_resolved_and_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """`bundle`'s evidence costs no second read: each source is opened once, resolved once."""
    opened: list[str] = []
    resolved: list[tuple[str, ...]] = []
    real_chunks, real_resolve = Source.chunks, _inputs.resolve_inputs

    def counted_chunks(source: Source, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        opened.append(source.name)
        return real_chunks(source, *args, **kwargs)

    def counted_resolve(paths: Any) -> _inputs.ResolvedInputs:
        resolved.append(tuple(paths))
        return real_resolve(paths)

    monkeypatch.setattr(Source, "chunks", counted_chunks)
    monkeypatch.setattr("escalate._report._build.resolve_inputs", counted_resolve)
    gather_evidence([str(SAMPLES / "mixed")], ReportOptions())
    assert sorted(opened) == sorted(str(path) for path in (SAMPLES / "mixed").glob("*.jsonl"))
    assert len(resolved) == 1


def test_bundle_reads_standard_input(tmp_path: Path) -> None:
    """`escalate bundle -` bundles a piped log: the same report and evidence as from the file,
    and the manifest lists `-` with the size and SHA-256 of the bytes read."""
    log = SAMPLES / "accepted_not_delivered" / "app.jsonl"
    from_file, from_stdin = tmp_path / "file.zip", tmp_path / "stdin.zip"
    runner = CliRunner()
    assert runner.invoke(main, ["bundle", str(log), "-o", str(from_file)]).exit_code == 0
    result = runner.invoke(main, ["bundle", "-", "-o", str(from_stdin)], input=log.read_bytes())
    assert result.exit_code == ExitCode.OK, result.output
    file_members, stdin_members = read_members(from_file), read_members(from_stdin)
    assert stdin_members["evidence.jsonl"] == file_members["evidence.jsonl"]
    assert stdin_members["evidence.jsonl"].count(b"\n") > 0
    report = orjson.loads(stdin_members["report.json"])
    assert report["findings"] == orjson.loads(file_members["report.json"])["findings"]
    data = log.read_bytes()
    (entry,) = orjson.loads(stdin_members["manifest.json"])["inputs"]
    assert entry == {"path": "-", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def test_har_reads_standard_input(tmp_path: Path) -> None:
    """`escalate har -` writes the HAR of a piped log, the one the file gives."""
    log = SAMPLES / "send_forbidden" / "app.jsonl"
    runner = CliRunner()
    from_file = runner.invoke(main, ["har", str(log)])
    from_stdin = runner.invoke(main, ["har", "-"], input=log.read_bytes())
    assert from_stdin.exit_code == ExitCode.OK, from_stdin.output
    assert from_stdin.stdout == from_file.stdout
    assert orjson.loads(from_stdin.stdout)["log"]["entries"]


def test_stdin_with_a_client_filter_is_hashed_from_its_spooled_copy(tmp_path: Path) -> None:
    """With `--client` (stdin is spooled for its pre-passes) the manifest still hashes stdin."""
    log = SAMPLES / "mixed" / "app.jsonl"
    output = tmp_path / "stdin.zip"
    result = CliRunner().invoke(main, ["bundle", "-", "-o", str(output), "--client", "nobody"],
                                input=log.read_bytes())  # fmt: skip
    assert result.exit_code == ExitCode.OK, result.output
    (entry,) = orjson.loads(read_members(output)["manifest.json"])["inputs"]
    assert entry["sha256"] == hashlib.sha256(log.read_bytes()).hexdigest()


def _webhook_line(number: int) -> bytes:
    record = {"schema": "escalate.evidence/1", "kind": "webhook",
              "ts": f"2026-12-04T09:{number // 60000 % 60:02d}:{number // 1000 % 60:02d}."
                    f"{number % 1000:03d}000Z",
              "route": "/hooks", "event": "message.queued", "message_id": f"msg_{number:08d}",
              "signature": "valid", "response_status": 200}  # fmt: skip
    return orjson.dumps(record) + b"\n"


def test_candidates_stay_bounded_whatever_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More messages than the bound: the messages first seen earliest are kept, no more."""
    monkeypatch.setattr(_citable, "MAX_MESSAGES", 50)
    monkeypatch.setattr(_citable, "_EVICT_SLACK", 5)
    log = tmp_path / "many.jsonl"
    log.write_bytes(b"".join(_webhook_line(number) for number in range(2000)))
    state = read_inputs([str(log)], ReportOptions(), citing=True).state
    assert state.citable is not None
    assert sorted(state.citable.messages) == [f"msg_{number:08d}" for number in range(50)]
    assert len(state.citable.candidates()) <= 3 + _citable.EARLIEST_PER_GROUP + 5 + 50


def _accepted(number: int, at: float) -> dict[str, Any]:
    """An accepted send of its own operation and key, answered messageId `msg_<number>`."""
    return send_call(at=at, message_id=f"msg_{number:06d}", operation=f"fp_op{number:09d}",
                     key=f"fp_key{number:08d}")  # fmt: skip


def _deliveries_stop(log: Path, sends: int, delivered: int, then: str | None) -> Path:
    """`sends` accepted sends a second apart, each its own operation; the first `delivered` get
    `message.sent` and `message.delivery`, the others `message.sent` and `then` (None: nothing);
    a last call ten minutes later ends the log."""
    records: list[dict[str, Any]] = [token_call(), whoami_call(at=1), numbers_call(at=2)]
    for number in range(sends):
        message_id = f"msg_{number:06d}"
        records.append(_accepted(number, at=10 + number))
        events = ["message.sent", "message.delivery"] if number < delivered else [then]
        for offset, event in enumerate(events):
            if event is not None:
                records.append(webhook(event, message_id, at=10.5 + number + offset / 10))
    records.append(whoami_call(at=10 + sends + 600))
    return write_log(log, records)


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize(
    ("then", "symptom"), [(None, "accepted_not_delivered"), ("message.failed", "delivery_failed")]
)
def test_messages_past_the_message_bound_keep_their_sends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int, then: str | None, symptom: str
) -> None:
    """Deliveries stop, or fail, after more messages than the message bound: the report cites the
    earliest messages concerned, and the bundle holds their sends (with no receipt at all, it is
    what a second pass selects)."""
    from escalate._report import _engine

    monkeypatch.setattr(_citable, "MAX_MESSAGES", 50)
    monkeypatch.setattr(_citable, "_EVICT_SLACK", 5)
    monkeypatch.setitem(_engine.aggregate_inputs.__kwdefaults__, "min_range_bytes", 4096)
    monkeypatch.setattr(_engine, "usable_cpus", lambda: 2)
    log = _deliveries_stop(tmp_path / "stopped.jsonl", sends=300, delivered=200, then=then)
    options = ReportOptions(jobs=jobs, delivery_grace_s=300)  # the undelivered are overdue
    gathered = gather_evidence([str(log)], options)
    (finding,) = [f for f in gathered.report.findings if f.symptom == symptom]
    cited = set(finding.evidence.message_ids)
    assert cited and min(cited) == "msg_000200"  # past the send group's earliest 100
    sent = {row["response"]["results"][0]["messageId"] for row in gathered.evidence
            if row["kind"] == "call" and row["stage"] == "send"}  # fmt: skip
    assert cited <= sent
    if then is None:
        assert gathered.evidence == second_pass_evidence([str(log)], options, gathered.report)
    else:  # and the failure receipts themselves (their group's earliest)
        failed = {row["message_id"] for row in gathered.evidence if row.get("event") == then}
        assert cited <= failed


def test_unsettled_sends_stay_bounded_and_leave_when_delivered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At most MAX_PENDING unsettled sends, the earliest accepted; a `message.delivery` frees its
    message's place, other receipts (rejected, `message.sent`, not a lifecycle event) keep it."""
    monkeypatch.setattr(_citable, "MAX_PENDING", 10)
    records: list[dict[str, Any]] = []
    for number in range(30):
        records.append(_accepted(number, at=number))
        if number < 5:  # resolved at once: their places go to later sends
            records.append(webhook("message.delivery", f"msg_{number:06d}", at=number + 0.5))
    records.append(webhook("message.sent", "msg_000005", at=40, signature="invalid"))
    records.append(webhook("message.queued", "msg_000006", at=41))
    records.append(webhook("message.sent", "msg_000007", at=42))
    log = write_log(tmp_path / "waiting.jsonl", records)
    citable = read_inputs([str(log)], ReportOptions(), citing=True).state.citable
    assert citable is not None
    assert sorted(citable.pending) == [f"msg_{number:06d}" for number in range(5, 15)]
    assert citable.pending_bytes == sum(len(item) for _, (_, item) in citable.pending.values()
                                        if isinstance(item, bytes))  # fmt: skip


def test_one_process_notes_all_its_files_in_one_set_of_candidates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files read one after the other are noted in one `Citable`, never merged file by file (a
    merge per file made 3,000 small files take 10x the report); the messages kept are still the
    earliest first seen, here with the files in reverse time order."""
    monkeypatch.setattr(_citable, "MAX_MESSAGES", 50)
    monkeypatch.setattr(_citable, "_EVICT_SLACK", 5)
    merges: list[_citable.Citable] = []
    merge = _citable.Citable.merge
    monkeypatch.setattr(_citable.Citable, "merge",
                        lambda self, other: merges.append(other) or merge(self, other))  # fmt: skip
    logs = tmp_path / "logs"
    logs.mkdir()
    for index in range(20):  # part-00 holds the latest messages
        numbers = range((19 - index) * 10, (20 - index) * 10)
        write_log(logs / f"part-{index:02d}.jsonl", [_accepted(n, at=n) for n in numbers])
    state = read_inputs([str(logs)], ReportOptions(), citing=True).state
    assert merges == [] and state.citable is not None
    assert sorted(state.citable.messages) == [f"msg_{number:06d}" for number in range(50)]
    options = ReportOptions(delivery_grace_s=1)
    gathered = gather_evidence([str(logs)], options)
    assert gathered.evidence == second_pass_evidence([str(logs)], options, gathered.report)


def test_candidates_stay_within_their_byte_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long records: the messages' records stay under the byte budget, earliest messages kept."""
    monkeypatch.setattr(_citable, "MAX_MESSAGE_BYTES", 100_000)
    padded = [_webhook_line(number)[:-2] + b',"context":"' + b"x" * 5000 + b'"}\n'
              for number in range(200)]  # fmt: skip
    log = tmp_path / "long.jsonl"
    log.write_bytes(b"".join(padded))
    state = read_inputs([str(log)], ReportOptions(), citing=True).state
    assert state.citable is not None
    kept = sorted(state.citable.messages)
    assert len(kept) > 0 and state.citable.message_bytes <= 100_000
    assert kept == [f"msg_{number:08d}" for number in range(len(kept))]


def test_stdin_read_in_byte_ranges_is_hashed_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--client --jobs 2` on stdin: its spooled copy is read in ranges by two processes, and the
    manifest still gives the SHA-256 of the whole input."""
    from escalate._report import _engine

    monkeypatch.setitem(_engine.aggregate_inputs.__kwdefaults__, "min_range_bytes", 4096)
    monkeypatch.setattr(_engine, "usable_cpus", lambda: 2)
    data = b"".join(path.read_bytes() for path in sorted(SAMPLES.glob("*/*.jsonl")))
    output = tmp_path / "stdin.zip"
    result = CliRunner().invoke(main, ["bundle", "-", "-o", str(output), "--jobs", "2",
                                       "--client", "nobody"], input=data)  # fmt: skip
    assert result.exit_code == ExitCode.OK, result.output
    (entry,) = orjson.loads(read_members(output)["manifest.json"])["inputs"]
    assert entry == {"path": "-", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


@pytest.mark.parametrize("enabled", [True, False], ids=["gc on", "gc off"])
def test_the_pass_leaves_the_cyclic_gc_as_it_found_it(enabled: bool) -> None:
    """The GC is paused while the candidates live (a collection would walk every one), then
    restored: on when it was on, off when the application had turned it off."""
    import gc

    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        gathered = gather_evidence([str(SAMPLES / SAMPLE_NAMES[0])], ReportOptions())
        assert gathered.evidence
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_no_candidate_outlives_the_pass(traffic_log: Path) -> None:
    """Once the evidence is selected, the candidates are freed, not left for the cyclic GC."""
    import gc

    def candidates() -> int:
        return sum(isinstance(o, _citable.Citable | _citable.GroupCandidates)
                   for o in gc.get_objects())  # fmt: skip

    gc.collect()
    gc.disable()
    try:
        gathered = gather_evidence([str(traffic_log)], ReportOptions())
        assert gathered.evidence
        assert candidates() == 0
    finally:
        gc.enable()


def _receipts(path: Path, statuses: list[int | None]) -> None:
    """Signed lifecycle receipts recorded by `record_webhook`, answered with `statuses`."""
    import hmac
    import os

    import escalate

    escalate.configure(path=path)
    try:
        for index, status in enumerate(statuses):
            body = orjson.dumps({"type": "message.delivery", "sequence": index})
            stamp = "1764840000"
            digest = hmac.new(b"whsec_marks", stamp.encode() + b"." + body, "sha256").hexdigest()
            headers = {"X-RedCloud-Timestamp": stamp, "X-RedCloud-Signature": digest}
            escalate.record_webhook(headers, body, response_status=status, secret="whsec_marks")
    finally:
        escalate.configure(path=os.devnull)


PATHS = {"fast path": ReportOptions(), "filtered path": ReportOptions(since="2020-01-01T00:00:00Z")}


@pytest.mark.parametrize("options", PATHS.values(), ids=list(PATHS))
def test_a_stage_fails_where_the_report_says(tmp_path: Path, options: ReportOptions) -> None:
    """The webhooks stage's first failure is the first receipt the report counts as failed: one
    answered 500, not one whose answer was never recorded (no evidence of a failure)."""
    log = tmp_path / "receipts.jsonl"
    _receipts(log, [200, None, 500, 200])
    read = read_inputs([str(log)], options, citing=True)
    assert read.state.citable is not None
    _, failure = read.state.citable.failures["webhooks"]
    assert isinstance(failure, bytes | dict)
    record = orjson.loads(failure) if isinstance(failure, bytes) else failure
    assert record["response_status"] == 500
    report = report_from_state(read.state, options, read.files, read.skipped)
    assert report.first_failing_stage == "webhooks"
