"""A map of short texts to short texts kept as fixed-width records in byte buckets.

The messages and the operations seen once are counted in millions on a send-heavy log; as dict
entries each costs its key text (~64 B), its value text (76-107 B) and a slot (~42 B). Here an
entry is one record of `key_width + value_width` bytes (the key NUL-padded, the value after its
length byte) in one of a few thousand `bytearray` buckets, chosen by the CRC-32 of the key:
about 52 B a message and 88 B an operation. A look-up is one `bytearray.find` (C, over a bucket of
at most LOAD records), so the table costs no Python loop per record, and its buckets pickle as
bytes (`--jobs`). Keys and values are kept exactly: a key or value that is not ASCII, too long, or
a key holding NUL lives in `overflow`, a plain dict, instead of the buckets.
"""

from __future__ import annotations

from collections.abc import Iterator
from zlib import crc32

_FIRST_BUCKETS = 256
_GROWTH = 16  #: buckets are multiplied by this when the average bucket holds LOAD records
LOAD = 32


class PackedTable:
    """text -> text, exact; records in CRC-32 buckets, the texts that do not fit in `overflow`."""

    __slots__ = ("_buckets", "_key_width", "_mask", "_size", "_value_width", "_width", "overflow")

    def __init__(self, key_width: int, value_width: int) -> None:
        self._key_width = key_width
        self._value_width = value_width  #: the length byte and the value's bytes
        self._width = key_width + value_width
        self._buckets = [bytearray() for _ in range(_FIRST_BUCKETS)]
        self._mask = _FIRST_BUCKETS - 1
        self._size = 0  #: records in the buckets
        self.overflow: dict[str, str] = {}  #: the entries whose key or value does not fit

    def __len__(self) -> int:
        return self._size + len(self.overflow)

    def get(self, key: str) -> str | None:
        """The value of `key`, None when absent."""
        raw = self._raw_key(key)
        if raw is None:
            return self.overflow.get(key)
        bucket = self._buckets[crc32(raw) & self._mask]
        at = self._find(bucket, raw)
        if at < 0:
            return self.overflow.get(key) if self.overflow else None
        start = at + self._key_width
        return bucket[start + 1 : start + 1 + bucket[start]].decode("ascii")

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def put(self, key: str, value: str) -> None:
        """Set `key` to `value` (a record rewritten in place, or appended)."""
        raw, packed = self._raw_key(key), self._packed_value(value)
        if raw is None or packed is None:
            if raw is not None:
                self._delete_raw(raw)
            self.overflow[key] = value
            return
        if self.overflow:
            self.overflow.pop(key, None)
        bucket = self._buckets[crc32(raw) & self._mask]
        at = self._find(bucket, raw)
        if at >= 0:
            bucket[at + self._key_width : at + self._width] = packed
            return
        bucket += raw + packed
        self._size += 1
        if self._size > LOAD * len(self._buckets):
            self._grow()

    def delete(self, key: str) -> None:
        """Remove `key` if present."""
        raw = self._raw_key(key)
        if raw is not None:
            self._delete_raw(raw)
        self.overflow.pop(key, None)

    def items(self) -> Iterator[tuple[str, str]]:
        """Every entry (bucket order, then the overflow)."""
        key_width, width = self._key_width, self._width
        for bucket in self._buckets:
            for at in range(0, len(bucket), width):
                start = at + key_width
                key = bucket[at:start].rstrip(b"\0").decode("ascii")
                yield key, bucket[start + 1 : start + 1 + bucket[start]].decode("ascii")
        yield from self.overflow.items()

    def copy(self) -> PackedTable:
        """An independent table with the same entries."""
        table = PackedTable(self._key_width, self._value_width)
        table._buckets = [bytearray(bucket) for bucket in self._buckets]
        table._mask, table._size = self._mask, self._size
        table.overflow = dict(self.overflow)
        return table

    def _raw_key(self, key: str) -> bytes | None:
        if not key.isascii() or len(key) > self._key_width or "\0" in key:
            return None
        return key.encode("ascii").ljust(self._key_width, b"\0")

    def _packed_value(self, value: str) -> bytes | None:
        if not value.isascii() or len(value) >= self._value_width:
            return None
        return (chr(len(value)) + value).encode("ascii").ljust(self._value_width, b"\0")

    def _find(self, bucket: bytearray, raw: bytes) -> int:
        """The offset of the record of `raw` in `bucket`, -1 when absent."""
        at = bucket.find(raw)
        while at > 0 and at % self._width:  # matched inside a record: look further
            at = bucket.find(raw, at + 1)
        return at

    def _delete_raw(self, raw: bytes) -> None:
        bucket = self._buckets[crc32(raw) & self._mask]
        at = self._find(bucket, raw)
        if at >= 0:
            del bucket[at : at + self._width]
            self._size -= 1

    def _grow(self) -> None:
        buckets = [bytearray() for _ in range(len(self._buckets) * _GROWTH)]
        mask, key_width, width = len(buckets) - 1, self._key_width, self._width
        for bucket in self._buckets:
            for at in range(0, len(bucket), width):
                record = bucket[at : at + width]
                buckets[crc32(record[:key_width]) & mask] += record
        self._buckets, self._mask = buckets, mask
