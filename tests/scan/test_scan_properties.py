"""Properties of the scan over arbitrary JSON and text (Hypothesis)."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from escalate._scan import MARKER_RE, ScanConfig, SecretScanner

_ALNUM = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=8,
                 max_size=24)
_B64URL = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=8,
                  max_size=40)


def _basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


#: (text to embed, the part of it that must not survive)
CANARIES = st.one_of(
    _ALNUM.map(lambda s: ("rc_token_" + s,) * 2),
    _ALNUM.map(lambda s: ("rc_tok_" + s,) * 2),
    _ALNUM.map(lambda s: ("rc_secret_" + s,) * 2),
    _ALNUM.map(lambda s: ("whsec_" + s,) * 2),
    st.from_regex(r"\+[1-9][0-9]{9,13}", fullmatch=True).map(lambda s: (s, s)),
    st.tuples(_B64URL, _B64URL, _B64URL).map(
        lambda t: (f"eyJ{t[0]}.eyJ{t[1]}.{t[2]}",) * 2
    ),
    _ALNUM.map(lambda s: (f"Bearer {s}9", f"{s}9")),
    st.tuples(_ALNUM, _ALNUM).map(lambda t: (f"Basic {_basic(*t)}", _basic(*t))),
    st.tuples(_ALNUM, _ALNUM).map(
        lambda t: (f"https://{t[0]}:{t[1]}X@h.example/", f"{t[0]}:{t[1]}X@")
    ),
    _ALNUM.map(lambda s: (f"password=S{s}", f"S{s}")),
    _B64URL.map(
        lambda s: (f"-----BEGIN PRIVATE KEY-----\n{s}\n-----END PRIVATE KEY-----", s)
    ),
)
FINGERPRINTS = st.from_regex(r"fp_[0-9a-f]{12}", fullmatch=True)
SHAPES = st.sampled_from(
    ["<e164>", "<phone:not_e164>", "<int>", "<bool>", "<float>", "<text:len=12>",
     "<str:len=3>", "<media:count=2>", "<fp:fp_0123456789ab>", "<key#1>", "<+4 more>",
     "<unparsed:17 bytes>", "<stream>"]
)
SECRET_KEYS = st.sampled_from(
    ["client_secret", "access_token", "Authorization", "password", "API_KEY", "cookie",
     "sessionToken", "webhookSecret", "private_key", "X-RedCloud-Signature"]
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def _embed(tree: Any, item: str, path: list[int]) -> Any:
    """Put `item` somewhere in `tree`, steered by `path`: in a string, a list or as a key."""
    path = path or [0]
    choice = path[0] % 4
    if isinstance(tree, dict) and tree and choice != 3:
        key = sorted(tree)[path[0] % len(tree)]
        return {**tree, key: _embed(tree[key], item, path[1:])}
    if isinstance(tree, dict):
        return {**tree, item: tree.get("x")}
    if isinstance(tree, list) and tree and choice != 3:
        index = path[0] % len(tree)
        return [*tree[:index], _embed(tree[index], item, path[1:]), *tree[index + 1 :]]
    if isinstance(tree, list):
        return [*tree, item]
    if isinstance(tree, str):
        cut = path[0] % (len(tree) + 1)
        return tree[:cut] + " " + item + " " + tree[cut:]
    return item


@settings(max_examples=300, deadline=None)
@given(prefix=st.text(max_size=30), canary=CANARIES, suffix=st.text(max_size=30))
def test_canary_in_text_never_survives(prefix: str, canary: tuple[str, str], suffix: str) -> None:
    """A secret embedded in arbitrary text is gone (unless the surrounding text also has it)."""
    embedded, secret = canary
    cleaned = SecretScanner().scan_text(prefix + embedded + suffix)
    assert cleaned.count(secret) <= (prefix + suffix).count(secret)


@settings(max_examples=300, deadline=None)
@given(tree=JSON, canary=CANARIES, path=st.lists(st.integers(0, 50), max_size=6))
def test_canary_in_json_never_survives(tree: Any, canary: tuple[str, str], path: list[int]) -> None:
    """A secret placed anywhere in arbitrary JSON (value, list item, key) is gone after the scan."""
    embedded, secret = canary
    cleaned = SecretScanner().scan_value(_embed(tree, embedded, path))
    background = json.dumps(tree, ensure_ascii=False)
    assert json.dumps(cleaned, ensure_ascii=False).count(secret) <= background.count(secret)


@settings(max_examples=200, deadline=None)
@given(tree=JSON, key=SECRET_KEYS, value=st.text(min_size=1, max_size=30),
       path=st.lists(st.integers(0, 50), max_size=6))
def test_anything_under_a_secret_key_is_marked(
    tree: Any, key: str, value: str, path: list[int]
) -> None:
    """An arbitrary unsafe string under a secret-ish key comes out as markers only."""
    cleaned = SecretScanner().scan_value({"outer": _embed(tree, "x", path), key: value})
    kept = cleaned[key]
    assert kept == value or MARKER_RE.search(kept)
    if kept == value:
        assert SecretScanner().scan_value({key: value}) == {key: value}
        assert value in {"", "true"} or not any(c.isalpha() for c in value) or len(value) < 20


@settings(max_examples=200, deadline=None)
@given(tree=JSON, fingerprint=FINGERPRINTS, shape=SHAPES, key=SECRET_KEYS)
def test_fingerprints_and_shapes_survive_under_any_key(
    tree: Any, fingerprint: str, shape: str, key: str
) -> None:
    """Fingerprints and shape descriptors are kept even under secret-ish keys."""
    value = {"tree": tree, key: {"fingerprint": fingerprint, "shape": [shape]}}
    cleaned = SecretScanner().scan_value(value)
    assert cleaned[key] == {"fingerprint": fingerprint, "shape": [shape]}


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80), canary=CANARIES)
def test_text_scan_is_idempotent(text: str, canary: tuple[str, str]) -> None:
    """Scanning the scan's output changes nothing (what `bundle --verify` relies on)."""
    once = SecretScanner().scan_text(text + canary[0] + text)
    rescanner = SecretScanner()
    assert rescanner.scan_text(once) == once
    assert rescanner.summary() == ()


