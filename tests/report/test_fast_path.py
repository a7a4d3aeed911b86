"""The fast path (`_aggregation._fast_path`) leaves exactly the state the reference path does."""

from __future__ import annotations

import re
from typing import Any

import orjson
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from escalate._report import AggregateState
from escalate._report._aggregation._fast_path import (
    CALL_FIELDS,
    SEND_FIELDS,
    WEBHOOK_FIELDS,
    folder,
)
from escalate._report._reading._reader import LineStats, scan_chunks, scan_into
from tests.report.builders import call, referenced, send_call, webhook, whoami_call

_ODD_VALUES = (None, True, 1, 200.0, "200", "x", [], {}, {"scheme": None}, [1])
_ODD_MEMBERS: dict[str, tuple[Any, ...]] = {
    "idempotency": ({"present": "yes"}, {"fingerprint": 5}, {"present": None}),
    "auth": ({"scheme": 1}, {"fingerprint": "fp_x"}),
    "response": (
        {"results": [{"messageId": 7}]},
        {"results": [{"messageId": "msg_a"}], "errors_count": 2},
        {"results": [{"messageId": "msg_a"}], "errors_count": True},
        {"results": [{"messageId": "msg_a"}, {"messageId": "msg_b"}]},
        {"results": ["msg_a"]},
    ),
    "ts": ("2026-11-27T10:00:00+00:00", "2026-11-27T10:00:00.000000Y"),
    "signature": ("missing", "invalid", "not_checked"),
    "response_status": (204, 299, 300, 500),
    "status": (200, 500, 202.0, True),
    "token": ({"age_s": 4000, "expires_in": 3600}, {"fresh": True}, {}),
    "payload": ({"to": "<e164>"}, [], "x", {"externalReference": "<fp:fp_r9>"}),
    "stage": ("token", "whoami", "other"),
    "outcome": ("timeout", "error"),
    "method": ("GET",),
    "timestamp_skew_s": (3, False),
    "external_reference": ("", "fp_r1", {"fp": "fp_r1"}),
}
_EVENTS = ("message.queued", "message.sent", "message.delivery", "message.failed", None)
#: webhook references, and the send payloads' shapes of them (None: no externalReference)
_HOOK_REFERENCES = (None, "fp_r1", "fp_r2")
_SEND_REFERENCES = (None, "<fp:fp_r1>", "fp_r2", "<e164>")


@st.composite
def _record(draw: st.DrawFn) -> dict[str, Any]:
    at = draw(st.integers(min_value=0, max_value=600)) / 4
    message_id = draw(st.sampled_from(["msg_a", "msg_b", "msg_c", "msg_d"]))
    operation = draw(st.sampled_from(["fp_op1", "fp_op2", "fp_op3", "fp_op4", "fp_op5"]))
    kind = draw(st.sampled_from(["hook", "hook", "hook", "bad_hook", "send", "send", "other"]))
    hook_reference = draw(st.sampled_from(_HOOK_REFERENCES))
    if kind == "hook":
        record = webhook(draw(st.sampled_from(_EVENTS)), message_id, at=at,
                         external_reference=hook_reference)  # fmt: skip
    elif kind == "bad_hook":
        record = webhook(message_id=message_id, at=at, signature="invalid", response_status=401,
                         external_reference=hook_reference)  # fmt: skip
    elif kind == "send":
        status = draw(st.sampled_from([202, 202, 202, 403, None]))
        reference = draw(st.sampled_from(_SEND_REFERENCES))
        payload = referenced(reference) if reference else None
        record = send_call(status, at=at, message_id=message_id, operation=operation,
                           **({"payload": payload} if payload else {}))  # fmt: skip
    else:
        record = draw(st.sampled_from([whoami_call(at=at), call("/api/core/numbers", 500, at=at)]))
    if draw(st.integers(min_value=0, max_value=2)) == 0:  # now and then, one odd field
        fields = WEBHOOK_FIELDS if record["kind"] == "webhook" else (*SEND_FIELDS, *CALL_FIELDS)
        field = draw(st.sampled_from(["schema", "kind", *fields]))
        if draw(st.booleans()):
            record[field] = draw(st.sampled_from(_ODD_VALUES + _ODD_MEMBERS.get(field, ())))
        else:
            record.pop(field, None)
    return record


