"""The packed table: the same answers as a dict of texts, whatever the texts, and picklable."""

from __future__ import annotations

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from escalate._report._aggregation import _packed
from escalate._report._aggregation._packed import PackedTable

#: short ASCII texts mostly (packed), some too long, non-ASCII or holding NUL (the overflow)
_TEXTS = st.one_of(
    st.text(alphabet="ab\0", max_size=3),
    st.text(alphabet="abc", min_size=7, max_size=9),
    st.sampled_from(["msg_\u00e9", "msg_\ud800", "a" * 8, ""]),
)
_OPERATIONS = st.lists(st.tuples(st.sampled_from(["put", "delete"]), _TEXTS, _TEXTS), max_size=60)


def _apply(operations: list[tuple[str, str, str]]) -> tuple[PackedTable, dict[str, str]]:
    table, model = PackedTable(4, 6), {}
    for verb, key, value in operations:
        if verb == "put":
            table.put(key, value)
            model[key] = value
        else:
            table.delete(key)
            model.pop(key, None)
    return table, model


@settings(max_examples=300, deadline=None)
@given(_OPERATIONS, _TEXTS)
def test_table_answers_as_a_dict(operations: list[tuple[str, str, str]], absent: str) -> None:
    """Look-ups, length and entries are those of a dict after any puts and deletes."""
    table, model = _apply(operations)
    assert dict(table.items()) == model and len(table) == len(model)
    assert {key: table.get(key) for key in model} == model
    assert table.get(absent) == model.get(absent)
    copied = pickle.loads(pickle.dumps(table))
    assert dict(copied.items()) == dict(table.copy().items()) == model


def test_table_grows_its_buckets_and_keeps_every_entry() -> None:
    """Past LOAD records a bucket, the buckets multiply and every entry is still found."""
    table = PackedTable(12, 12)
    entries = {f"msg_{n:08d}": f"t{n}" for n in range(20_000)}
    for key, value in entries.items():
        table.put(key, value)
    assert len(table._buckets) > 256 and not table.overflow
    assert all(table.get(key) == value for key, value in entries.items())
    assert _packed.LOAD * len(table._buckets) >= len(table)
