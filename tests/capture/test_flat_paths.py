"""The specialised send paths (flat shaper, send summary, inline fields) equal the general ones."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalate import _schema
from escalate._capture import _settings
from escalate._capture._exchange import Exchange
from escalate._capture._record import build_call_record, milliseconds
from escalate._capture._response import send_summary, summarize
from escalate._capture._shape import layout_shaper, shape_json, shape_payload

_KEYS = st.sampled_from([
    "sendFrom", "to", "messageType", "text", "mediaUrls", "media", "mediaUrl",
    "externalReference", "status", "numberId", "messageId", "body", "note", "+15551234567",
    "a b", "555 123 4567"]) | st.text(max_size=6)
_STRINGS = (st.text(alphabet=st.sampled_from("+0123456789 ()-.aZ_٣x"), max_size=20)
            | st.sampled_from(["SMS", "MMS", "num_abc123", "+15551234567", "5551234567",
                              "QUEUED", ""])
            | st.integers(1020, 1030).map(lambda size: "+" + "1" * size))
_SCALARS = (_STRINGS | st.integers(-(2**63), 2**63 - 1) | st.booleans() | st.none()
            | st.floats(allow_nan=False, allow_infinity=False))
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=23) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=30)
_BODIES = st.dictionaries(_KEYS, _STRINGS | st.lists(_STRINGS, max_size=23) | _VALUES,
                          max_size=8)


@pytest.fixture(params=[False, True], ids=["fingerprinted", "kept"])
def keep_external_reference(request: pytest.FixtureRequest) -> Iterator[bool]:
    """Run under both `keep_external_reference` settings (restored afterwards)."""
    before = _settings.current()
    _settings.install(_settings.Settings(before.fingerprint_key, bool(request.param)))
    yield bool(request.param)
    _settings.install(before)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_BODIES)
def test_flat_shaper_equals_the_general_shaper(keep_external_reference: bool,
                                               body: dict[str, Any]) -> None:
    """`shape_payload` gives `shape_json`'s value for any object of string keys, the first time
    (general shaper) and once its layout is compiled."""
    expected = shape_json(body)
    assert shape_payload(body) == expected
    assert shape_payload(body) == expected
    compiled = layout_shaper(tuple(body))
    assert compiled is None or compiled(body) == expected


def test_a_layout_is_compiled_when_it_repeats() -> None:
    """A layout seen once takes the general shaper; the second time, its compiled shaper."""
    from escalate._capture import _shape

    body = {"sendFrom": "num_1", "to": ["+15551234567"], "note_layout_once": "x"}
    keys = tuple(body)
    _shape._LAYOUTS.pop(keys, None)
    _shape._SEEN_ONCE.pop(keys, None)
    shape_payload(body)
    assert keys not in _shape._LAYOUTS
    shape_payload(body)
    assert keys in _shape._LAYOUTS
    assert shape_payload(dict(body, to=["+15559876543", "x"])) == shape_json(
        dict(body, to=["+15559876543", "x"]))


def test_a_layout_that_cannot_compile_keeps_the_general_shaper(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """When `compile` is refused (an audit hook, say), the layout is shaped by the general
    shaper, and not compiled again on every call."""
    from escalate._capture import _shape

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("compile refused")

    body = {"sendFrom": "num_1", "layout_refused": "x"}
    keys = tuple(body)
    _shape._LAYOUTS.pop(keys, None)
    _shape._SEEN_ONCE.pop(keys, None)
    monkeypatch.setattr("builtins.compile", refuse)
    assert [shape_payload(body) for _ in range(3)] == [shape_json(body)] * 3
    assert _shape._LAYOUTS[keys] is _shape._shape_top_object
    _shape._LAYOUTS.pop(keys)


def test_a_compiled_layout_holds_no_value_and_no_unsafe_key() -> None:
    """The compiled code's constants are its safe key names and fixed markers: no body value,
    and a phone-number key is bound as a variable, never written into the source."""
    body = {"to": ["+15550001111"], "+15552223333": "secret text 9", "externalReference": "r_42"}
    compiled = layout_shaper(tuple(body))
    assert compiled is not None
    constants = repr(compiled.__code__.co_consts)
    for canary in ("+15550001111", "+15552223333", "secret text 9", "r_42"):
        assert canary not in constants
    assert compiled(body) == shape_json(body)


@given(value=_VALUES)
def test_flat_shaper_equals_the_general_shaper_on_any_value(value: Any) -> None:
    """`shape_payload` of a non-object (or nested) value is `shape_json`'s value too."""
    assert shape_payload(value) == shape_json(value)
    assert shape_payload(value) == shape_json(value)


def test_flat_shaper_on_the_documented_send_body() -> None:
    """The documented send body's shape, key by key."""
    body = {"sendFrom": "num_abc123", "to": ["+15551234567", "555 123 4567", "x"],
            "messageType": "MMS", "text": "hello", "mediaUrls": ["https://a", "https://b"],
            "externalReference": "order_1"}
    assert shape_payload(body) == {
        "sendFrom": "num_abc123", "to": ["<e164>", "<phone:not_e164>", "<str:len=1>"],
        "messageType": "MMS", "text": "<text:len=5>", "mediaUrls": "<media:count=2>",
        "externalReference": f"<fp:{_settings.fingerprint('order_1')}>"}


_RESULTS = st.fixed_dictionaries({}, optional={
    "to": _STRINGS | st.none() | st.integers(0, 9), "messageId": _STRINGS | st.none(),
    "status": _STRINGS | st.none() | st.integers(0, 9)})
_SEND_REPLIES = st.fixed_dictionaries({}, optional={
    "results": st.lists(_RESULTS | _SCALARS, max_size=5) | _SCALARS,
    "errors": st.lists(_VALUES, max_size=3) | _SCALARS,
    "requestId": _STRINGS})


@given(_SEND_REPLIES | _VALUES, st.booleans())
def test_send_summary_equals_the_general_summary(body: Any, ok: bool) -> None:
    """`send_summary` gives `summarize(STAGE_SEND, ...)`'s value for any parsed body."""
    assert send_summary(body) == summarize(_schema.STAGE_SEND, ok, body)


def test_send_summary_beyond_the_results_cap() -> None:
    """More results than the cap: the general summary's value (cut at the cap)."""
    body = {"results": [{"to": "+15551234567", "messageId": "m", "status": "QUEUED"}] * 501,
            "errors": []}
    assert send_summary(body) == summarize(_schema.STAGE_SEND, True, body)
    assert len(send_summary(body)["results"]) == 500  # type: ignore[index]


def _send_exchange(request: bytes, reply: bytes, duration: float) -> Exchange:
    return Exchange("httpx", "POST", "api.test", "/api/core/messages/send", time.time(),
                    time.perf_counter(), duration, "Bearer tok_flat", "application/json",
                    "idem_1", request, False, 202, "application/json", reply)


@given(body=_BODIES, reply=_SEND_REPLIES, duration=st.floats(0, 1e5, allow_nan=False))
def test_send_record_fields_equal_the_general_functions(
        body: dict[str, Any], reply: dict[str, Any], duration: float) -> None:
    """A send record's payload, response and duration are the general functions' values."""
    record = build_call_record(_send_exchange(orjson.dumps(body), orjson.dumps(reply),
                                              duration))
    assert record["payload"] == shape_json(body)
    assert record["response"] == summarize(_schema.STAGE_SEND, True, reply)
    assert record["duration_ms"] == milliseconds(duration)