def _reference(data: bytes) -> tuple[AggregateState, LineStats]:
    state, stats = AggregateState(), LineStats()
    for record in scan_chunks([data], stats):
        state.add(record)
    return state, stats


def _fast(data: bytes) -> tuple[AggregateState, LineStats]:
    state, stats = AggregateState(), LineStats()
    scan_into([data], stats, folder(state))
    return state, stats


def _snapshot(state: AggregateState) -> dict[str, Any]:
    """Every field of the state, groups and operations as plain values."""
    snapshot = {name: getattr(state, name) for name in AggregateState.__slots__ if name[0] != "_"}
    snapshot["groups"] = {key: _slots(group) for key, group in state.groups.items()}
    snapshot["webhook_groups"] = {key: _slots(g) for key, g in state.webhook_groups.items()}
    snapshot["operations"] = {
        key: value if isinstance(value, str) else _slots(value)
        for key, value in state.operations.items()
    }
    return snapshot


def _slots(value: Any) -> dict[str, Any]:
    return {name: getattr(value, name) for name in type(value).__slots__}


@settings(max_examples=300, deadline=None)
@given(st.lists(_record(), max_size=40))
def test_fast_path_state_equals_reference_state(records: list[dict[str, Any]]) -> None:
    """Any mix of records, valid or odd, in any order, folds into the reference state."""
    data = b"".join(orjson.dumps(record) + b"\n" for record in records)
    (reference, reference_stats), (fast, fast_stats) = _reference(data), _fast(data)
    assert _snapshot(fast) == _snapshot(reference)
    assert (fast_stats.lines, fast_stats.broken) == (reference_stats.lines, reference_stats.broken)


def test_fast_path_reads_records_without_null_fields() -> None:
    """A record whose null fields are left out (absent = null) folds like the full record."""
    records = [send_call(at=1), webhook(at=2), send_call(at=3, operation="fp_op9"), webhook(at=4)]
    full = b"".join(orjson.dumps(record) + b"\n" for record in records)
    lean = b"".join(
        orjson.dumps({k: v for k, v in record.items() if v is not None}) + b"\n"
        for record in records
    )
    assert _snapshot(_fast(lean)[0]) == _snapshot(_reference(full)[0])


def _one_odd_field() -> list[tuple[dict[str, Any], str, object]]:
    """(base record, field, odd value or _ABSENT) for every field the fast path reads."""
    cases: list[tuple[dict[str, Any], str, object]] = []
    bases = (
        (webhook("message.delivery", "msg_z", at=9), WEBHOOK_FIELDS),
        (send_call(at=9, message_id="msg_z", operation="fp_op_new"), SEND_FIELDS),
        (send_call(403, at=9, message_id=None, error_code="FORBIDDEN", request_id="req_z",
                   operation="fp_op_new", payload=referenced("<fp:fp_r1>")), CALL_FIELDS),
    )  # fmt: skip
    for base, fields in bases:
        for field in ("schema", "kind", *fields):
            values = (_ABSENT, *_ODD_VALUES, *_ODD_MEMBERS.get(field, ()))
            cases.extend((base, field, value) for value in values)
    return cases


_ABSENT = object()


def test_every_odd_field_takes_the_reference_path() -> None:
    """Each field the fast path reads, made odd or left out (twice: a group exists), matches."""
    known = [  # every group twice: the fast path then knows it
        *(webhook("message.delivery", at=at) for at in (1, 2)),
        *(send_call(at=at, operation=f"fp_op{at}", message_id=f"msg_{at}") for at in (3, 4)),
        *(webhook("message.sent", at=at) for at in (5, 6)),
    ]
    for base, field, value in _one_odd_field():
        odd = {k: v for k, v in base.items() if k != field}
        if value is not _ABSENT:
            odd[field] = value
        again = dict(odd)  # the same odd record for a second operation, when it has one
        if "operation" in odd:
            again["operation"] = "fp_op_again"
        data = b"".join(orjson.dumps(record) + b"\n" for record in [*known, odd, again])
        (reference, reference_stats), (fast, fast_stats) = _reference(data), _fast(data)
        assert _snapshot(fast) == _snapshot(reference), (field, value)
        assert fast_stats.broken == reference_stats.broken, (field, value)


#: bytes that make a line interesting to a JSON parser when dropped in anywhere
_NOISE = (b'"', b"\\", b"}", b"{", b",", b":", b"[", b"]", b"\xff", b"\xc3\xa9", b"\x01", b" ",
          b"e", b"-", b"0", b"9", b".", b"n", b"t", b"\\u0000", b"\\ud800", b"\r")
