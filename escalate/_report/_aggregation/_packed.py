"""A map of ids to fixed-width bytes, kept as records in byte buckets; the codecs that pack them.

The messages and the operations seen once are counted in millions on a send-heavy log; as dict
entries each cost its key text (~64 B), its value (76-107 B) and a slot (~42 B). Here an entry is
one record of `key_width + value_width` bytes in one of a few thousand `bytearray` buckets, chosen
by the CRC-32 of the key's text (the one the filter below uses: one CRC a record): a look-up is
one `bytearray.find` over a bucket of about LOAD records (C, no Python loop per record), and the
buckets pickle as bytes (`--jobs`). Few large buckets rather than many small ones: a table
starts with 1,024 and grows (rehashing every record, from its text) 4x past LOAD records a
bucket, so a table of fewer than 131,072 records never rehashes; and 1 M sends hold 37 MiB less
than with 32 records a bucket (each bucket's own allocation and slack).

Keys are packed exactly (`pack_id`): the table's prefix and lowercase hex digits (`msg_` and 16
hex digits, `fp_` and 12: what the API and the capture write) as a length byte and the digits'
bytes; any other ASCII text that fits, as itself. A key that packs neither way is refused
(`put` returns False) and its owner keeps it in a dict: nothing is hashed, nothing is lost.
Timestamps pack as their 20 decimal digits in BCD (`pack_ts`, 10 bytes, in the same order).

Owners pack thousands of entries at a time (`add_batch`): the texts of a batch that all have the
usual form are checked by strided slices of the joined texts, converted by one `bytes.fromhex` or
`unhexlify`, and laid out as records by slice assignments, so that an entry costs a CRC-32 and
an append in Python rather than a dozen calls; a batch in any other form is packed entry by
entry. (Chains of `map` over `operator` functions instead of that loop cost more, not less.)
"""

from __future__ import annotations

import re
from binascii import unhexlify
from collections.abc import Iterator, Sequence
from zlib import crc32

_FIRST_BUCKETS = 1024
_GROWTH = 4  #: buckets are multiplied by this when the average bucket holds LOAD records
LOAD = 128
_PACKED_TAG = 0x80  #: the first byte of a packed id: this plus its digits' byte count
TS_WIDTH = 10  #: a packed timestamp
_BITS = [1 << bit for bit in range(8)]  #: a filter bit, by the top 3 bits of a CRC-32
_TAGS = [bytes((_PACKED_TAG + length,)) for length in range(0x80)]
_CANONICAL_TS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
_TS_LENGTH = 27
#: where a canonical timestamp holds what is not a digit
_TS_SEPARATORS = ((4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "."), (26, "Z"))
_NOT_TS_DIGITS = b"-T:.Z\n"


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


def joined_ids(texts: Sequence[str], prefix: str, width: int) -> bytes | None:
    """`pack_id` of every text, joined, when they are all hex ids of one length (or all empty);
    None for any other batch."""
    if not texts or not any(texts):
        return bytes(width * len(texts))  # `pack_id("")`: NUL bytes
    count, size = len(texts), (len(texts[0]) - len(prefix)) // 2  #: bytes of the first's digits
    length, joined = len(prefix) + 2 * size, "\n".join(texts)
    # a newline after every `length` characters and nowhere else: every text is `length` long
    if not 0 < size < width or len(joined) != (length + 1) * count - 1:
        return None
    if joined.count("\n") != count - 1 or any(
        joined[at :: length + 1] != char * count for at, char in enumerate(prefix)
    ):
        return None
    digits = ("\n" + joined).replace("\n" + prefix, "")  # the prefixes start the texts: gone
    try:
        raw = bytes.fromhex(digits)
    except ValueError:
        return None
    if 2 * len(raw) != len(digits) or digits.lower() != digits:  # spaces, uppercase: refused
        return None
    return bytes(_records(count, _TAGS[size] * count, raw, bytes((width - 1 - size) * count)))


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


def joined_timestamps(texts: Sequence[str]) -> bytes | None:
    """`pack_ts` of every text, joined; None unless they are all canonical timestamps."""
    digits = _timestamp_digits(texts)
    return None if digits is None else unhexlify(digits)


def canonical_timestamps(texts: Sequence[str]) -> bool:
    """Whether every text is a canonical timestamp (`pack_ts` packs it)."""
    return _timestamp_digits(texts) is not None


def _timestamp_digits(texts: Sequence[str]) -> bytes | None:
    """The digits of the texts, joined, when they are all canonical timestamps; checked over the
    texts joined by newlines: a newline every 28 characters and nowhere else (so every text is 27
    long), the separators in their places, ASCII digits in all the others."""
    joined, count = "\n".join(texts), len(texts)
    if len(joined) != _TS_LENGTH * count + count - 1 or joined.count("\n") != count - 1:
        return b"" if not texts else None
    if any(joined[at :: _TS_LENGTH + 1] != char * count for at, char in _TS_SEPARATORS):
        return None
    if not joined.isascii():
        return None
    digits = joined.encode().translate(None, _NOT_TS_DIGITS)  # bytes: a table, not a dict
    return digits if len(digits) == 2 * TS_WIDTH * count and digits.isdigit() else None


def joined_digits(texts: Sequence[str]) -> bytes:
    """Canonical timestamps and even-length hex texts as the bytes of their digits, joined."""
    return unhexlify("".join(texts).encode().translate(None, _NOT_TS_DIGITS))


def unpack_ts(raw: bytes) -> str:
    """The timestamp `pack_ts` packed into `raw`."""
    return _ts_of(raw.hex())


