"""The aggregation state is mergeable: partial states combine into the state of one pass."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from escalate._report import AggregateState, ReportOptions, report_from_state
from escalate._report._aggregation._groups import OperationStats
from escalate._report._engine import aggregate_sources, usable_cpus
from escalate._report._model import report_to_dict
from escalate._report._reading._inputs import resolve_sources
from escalate._report._reading._reader import LineStats, scan_chunks
from tests.report.builders import (
    call,
    healthy_run,
    referenced,
    send_call,
    token_call,
    token_info,
    webhook,
    write_log,
)


def _mixed_records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for index in range(6):
        records.extend(healthy_run(at=index * 30, message_id=f"msg_{index}"))
    records += [
        send_call(403, at=200, message_id=None, error_code="FORBIDDEN", request_id="req_f"),
        send_call(None, at=210, message_id=None, operation="fp_dup", key="fp_k1"),
        send_call(202, at=250, message_id="msg_dup", operation="fp_dup", key="fp_k2"),
        send_call(202, at=260, message_id="msg_lost", operation="fp_lost"),
        # an unanswered attempt accepted after all: webhooks show its message (msg_hook)
        send_call(None, at=300, message_id=None, operation="fp_ref", key="fp_k3",
                  payload=referenced("<fp:fp_ref0000001>")),
        send_call(202, at=330, message_id="msg_retry", operation="fp_ref", key="fp_k4",
                  payload=referenced("<fp:fp_ref0000001>")),
        webhook("message.sent", "msg_hook", at=305, external_reference="fp_ref0000001"),
        webhook("message.delivery", "msg_hook", at=309, external_reference="fp_ref0000002"),
        webhook("message.sent", "msg_retry", at=335, external_reference="fp_ref0000001"),
        webhook(at=270, signature="invalid", response_status=401, message_id="msg_x"),
        call("/api/core/whoami", 401, at=4000, error_code="UNAUTHORIZED",
             token=token_info(age=3900)),
        token_call(500, at=4100, error_code="server_error"),
    ]  # fmt: skip
    return records


def _state(records: list[dict[str, Any]], path: Path) -> AggregateState:
    write_log(path, records)
    state = AggregateState()
    for record in scan_chunks([path.read_bytes()], LineStats()):
        state.add(record)
    return state


def _merged_parts(
    records: list[dict[str, Any]], parts: int, seed: int, directory: Path
) -> AggregateState:
    """Every `parts`-th record in its own log and state; the states merged in a shuffled order."""
    states = [_state(records[i::parts], directory / f"part{i}.log") for i in range(parts)]
    random.Random(seed + 1).shuffle(states)
    merged = AggregateState()
    for state in states:
        merged.merge(state)
    return merged


def _report(state: AggregateState) -> dict[str, Any]:
    options = ReportOptions(delivery_grace_s=60)
    return report_to_dict(report_from_state(state, options, ("logs",)))


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=4))
def test_merge_of_any_partition_equals_one_pass(seed: int, parts: int) -> None:
    """Shuffled records split into parts, merged in any order, give the one-pass report."""
    import tempfile

    records = _mixed_records()
    shuffled = records[:]
    random.Random(seed).shuffle(shuffled)
    with tempfile.TemporaryDirectory() as directory:
        whole = _report(_state(records, Path(directory) / "all.log"))
        merged = _merged_parts(shuffled, parts, seed, Path(directory))
    assert _report(merged)["findings"] == whole["findings"]
    assert _report(merged)["stages"] == whole["stages"]
    assert "msg_hook" in str(whole["findings"])


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=4))
def test_merged_references_equal_one_pass(seed: int, parts: int) -> None:
    """Messages, references and operations' references: the union is the one-pass state."""
    import tempfile

    records = _mixed_records()
    records += [send_call(202, at=400, message_id="msg_hook", operation="fp_late",
                          payload=referenced("<fp:fp_ref0000003>"))]  # fmt: skip
    random.Random(seed).shuffle(records)
    with tempfile.TemporaryDirectory() as directory:
        whole = _state(records, Path(directory) / "all.log")
        merged = _merged_parts(records, parts, seed, Path(directory))
    assert merged.messages == whole.messages
    assert merged.references == whole.references
    assert {op: _references(value) for op, value in merged.operations.items()} == {
        op: _references(value) for op, value in whole.operations.items()
    }


def _references(value: object) -> frozenset[str]:
    return frozenset(value.references) if isinstance(value, OperationStats) else frozenset()


def test_jobs_split_a_file_into_byte_ranges(tmp_path: Path) -> None:
    """--jobs 2 on byte ranges of one file gives the same report as one process."""
    lines: list[Any] = []
    for index in range(400):
        lines.extend(healthy_run(at=index * 20, message_id=f"msg_{index}"))
        lines.append('{"service":"other","event":"noise"}')
    lines.append(send_call(403, at=9000, message_id=None, error_code="FORBIDDEN"))
    path = write_log(tmp_path / "big.log", lines)
    sources = resolve_sources([str(path)])
    one = aggregate_sources(sources, None, jobs=1)
    two = aggregate_sources(sources, None, jobs=2, min_range_bytes=1024)
    assert two.segments.keys() != one.segments.keys()  # really split
    assert _report(two) == _report(one)


def test_jobs_beyond_the_cpus_use_one_range_per_cpu(tmp_path: Path) -> None:
    """--jobs 64 splits a file into no more ranges than usable CPUs, with the one-process report."""
    lines: list[Any] = []
    for index in range(300):
        lines.extend(healthy_run(at=index * 20, message_id=f"msg_{index}"))
    path = write_log(tmp_path / "big.log", lines)
    sources = resolve_sources([str(path)])
    one = aggregate_sources(sources, None, jobs=1)
    many = aggregate_sources(sources, None, jobs=64, min_range_bytes=1024)
    assert len(many.segments) == min(64, usable_cpus())
    assert _report(many) == _report(one)
