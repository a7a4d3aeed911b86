"""The per-call fast paths (caches, C-level header picking, lock-free counters) change nothing."""

from __future__ import annotations

import threading

import httpx
from hypothesis import given
from hypothesis import strategies as st

import escalate
from escalate._capture._httpx import _picked
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