def _ts_of(d: str) -> str:
    return f"{d[0:4]}-{d[4:6]}-{d[6:8]}T{d[8:10]}:{d[10:12]}:{d[12:14]}.{d[14:20]}Z"


class PackedTable:
    """id -> fixed-width bytes; records in CRC-32 buckets (ids that do not pack are refused).

    Most look-ups miss (a new send's messageId and operation): a filter of one bit per CRC-32 of
    an id's text, at least 8 bits per record, answers most of them without packing the id.
    """

    __slots__ = (
        "_buckets",
        "_key_width",
        "_mask",
        "_prefix",
        "_seen",
        "_seen_mask",
        "_width",
        "size",
    )

    def __init__(self, prefix: str, key_width: int, value_width: int) -> None:
        self._prefix = prefix  #: the ids' usual prefix (packed as hex digits after it)
        self._key_width = key_width
        self._width = key_width + value_width
        self._buckets = [bytearray() for _ in range(_FIRST_BUCKETS)]
        self._mask = _FIRST_BUCKETS - 1
        #: the filter: a byte chosen by the CRC-32's low bits, a bit by its top 3 (`_BITS`);
        #: doubled by repeating it, so a record's bit is set in both halves where it may now be
        self._seen = bytearray(_FIRST_BUCKETS)
        self._seen_mask = _FIRST_BUCKETS - 1
        self.size = 0  #: records held (read in hot paths instead of calling `len`)

    def __len__(self) -> int:
        return self.size

    def get(self, key: str) -> bytes | None:
        """The value of `key`, None when absent (or when `key` does not pack)."""
        crc = crc32(key.encode("utf-8", "surrogatepass"))  # any text: JSON allows lone surrogates
        if not self._seen[crc & self._seen_mask] & _BITS[crc >> 29]:
            return None  # most look-ups: nothing packed, no bucket searched
        raw = pack_id(key, self._prefix, self._key_width)
        if raw is None:
            return None
        bucket = self._buckets[crc & self._mask]
        at = self._find(bucket, raw)
        return None if at < 0 else bytes(bucket[at + self._key_width : at + self._width])

    def put(self, key: str, value: bytes) -> bool:
        """Set `key` to `value` (in place, or appended); False when `key` does not pack."""
        raw = pack_id(key, self._prefix, self._key_width)
        if raw is None:
            return False
        crc = crc32(key.encode())  # packed: ASCII
        bucket = self._buckets[crc & self._mask]
        at = self._find(bucket, raw) if self._seen[crc & self._seen_mask] & _BITS[crc >> 29] else -1
        if at >= 0:
            bucket[at + self._key_width : at + self._width] = value
            return True
        self._add(crc, raw + value)
        return True

    def add(self, key: str, value: bytes) -> bool:
        """Add `key`, known to be absent (no look-up); False when `key` does not pack."""
        raw = pack_id(key, self._prefix, self._key_width)
        if raw is None:
            return False
        self._add(crc32(key.encode()), raw + value)  # packed: ASCII
        return True

    def _add(self, crc: int, record: bytes) -> None:
        """Append a record whose key's text has the CRC-32 `crc`."""
        self._added(1)
        self._buckets[crc & self._mask] += record
        self._seen[crc & self._seen_mask] |= _BITS[crc >> 29]

    def add_batch(self, keys: Sequence[str], values: Sequence[bytes]) -> bool:
        """Add `keys`, known to be absent, with their values: `values` holds their columns, each
        one value's bytes per key, joined. False, and nothing added, unless every key packs as
        `joined_ids` packs them: the owner then adds them one by one."""
        packed = joined_ids(keys, self._prefix, self._key_width)
        if packed is None or not keys:
            return packed is not None
        self._added(len(keys))  # first: the buckets grow and the filter doubles before the adds
        buckets, mask, seen, seen_mask = self._buckets, self._mask, self._seen, self._seen_mask
        width = self._width
        with memoryview(_records(len(keys), packed, *values)) as records:
            crcs = map(crc32, map(str.encode, keys))  # packed keys are ASCII
            for at, crc in zip(range(0, len(records), width), crcs, strict=True):
                buckets[crc & mask] += records[at : at + width]
                seen[crc & seen_mask] |= _BITS[crc >> 29]
        return True

    def delete(self, key: str) -> None:
        """Remove `key` if present (its bit stays: other keys may share it)."""
        crc = crc32(key.encode("utf-8", "surrogatepass"))
        if not self._seen[crc & self._seen_mask] & _BITS[crc >> 29]:
            return
        raw = pack_id(key, self._prefix, self._key_width)
        if raw is not None:
            bucket = self._buckets[crc & self._mask]
            at = self._find(bucket, raw)
            if at >= 0:
                del bucket[at : at + self._width]
                self.size -= 1

    def _added(self, count: int) -> None:
        """Count `count` records more; double the filter while it has fewer bytes than records and
        the buckets while they average more than LOAD records."""
        self.size += count
        while self.size > len(self._seen):
            self._seen *= 2
            self._seen_mask = len(self._seen) - 1
        while self.size > LOAD * len(self._buckets):
            self._grow()

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
                key = unpack_id(bytes(record[:key_width]), self._prefix)  # its bucket: by its text
                buckets[crc32(key.encode()) & mask] += record
        self._buckets, self._mask = buckets, mask


def _records(count: int, *columns: bytes) -> bytearray:
    """`count` records laid out from columns of `count` values each (a slice per byte)."""
    widths = [len(column) // count for column in columns]
    width = sum(widths)
    records = bytearray(width * count)
    start = 0
    for column, column_width in zip(columns, widths, strict=True):
        for byte in range(column_width):
            records[start + byte :: width] = column[byte::column_width]
        start += column_width
    return records
