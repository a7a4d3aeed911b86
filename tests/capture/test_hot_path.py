"""The per-call fast paths (caches, C-level header picking, lock-free counters) change nothing."""

from __future__ import annotations

import datetime
import hashlib
import threading
import time
from collections.abc import Iterator

import httpx
from hypothesis import example, given, settings
from hypothesis import strategies as st

import escalate
from escalate._capture import _scan, _settings
from escalate._capture._emit import BodyTee
from escalate._capture._exchange import Exchange
from escalate._capture._httpx import _picked, _TeeStream
from escalate._capture._record import build_call_record, milliseconds, utc_timestamp
from escalate._capture._response import enum
from escalate._capture._settings import fingerprint
from escalate._capture._shape import shape_json

from ._evidence import Evidence

_NAMES = st.sampled_from(["Content-Type", "content-type", "Content-Encoding", "X-Other", "Date"])
_VALUES = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=12)
_WANTED = (b"content-type", b"content-encoding")


@given(st.lists(st.tuples(_NAMES, _VALUES), max_size=8))
def test_picked_response_headers_match_headers_get(pairs: list[tuple[str, str]]) -> None:
    """Response headers picked in one pass equal `Headers.get` (repeats joined)."""
    headers = httpx.Headers(pairs)
    expected = [headers.get("content-type"), headers.get("content-encoding")]
    assert _picked(headers, _WANTED, join=True) == expected


@given(st.lists(st.tuples(_NAMES, _VALUES), max_size=8))
def test_picked_request_headers_keep_the_last_value(pairs: list[tuple[str, str]]) -> None:
    """Request headers picked in one pass: a repeated header's last value wins."""
    headers = httpx.Headers(pairs)
    expected = [headers.get_list(name)[-1] if headers.get_list(name) else None
                for name in ("content-type", "content-encoding")]
    assert _picked(headers, _WANTED, join=False) == expected


def test_same_key_layout_with_other_values() -> None:
    """Two bodies with one key layout (a cached plan) still get each its own leaves."""
    first = shape_json({"to": ["+15551234567"], "text": "hi", "n": 1})
    second = shape_json({"to": "555 123 4567", "text": ["a", "bb"], "n": {"k": None}})
    assert first == {"to": ["<e164>"], "text": "<text:len=2>", "n": "<int>"}
    assert second == {"to": "<phone:not_e164>", "text": ["<text:len=1>", "<text:len=2>"],
                      "n": {"k": None}}


def test_unsafe_key_stays_hidden_on_a_cached_layout() -> None:
    """A phone number used as a key is replaced on every call, not only the first."""
    body = {"ok": 1, "+15551234567": "x"}
    assert shape_json(body) == shape_json(dict(body)) == {"ok": "<int>", "<key#1>": "<str:len=1>"}


