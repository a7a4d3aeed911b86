"""A map of ids to fixed-width bytes, kept as records in byte buckets; the codecs that pack them.

The messages and the operations seen once are counted in millions on a send-heavy log; as dict
entries each cost its key text (~64 B), its value (76-107 B) and a slot (~42 B). Here an entry is
one record of `key_width + value_width` bytes in one of a few thousand `bytearray` buckets, chosen
by the CRC-32 of the packed key: a look-up is one `bytearray.find` over a bucket of at most LOAD
records (C, no Python loop per record), and the buckets pickle as bytes (`--jobs`).

Keys are packed exactly (`pack_id`): the table's prefix and lowercase hex digits (`msg_` and 16
hex digits, `fp_` and 12: what the API and the capture write) as a length byte and the digits'
bytes; any other ASCII text that fits, as itself. A key that packs neither way is refused
(`put` returns False) and its owner keeps it in a dict: nothing is hashed, nothing is lost.
Timestamps pack as their 20 decimal digits in BCD (`pack_ts`, 10 bytes, in the same order).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from zlib import crc32

_FIRST_BUCKETS = 256
_GROWTH = 4  #: buckets are multiplied by this when the average bucket holds LOAD records
LOAD = 32
_PACKED_TAG = 0x80  #: the first byte of a packed id: this plus its digits' byte count
TS_WIDTH = 10  #: a packed timestamp
_TAGS = [bytes((_PACKED_TAG + length,)) for length in range(0x80)]
_CANONICAL_TS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


def pack_id(text: str, prefix: str, width: int) -> bytes | None:
    """`text` in `width` bytes, exactly (see the module); None when it does not fit."""
    if text.startswith(prefix):
        digits = text[len(prefix) :]
        try:
            raw = bytes.fromhex(digits)
        except ValueError:
            raw = b""
        if 0 < len(raw) < width and raw.hex() == digits:  # lowercase, even, no spaces
            packed = _TAGS[len(raw)] + raw
            return packed if len(packed) == width else packed.ljust(width, b"\0")
    if len(text) > width or not text.isascii() or "\0" in text:
        return None
    return text.encode("ascii").ljust(width, b"\0")


def unpack_id(raw: bytes, prefix: str) -> str:
    """The text `pack_id` packed into `raw`."""
    if raw and raw[0] > _PACKED_TAG:
        return prefix + raw[1 : 1 + raw[0] - _PACKED_TAG].hex()
    return raw.rstrip(b"\0").decode("ascii")


def pack_ts(ts: str) -> bytes | None:
    """A canonical timestamp (`YYYY-MM-DDTHH:MM:SS.ffffffZ`) as 10 bytes of BCD, else None."""
    if _CANONICAL_TS.fullmatch(ts) is None:
        return None
    date, time = ts[0:4] + ts[5:7] + ts[8:10], ts[11:13] + ts[14:16] + ts[17:19] + ts[20:26]
    return bytes.fromhex(date + time)


def unpack_ts(raw: bytes) -> str:
    """The timestamp `pack_ts` packed into `raw`."""
    return _ts_of(raw.hex())


def _ts_of(d: str) -> str:
    return f"{d[0:4]}-{d[4:6]}-{d[6:8]}T{d[8:10]}:{d[10:12]}:{d[12:14]}.{d[14:20]}Z"


class PackedTable:
    """id -> fixed-width bytes; records in CRC-32 buckets (ids that do not pack are refused)."""

    __slots__ = ("_buckets", "_key_width", "_mask", "_prefix", "_width", "size")

    def __init__(self, prefix: str, key_width: int, value_width: int) -> None:
        self._prefix = prefix  #: the ids' usual prefix (packed as hex digits after it)
        self._key_width = key_width
        self._width = key_width + value_width
        self._buckets = [bytearray() for _ in range(_FIRST_BUCKETS)]
        self._mask = _FIRST_BUCKETS - 1
        self.size = 0  #: records held (read in hot paths instead of calling `len`)

    def __len__(self) -> int:
        return self.size

    def get(self, key: str) -> bytes | None:
        """The value of `key`, None when absent (or when `key` does not pack)."""
        raw = pack_id(key, self._prefix, self._key_width)
        if raw is None:
            return None
        bucket = self._buckets[crc32(raw) & self._mask]
        at = self._find(bucket, raw)
        return None if at < 0 else bytes(bucket[at + self._key_width : at + self._width])

    def put(self, key: str, value: bytes) -> bool:
        """Set `key` to `value` (in place, or appended); False when `key` does not pack."""
        raw = pack_id(key, self._prefix, self._key_width)
        if raw is None:
            return False
        bucket = self._buckets[crc32(raw) & self._mask]
        at = self._find(bucket, raw)
        if at >= 0:
            bucket[at + self._key_width : at + self._width] = value
            return True
        bucket += raw + value
        self.size += 1
        if self.size > LOAD * len(self._buckets):
            self._grow()
        return True

    def add(self, key: str, value: bytes) -> bool:
        """Add `key`, known to be absent (no look-up); False when `key` does not pack."""
        raw = pack_id(key, self._prefix, self._key_width)
        if raw is None:
            return False
        self._buckets[crc32(raw) & self._mask] += raw + value
        self.size += 1
        if self.size > LOAD * len(self._buckets):
            self._grow()
        return True

    def delete(self, key: str) -> None:
        """Remove `key` if present."""
        raw = pack_id(key, self._prefix, self._key_width)
        if raw is not None:
            bucket = self._buckets[crc32(raw) & self._mask]
            at = self._find(bucket, raw)
            if at >= 0:
                del bucket[at : at + self._width]
                self.size -= 1

    def items(self) -> Iterator[tuple[str, bytes]]:
        """Every entry, in bucket order."""
        for raw, value in self.raw_items():
            yield unpack_id(raw, self._prefix), value

    def raw_items(self) -> Iterator[tuple[bytes, bytes]]:
        """Every entry with its key still packed (decode the few you keep with `unpack`)."""
        key_width, width = self._key_width, self._width
        for bucket in self._buckets:
            for at in range(0, len(bucket), width):
                yield bytes(bucket[at : at + key_width]), bytes(bucket[at + key_width : at + width])

    def unpack(self, raw: bytes) -> str:
        """The id of a packed key from `raw_items`."""
        return unpack_id(raw, self._prefix)

    def _find(self, bucket: bytearray, raw: bytes) -> int:
        """The offset of the record of `raw` in `bucket`, -1 when absent."""
        at = bucket.find(raw)
        while at > 0 and at % self._width:  # matched inside a record: look further
            at = bucket.find(raw, at + 1)
        return at

    def _grow(self) -> None:
        buckets = [bytearray() for _ in range(len(self._buckets) * _GROWTH)]
        mask, key_width, width = len(buckets) - 1, self._key_width, self._width
        for bucket in self._buckets:
            for at in range(0, len(bucket), width):
                record = bucket[at : at + width]
                buckets[crc32(record[:key_width]) & mask] += record
        self._buckets, self._mask = buckets, mask