@settings(max_examples=200, deadline=None)
@given(tree=JSON, canary=CANARIES, key=SECRET_KEYS, path=st.lists(st.integers(0, 50), max_size=6))
def test_value_scan_is_idempotent(
    tree: Any, canary: tuple[str, str], key: str, path: list[int]
) -> None:
    """Scanning a scanned JSON value changes nothing and counts nothing."""
    once = SecretScanner().scan_value({key: _embed(tree, canary[0], path), "x": tree})
    rescanner = SecretScanner()
    assert rescanner.scan_value(once) == once
    assert rescanner.summary() == ()


#: Characters whose lower case is ASCII or longer than one character (the Kelvin sign, a dotted
#: capital I), a final sigma, and the characters the rules' triggers are made of.
_CASE_TRICKY = st.text("\u212aK\u0130I\u03a3\u03c3=:+@-_. eyjEYJrcRCtokTOKwhsecbasicBEARERn\n",
                       max_size=60)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(st.text(max_size=80), _CASE_TRICKY), canary=st.none() | CANARIES)
def test_skipping_text_without_a_trigger_changes_nothing(
    text: str, canary: tuple[str, str] | None
) -> None:
    """A text holding no rule's trigger is returned as it is: the same text and counts as a scan
    that runs every rule (a config pattern has no trigger, so it turns the skip off)."""
    text = text if canary is None else text + canary[0] + text
    fast = SecretScanner()
    every_rule = SecretScanner(ScanConfig(extra_patterns=(("never", r"(?!x)x"),)))
    assert fast.scan_text(text) == every_rule.scan_text(text)
    assert fast.summary() == every_rule.summary()