def test_records_written_counts_every_thread(evidence: Evidence) -> None:
    """capture_stats() counts every record exactly, from eight threads at once."""
    before = escalate.capture_stats()["records_written"]

    def write(count: int) -> None:
        for _ in range(count):
            escalate.record_webhook({}, b'{"type":"message.sent"}', response_status=200)

    threads = [threading.Thread(target=write, args=(250,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert escalate.capture_stats()["records_written"] == before + 2000
    assert len(evidence.path.read_bytes().splitlines()) == 2000


@given(st.binary(min_size=1, max_size=200),
       st.one_of(st.binary(max_size=100), st.text(max_size=40)))
@example(b"k" * 64, "at the limit")
@example(b"k" * 65, "one byte over: the key is hashed")
def test_fingerprint_is_keyed_blake2b(key: bytes, value: bytes | str) -> None:
    """A fingerprint is `fp_` + keyed BLAKE2b with a 6-byte digest (docs/record-schema.md), for
    any key: one over 64 bytes is first replaced by its BLAKE2b-512 digest."""
    fingerprinter = _settings.Fingerprinter(_settings.Settings(key))
    raw = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    mac_key = key if len(key) <= 64 else hashlib.blake2b(key).digest()
    expected = "fp_" + hashlib.blake2b(raw, key=mac_key, digest_size=6).hexdigest()
    assert fingerprinter(value) == expected
    assert fingerprinter(value) == expected  # and from the cache


def test_fingerprints_depend_on_the_key() -> None:
    """Two keys, two fingerprints of the same value; a long key and its digest agree."""
    first = _settings.Fingerprinter(_settings.Settings(b"team key one"))
    second = _settings.Fingerprinter(_settings.Settings(b"team key two"))
    assert first("tok_same_value") != second("tok_same_value")
    long_key = bytes(range(100))
    assert _settings.Fingerprinter(_settings.Settings(long_key))("v") == _settings.Fingerprinter(
        _settings.Settings(hashlib.blake2b(long_key).digest()))("v")


_PHONE_ALPHABET = st.sampled_from("+0123456789 ٣٤۵x")


@given(st.text(alphabet=_PHONE_ALPHABET, max_size=20))
def test_e164_test_matches_the_pattern(value: str) -> None:
    """`is_e164` with string methods accepts exactly what the E.164 pattern matches."""
    assert _scan.is_e164(value) == (_scan._E164.fullmatch(value) is not None)


@given(st.floats(min_value=0, max_value=4e9, allow_nan=False))
def test_timestamp_matches_datetime(wall: float) -> None:
    """The cached-prefix timestamp equals datetime's ISO form to the microsecond (truncated)."""
    moment = datetime.datetime.fromtimestamp(int(wall), datetime.timezone.utc)
    micros = int((wall - int(wall)) * 1_000_000)
    expected = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{micros:06d}Z"
    assert utc_timestamp(wall) == expected


@given(st.floats(min_value=0, max_value=1e5, allow_nan=False))
def test_milliseconds_round_to_three_decimals(seconds: float) -> None:
    """`milliseconds` is `round(seconds * 1000, 3)` but for the last unit of a halfway case."""
    assert abs(milliseconds(seconds) - round(seconds * 1000.0, 3)) <= 0.0010001


def test_new_fingerprint_key_reaches_cached_call_sites(evidence: Evidence) -> None:
    """A call site learnt under one key records the new key's fingerprints after configure."""
    exchange = Exchange("httpx", "GET", "api.test", "/api/core/whoami", time.time(),
                        time.perf_counter(), 0.01, "Bearer tok_site_1", None, None, None, False)
    first = build_call_record(exchange)["auth"]["fingerprint"]
    escalate.configure(path=evidence.path, fingerprint_key=b"another key")
    try:
        second = build_call_record(exchange)["auth"]["fingerprint"]
        assert second == fingerprint("tok_site_1") != first
    finally:
        escalate.configure(path=evidence.path)


def test_remembered_enumeration_stays_redacted() -> None:
    """A phone number under an enumeration key is a marker on every call, remembered or not."""
    assert [shape_json({"status": "+15551234567"}) for _ in range(2)] == [
        {"status": "<e164>"}] * 2
    assert [enum("+15551234567") for _ in range(2)] == ["<e164>"] * 2


class _Chunks(httpx.SyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks


@settings(max_examples=30)
@given(st.lists(st.integers(0, 700_000), max_size=4))
@example([700_000, 0, 700_000, 5])
def test_tee_stream_keeps_what_body_tee_keeps(sizes: list[int]) -> None:
    """The sync tee (its `keep` inline) yields every chunk and keeps `BodyTee`'s capped copy."""
    chunks = [bytes([65 + index]) * size for index, size in enumerate(sizes)]
    tee, reference = _TeeStream(_Chunks(chunks), (), None), BodyTee()
    for chunk in chunks:
        reference.keep(chunk)
    assert list(tee) == chunks
    assert tee._body() == reference.body(None)


@given(st.floats(min_value=0, max_value=4e9, allow_nan=False), st.floats(0, 0.999))
def test_record_timestamp_matches_utc_timestamp(wall: float, later: float) -> None:
    """The record's `ts` is `utc_timestamp` of the start, on a new second and on a second whose
    prefix is already cached."""
    for started in (wall, int(wall) + later):
        exchange = Exchange("httpx", "GET", "api.test", "/api/core/whoami", started, 0.0, 0.001,
                            None, None, None, None, False)
        assert build_call_record(exchange)["ts"] == utc_timestamp(started)


def test_unknown_token_records_are_separate_objects() -> None:
    """Two records of one call site never share their `token` field, so a service processor
    that edits one record cannot change the next."""
    exchange = Exchange("httpx", "GET", "api.test", "/api/core/whoami", 1.0, 0.0, 0.001,
                        "Bearer tok_never_issued_1", None, None, None, False)
    first, second = (build_call_record(exchange)["token"] for _ in range(2))
    assert first == second and first is not second
    assert first["source"] == "unknown" and first["fresh"] is None
