"""The packed table, its codecs and the operations: exact, ordered, the answers of a dict."""

from __future__ import annotations

import pickle
from datetime import datetime
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from escalate._report._aggregation import _operations, _packed
from escalate._report._aggregation._groups import Operation, OperationStats, single_attempt
from escalate._report._aggregation._operations import Operations
from escalate._report._aggregation._packed import (
    PackedTable,
    joined_ids,
    joined_timestamps,
    pack_id,
    pack_ts,
    unpack_id,
    unpack_ts,
)

_HEX = "0123456789abcdefA "
#: ids that pack as hex digits, as ASCII, or not at all (too long, non-ASCII, NUL)
_IDS = st.one_of(
    st.builds(lambda digits: "msg_" + digits, st.text(alphabet=_HEX, max_size=18)),
    st.text(alphabet="msg_01\0", max_size=6),
    st.sampled_from(["msg_\u00e9", "msg_\ud800", "a" * 10, "", "msg_", "msg_0"]),
)
_VALUES = st.binary(min_size=3, max_size=3)
_TIMES = st.datetimes(min_value=datetime(1000, 1, 1)).map(
    lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
)


@settings(max_examples=500, deadline=None)
@given(_IDS, _IDS)
def test_ids_pack_exactly(a: str, b: str) -> None:
    """A packed id unpacks to itself, and two ids never pack alike."""
    packed_a, packed_b = pack_id(a, "msg_", 9), pack_id(b, "msg_", 9)
    if packed_a is not None:
        assert len(packed_a) == 9 and unpack_id(packed_a, "msg_") == a
        assert (packed_a == packed_b) == (a == b)


@settings(max_examples=500, deadline=None)
@given(_TIMES, _TIMES)
def test_timestamps_pack_exactly_and_in_order(a: str, b: str) -> None:
    """Canonical timestamps pack into 10 bytes, unpack to themselves, and keep their order."""
    packed_a, packed_b = pack_ts(a), pack_ts(b)
    assert packed_a is not None and packed_b is not None and unpack_ts(packed_a) == a
    assert (packed_a < packed_b) == (a < b) and len(packed_a) == 10


def test_other_texts_do_not_pack_as_timestamps() -> None:
    """A text that is not a canonical timestamp is refused, not mangled."""
    for text in ("", "2026-11-27T10:00:00Z", "2026-11-27T10:00:00.00000aZ", "2026-11-27 10:00"):
        assert pack_ts(text) is None


_ONE_TIME = "2026-11-27T10:00:00.000000Z"
#: texts a batch must not take for timestamps, two canonical ones in one text among them
_NOT_TIMES = [
    *("", "2026-11-27T10:00:00Z", "x\n", f"{_ONE_TIME}\n{_ONE_TIME}", f"{_ONE_TIME}\n"),
    *(_ONE_TIME[:-1], "Z" + _ONE_TIME, _ONE_TIME.replace("0", "\u0660", 1)),  # shifted; Arabic 0
]
#: canonical timestamps with one character replaced (most are then not canonical)
_NEAR_TIMES = st.builds(
    lambda ts, at, char: ts[:at] + char + ts[at + 1 :],
    _TIMES,
    st.integers(min_value=0, max_value=26),
    st.sampled_from("0-9TZ:.\n x\u0660"),
)
#: full-width hex ids (the batch's usual form) mixed with ids that pack otherwise or not at all
_BATCH_IDS = st.one_of(
    st.builds(lambda n: f"msg_{n:016x}", st.integers(min_value=0, max_value=2**64 - 1)),
    st.builds(lambda n: f"msg_{n:010x}", st.integers(min_value=0, max_value=2**40 - 1)),
    _IDS,
)


def _joined_or_none(packed: list[bytes | None]) -> bytes | None:
    return None if None in packed else b"".join(p for p in packed if p is not None)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(_BATCH_IDS, max_size=8), st.lists(st.sampled_from(["", "msg_"]))))
def test_a_batch_of_ids_packs_as_each_id(texts: list[str]) -> None:
    """`joined_ids` packs a batch as `pack_id` packs each id, or refuses it whole."""
    joined = joined_ids(texts, "msg_", 9)
    assert joined is None or joined == _joined_or_none([pack_id(t, "msg_", 9) for t in texts])


def test_a_batch_of_hex_ids_of_one_length_packs_in_one_go() -> None:
    """Hex ids of one length (or empty texts) pack together; a text holding two ids does not."""
    two_in_one = "msg_0123456789abcdef\nmsg_0123456789abcdef"
    for digits in (2, 10, 16):
        many = [f"msg_{n:0{digits}x}" for n in range(0, 16**digits, 16**digits // 256)]
        assert joined_ids(many, "msg_", 9) == b"".join(pack_id(t, "msg_", 9) or b"" for t in many)
        assert joined_ids([*many, two_in_one], "msg_", 9) is None
        assert joined_ids([*many, "msg_0"], "msg_", 9) is None
        for odd in ("A", " ", "g", "\n"):  # one of the same length that pack_id packs otherwise
            other = many[-1][:-1] + odd
            assert joined_ids([*many, other], "msg_", 9) is None
            assert joined_ids([other, *many], "msg_", 9) is None
    assert joined_ids(["", ""], "msg_", 9) == bytes(18)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_TIMES, _NEAR_TIMES, st.sampled_from(_NOT_TIMES)), max_size=8))
