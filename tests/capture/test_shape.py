"""Payload shapes: structure kept, every leaf a descriptor unless allowlisted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

import escalate
from escalate._capture._redaction import REDACTION, SCHEMA_KEYS, shape_form, shape_json
from escalate._capture._settings import fingerprint

_DESCRIPTOR = re.compile(
    r"<(e164|phone:not_e164|text:len=\d+|str:len=\d+|media:count=\d+|int|float|bool|deep"
    r"|fp:fp_[0-9a-f]{12}|\+\d+ more)>")
_VERBATIM_KEYS = frozenset(key for key, rule in REDACTION.items() if rule.verbatim is not None)
_SAMPLED_KEYS = _VERBATIM_KEYS | {"text", "media", "externalReference", "to"}


def test_send_body_shape() -> None:
    """The documented send example becomes markers, kept ids and a fingerprinted reference."""
    body = {"sendFrom": "num_abc123", "to": ["+15551234567", "555 123 4567"],
            "messageType": "SMS", "text": "Hello from Red Cloud", "externalReference": "order_789"}
    assert shape_json(body) == {
        "sendFrom": "num_abc123", "to": ["<e164>", "<phone:not_e164>"], "messageType": "SMS",
        "text": "<text:len=20>", "externalReference": f"<fp:{fingerprint('order_789')}>"}


def test_send_from_phone_number_is_a_marker() -> None:
    """A phone number in `sendFrom` is never kept, even though sendFrom is an identifier key:
    an E.164 one becomes its keyed fingerprint, to be matched with the client's own numbers."""
    assert shape_json({"sendFrom": "+15551234567"}) == {
        "sendFrom": f"<e164:{fingerprint('+15551234567')}>"}
    assert shape_json({"sendFrom": "15551234567"}) == {"sendFrom": "<phone:not_e164>"}


def test_recipients_are_never_fingerprinted() -> None:
    """The same number as a recipient stays a bare `<e164>`: only senders are fingerprinted."""
    shaped = shape_json({"sendFrom": "+15551234567", "to": ["+15551234567"]})
    assert shaped["to"] == ["<e164>"]
    assert fingerprint("+15551234567") not in str(shaped["to"])


def test_media_becomes_a_count() -> None:
    """Media arrays and strings become counts."""
    shaped = shape_json({"media": ["https://a/1.png", "https://a/2.png"], "mediaUrl": "https://x"})
    assert shaped == {"media": "<media:count=2>", "mediaUrl": "<media:count=1>"}


def test_scalars_and_null() -> None:
    """Numbers and booleans become their type; null stays null."""
    assert shape_json({"total": 1, "npa": 1.5, "smsEnabled": True, "city": None}) == {
        "total": "<int>", "npa": "<float>", "smsEnabled": "<bool>", "city": None}


def test_enum_value_kept_only_when_enum_like() -> None:
    """A free-text value under an enumeration key is not kept."""
    assert shape_json({"messageType": "SMS"}) == {"messageType": "SMS"}
    assert shape_json({"messageType": "my secret 42"}) == {"messageType": "<str:len=12>"}


def test_long_arrays_are_cut() -> None:
    """Arrays keep 20 element shapes, then a count of the rest."""
    shaped = shape_json({"to": ["+15551234567"] * 25})
    assert shaped["to"][-1] == "<+5 more>" and len(shaped["to"]) == 21


def test_phone_number_key_is_replaced() -> None:
    """A key that is a phone number becomes `<key#N>`."""
    assert shape_json({"to": 1, "+15551234567": "x"}) == {"to": "<int>", "<key#1>": "<str:len=1>"}


def test_keys_outside_the_schema_are_replaced() -> None:
    """An identifier-like key the API's schema does not have (it may be a token) is hidden."""
    assert shape_json({"sendFrom": "num_1", "sk_live_abc123": "x"}) == {
        "sendFrom": "num_1", "<key#1>": "<str:len=1>"}


def test_deep_nesting_is_cut() -> None:
    """Nesting beyond the depth limit becomes `<deep>` instead of recursing forever."""
    value: Any = "leaf"
    for _ in range(100):
        value = {"data": value}
    assert "<deep>" in orjson.dumps(shape_json(value)).decode()


def test_form_token_request() -> None:
    """Form bodies: grant_type and client_id (an identifier) kept, client_secret a length."""
    shaped = shape_form(b"grant_type=client_credentials&client_id=rc_1&client_secret=s3cr3t")
    assert shaped == {"grant_type": "client_credentials", "client_id": "rc_1",
                      "client_secret": "<str:len=6>"}


def test_send_error_codes_are_kept() -> None:
    """Per-recipient error codes are API enumerations: kept verbatim."""
    assert shape_json({"to": "+15551234567", "code": "INVALID_RECIPIENT"}) == {
        "to": "<e164>", "code": "INVALID_RECIPIENT"}


def test_keep_external_reference_opt_in(tmp_path: Any) -> None:
    """`configure(keep_external_reference=True)` keeps the user's own reference verbatim."""
    escalate.configure(path=tmp_path / "e.jsonl", keep_external_reference=True)
    try:
        assert shape_json({"externalReference": "order_789"}) == {"externalReference": "order_789"}
    finally:
        escalate.configure(path=tmp_path / "e.jsonl")


def _leaves(value: Any, key: str | None = None) -> Iterator[tuple[str | None, Any]]:
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _leaves(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item, key)
    else:
        yield key, value


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.sampled_from(sorted(_SAMPLED_KEYS | {"code", "client_id"}))
                      | st.text(max_size=12),
                      children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_no_input_leaf_survives_unless_allowlisted(payload: Any) -> None:
    """No leaf string (len >= 4) of the input appears in the output's values unless its key is
    an allowlisted enumeration/identifier key."""
    shaped = shape_json(payload)
    allowed = {value for key, value in _leaves(payload) if key in _VERBATIM_KEYS}
    output_strings = [_DESCRIPTOR.sub("", value) for _, value in _leaves(shaped)
                      if isinstance(value, str)]
    for key, leaf in _leaves(payload):
        secret = isinstance(leaf, str) and len(leaf) >= 4 and key not in _VERBATIM_KEYS
        if secret and leaf not in allowed and not _DESCRIPTOR.fullmatch(leaf):
            assert all(leaf not in value for value in output_strings)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_every_output_leaf_is_a_descriptor_or_allowlisted(payload: Any) -> None:
    """Each output leaf is null, a descriptor, or a value kept under an allowlisted key."""
    for key, leaf in _leaves(shape_json(payload)):
        assert leaf is None or _DESCRIPTOR.fullmatch(leaf) or key in _VERBATIM_KEYS


@settings(max_examples=300, deadline=None)
@given(_json)
def test_every_output_key_is_in_the_schema_or_a_position(payload: Any) -> None:
    """Object keys in a shape are the API's own or `<key#N>`."""
    shaped = orjson.dumps(shape_json(payload))
    for key in re.findall(rb'"((?:[^"\\]|\\.)*)":', shaped):
        assert key.decode() in SCHEMA_KEYS or re.fullmatch(r"<key#\d+>", key.decode())