_HUGE_EXPONENT = re.compile(rb"[0-9][eE][+]?[0-9]{3}")


@st.composite
def _mutated_lines(draw: st.DrawFn) -> bytes:
    """Valid records, then a few bytes deleted, replaced or inserted anywhere."""
    data = bytearray(b"".join(
        orjson.dumps(record) + b"\n" for record in draw(st.lists(_record(), min_size=1, max_size=8))
    ))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=len(data) - 1))
        operation = draw(st.sampled_from(["delete", "replace", "insert"]))
        noise = draw(st.sampled_from(_NOISE))
        if operation == "delete":
            del data[at : at + draw(st.integers(min_value=1, max_value=20))]
        elif operation == "replace":
            data[at : at + len(noise)] = noise
        else:
            data[at:at] = noise
        if not data:
            data = bytearray(b"\n")
    return bytes(data)


@settings(max_examples=400, deadline=None)
@given(_mutated_lines())
def test_fast_path_agrees_with_orjson_on_damaged_lines(data: bytes) -> None:
    """Truncated, mangled or non-UTF-8 lines get the same verdicts and state on both paths.

    The one documented difference: a number too large for a float in a field the fast path skips
    (msgspec accepts the line, orjson refuses it), so such lines are left out.
    """
    assume(not _HUGE_EXPONENT.search(data))
    (reference, reference_stats), (fast, fast_stats) = _reference(data), _fast(data)
    assert _snapshot(fast) == _snapshot(reference)
    assert (fast_stats.lines, fast_stats.not_evidence, fast_stats.broken) == (
        reference_stats.lines, reference_stats.not_evidence, reference_stats.broken)


def test_a_huge_number_in_a_skipped_field_is_the_documented_difference() -> None:
    """`1e999` where the fast path does not read: msgspec keeps the record, orjson refuses it."""
    record = send_call(at=1, operation="fp_op1", message_id="msg_1")
    line = orjson.dumps(record).replace(b'"fingerprint"', b'"huge":1e999,"fingerprint"', 1)
    known = orjson.dumps(send_call(at=0, operation="fp_op0", message_id="msg_0"))
    data = known + b"\n" + known.replace(b"fp_op0", b"fp_opx") + b"\n" + line + b"\n"
    assert _reference(data)[1].broken == {"invalid_json": 1}
    assert _fast(data)[1].broken == {}


def test_deeply_nested_line_is_invalid_json_on_the_fast_path() -> None:
    """A record nested past the parsers' depth limits is counted broken, never a crash."""
    record = orjson.dumps(webhook(at=1))
    line = record[:-1] + b',"deep":' + b"[" * 5000 + b"]" * 5000 + b"}"
    data = record + b"\n" + line + b"\n"
    assert _fast(data)[1].broken == _reference(data)[1].broken == {"invalid_json": 1}


def test_a_webhook_reference_of_another_type_is_a_wrong_type_on_both_paths() -> None:
    """external_reference must be a string or null (docs/record-schema.md): else wrong_types."""
    records = [webhook(at=1), webhook(at=2, external_reference=7),
               webhook(at=3, external_reference="fp_x")]  # fmt: skip
    data = b"".join(orjson.dumps(record) + b"\n" for record in records)
    assert _fast(data)[1].broken == _reference(data)[1].broken == {"wrong_types": 1}


def test_a_lifecycle_only_message_keeps_its_least_reference_until_a_send_accepts_it() -> None:
    """Webhooks first (two references: the least kept), then the send: the reference goes."""
    hooks = [webhook("message.sent", "msg_z", at=1, external_reference="fp_r2"),
             webhook("message.delivery", "msg_z", at=2, external_reference="fp_r1")]  # fmt: skip
    known = [send_call(at=at, operation=f"fp_op{at}", message_id=f"msg_{at}") for at in (0, 0.5)]
    send = send_call(at=3, message_id="msg_z", operation="fp_op_z")  # the fast path's, after known
    first = b"".join(orjson.dumps(record) + b"\n" for record in [*known, *hooks])
    both = first + orjson.dumps(send) + b"\n"
    assert _fast(first)[0].references == _reference(first)[0].references == {"msg_z": "fp_r1"}
    assert _fast(both)[0].references == _reference(both)[0].references == {}