def test_a_batch_of_timestamps_packs_as_each_timestamp(texts: list[str]) -> None:
    """`joined_timestamps` packs canonical timestamps as `pack_ts` does, refuses anything else."""
    assert joined_timestamps(texts) == _joined_or_none([pack_ts(text) for text in texts])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_BATCH_IDS, _VALUES), max_size=40, unique_by=lambda pair: pair[0]))
def test_a_batch_added_is_found_as_if_put_one_by_one(entries: list[tuple[str, bytes]]) -> None:
    """`add_batch` adds every entry or none (`joined_ids` refused the keys): a dict's answers."""
    table = PackedTable("msg_", 9, 3)
    keys, values = [key for key, _ in entries], [value for _, value in entries]
    columns = [b"".join(value[:1] for value in values), b"".join(value[1:] for value in values)]
    added = table.add_batch(keys, columns)
    assert added == (joined_ids(keys, "msg_", 9) is not None)
    kept = dict(entries) if added else {}
    assert dict(table.items()) == kept and len(table) == len(kept)
    assert all(table.get(key) == value for key, value in kept.items())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.booleans(), _IDS, _VALUES), max_size=60), _IDS)
def test_table_answers_as_a_dict(operations: list[tuple[bool, str, bytes]], absent: str) -> None:
    """Look-ups, length and entries are those of a dict after any puts and deletes."""
    table, model = PackedTable("msg_", 9, 3), {}
    for put, key, value in operations:
        if not put:
            table.delete(key)
            model.pop(key, None)
        elif table.put(key, value):
            model[key] = value
        else:
            assert pack_id(key, "msg_", 9) is None
    assert dict(table.items()) == model and len(table) == len(model)
    assert {key: table.get(key) for key in model} == model
    assert table.get(absent) == model.get(absent)
    assert dict(pickle.loads(pickle.dumps(table)).items()) == model


def test_table_grows_its_buckets_and_keeps_every_entry() -> None:
    """Past LOAD records a bucket, the buckets (and the filter) multiply: every entry is found."""
    entries = {f"msg_{n:016x}": n.to_bytes(4, "big") for n in range(0, 40_000_000, 1000)}
    batch = list(entries.items())[::3]  # a third added in batches, between the puts
    with patch.object(_packed, "LOAD", 8):  # two growths within 40,000 records
        table = PackedTable("msg_", 9, 4)
        for at, (key, value) in enumerate(entries.items()):
            if at % 3:
                assert table.put(key, value)
            elif at % 999 == 0:
                values = b"".join(value for _, value in batch[:333])
                assert table.add_batch([key for key, _ in batch[:333]], [values])
                del batch[:333]
        texts = {f"m{n}": n.to_bytes(4, "big") for n in range(0, 4000, 3)}  # packed as texts
        assert all(table.put(key, value) for key, value in texts.items())
        entries |= texts
        assert len(table._buckets) == 16 * _packed._FIRST_BUCKETS and len(table) == len(entries)
        assert all(table.get(key) == value for key, value in entries.items())
        assert _packed.LOAD * len(table._buckets) >= len(table)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["fp_0a", "fp_0b", "fp_op1", "fp_\u00e9", "fp_0c0d"]),
            st.sampled_from(["fp_01", "", "fp_k\0"]),
            st.sampled_from(["msg_0a", "msg_x", "msg_\ud800"]),
        ),
        max_size=20,
    )
)
def test_operations_answer_as_a_dict_when_most_are_packed(
    attempts: list[tuple[str, str, str]],
) -> None:
    """First attempts, then second ones, with few recent: the values a dict would hold."""
    operations, model = Operations(), {}
    with patch.object(_operations, "RECENT", 2):
        for at, (operation, key, message_id) in enumerate(attempts):
            ts = f"2026-11-27T10:00:{at:02d}.000000Z"
            if operation not in operations:
                operations.first(operation, ts, key, message_id)
                model[operation] = single_attempt(ts, key, message_id)
            else:
                operations.stats(operation, ts).attempts += 1
                stats = OperationStats.of(model[operation])
                stats.attempts += 1
                model[operation] = stats
    assert len(operations) == len(model)
    assert {o: _plain(v) for o, v in operations.items()} == {o: _plain(v) for o, v in model.items()}


def _plain(value: Operation) -> object:
    return value if isinstance(value, str) else sorted(
        (name, repr(getattr(value, name))) for name in OperationStats.__slots__
    )
