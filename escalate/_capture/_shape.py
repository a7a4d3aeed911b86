"""Payload shape: the structure of a request body with every leaf replaced by a descriptor.

Redaction by allowlist: a leaf survives verbatim only under a known enumeration or identifier key
and only when it looks like one; everything else becomes a descriptor (docs/record-schema.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import orjson

from escalate._capture import _scan, _settings
from escalate._capture._settings import current, fingerprint

ENUM_KEYS = frozenset({"messageType", "grant_type", "status", "token_type"})
IDENTIFIER_KEYS = frozenset({"sendFrom", "numberId", "messageId", "requestId", "apiClientId"})
TEXT_KEYS = frozenset({"text", "body", "message"})
MEDIA_KEYS = frozenset({"media", "mediaUrls", "mediaUrl"})
EXTERNAL_REFERENCE_KEY = "externalReference"
MAX_ARRAY_ITEMS = 20
MAX_DEPTH = 32
MAX_PARSED_BYTES = 1 << 20
#: A form body (the token request's) is shaped as a form, not parsed as JSON.
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"

_ENUM_VALUE = re.compile(r"[A-Za-z_.:\-]{1,40}")
_IDENTIFIER_VALUE = re.compile(r"[A-Za-z0-9_\-]{1,64}")
_IDENTIFIER_KEY = re.compile(r"[A-Za-z_$@][A-Za-z0-9_.:$@\-]{0,63}")

def shape_json(value: Any) -> Any:
    """Shape a parsed JSON value (object, array or scalar)."""
    return _shape(value, None, 0)


def shape_body(body: bytes, content_type: str | None) -> Any:
    """Shape a raw request body: JSON, form-encoded, or `<unparsed:N bytes>`."""
    if not body:
        return None
    if len(body) <= MAX_PARSED_BYTES:
        if content_type == FORM_MEDIA_TYPE:
            return shape_form(body)
        try:
            return shape_json(orjson.loads(body))
        except orjson.JSONDecodeError:
            pass
    return f"<unparsed:{len(body)} bytes>"


def shape_form(body: bytes) -> dict[str, Any]:
    """Shape a form-encoded body: `grant_type` kept, `client_id` fingerprinted, the rest lengths."""
    shaped: dict[str, Any] = {}
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    for index, (key, value) in enumerate(pairs):
        shaped[_shape_key(key, index)] = _shape_form_value(key, value)
    return shaped


def _shape_form_value(key: str, value: str) -> str:
    if key == "grant_type" and _ENUM_VALUE.fullmatch(value):
        return value
    if key == "client_id":
        return f"<fp:{fingerprint(value)}>"
    return f"<str:len={len(value)}>"


def _shape(value: Any, key: str | None, depth: int) -> Any:
    kind = type(value)
    if kind is str:
        return _shape_string(value, key)
    if kind is dict or kind is list:
        if depth >= MAX_DEPTH:
            return "<deep>"
        return _shape_object(value, depth) if kind is dict else _shape_array(value, key, depth)
    return _shape_other(value, key, depth)


def _shape_other(value: Any, key: str | None, depth: int) -> Any:
    """Scalars other than str, and subclasses of the container types."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "<bool>"
    if isinstance(value, int):
        return "<int>"
    if isinstance(value, float):
        return "<float>"
    if isinstance(value, str):
        return _shape_string(str(value), key)
    if depth >= MAX_DEPTH:
        return "<deep>"
    if isinstance(value, Mapping):
        return _shape_object(value, depth)
    if isinstance(value, list | tuple):
        return _shape_array(value, key, depth)
    return f"<{type(value).__name__}>"


def _shape_object(value: Mapping[Any, Any], depth: int) -> dict[str, Any]:
    shaped: dict[str, Any] = {}
    for (name, shown, rule), item in zip(_object_plan(value), value.values(), strict=True):
        kind = type(item)
        if kind is str:
            shaped[shown] = rule(item)
        elif kind is list and depth + 1 < MAX_DEPTH:
            shaped[shown] = _shape_array(item, name, depth + 1)
        else:
            shaped[shown] = _shape(item, name, depth + 1)
    return shaped


#: One entry per key of an object: its name, the key shown in the shape, its string rule.
KeyPlan = tuple[str, str, "Callable[[str], str]"]
#: Key sequence -> plan: a service sends the same few body layouts (bounded; small objects only).
_OBJECT_PLANS: dict[tuple[Any, ...], tuple[KeyPlan, ...]] = {}
MAX_PLANNED_KEYS = 32


def _object_plan(value: Mapping[Any, Any]) -> tuple[KeyPlan, ...]:
    keys = tuple(value)
    try:
        plan = _OBJECT_PLANS.get(keys)
    except TypeError:  # a Mapping whose keys do not hash together: plan it every time
        return _plan_keys(keys)
    if plan is None:
        plan = _plan_keys(keys)
        if len(keys) <= MAX_PLANNED_KEYS and len(_OBJECT_PLANS) < 4096:
            _OBJECT_PLANS[keys] = plan
    return plan


def _plan_keys(keys: tuple[Any, ...]) -> tuple[KeyPlan, ...]:
    plan = []
    for index, key in enumerate(keys):
        name = key if type(key) is str else str(key)
        safe, rule = _KEY_PLANS.get(name) or _learn_key(name)
        plan.append((name, name if safe else f"<key#{index}>", rule or plain_string))
    return tuple(plan)


def _shape_array(value: list[Any] | tuple[Any, ...], key: str | None, depth: int) -> Any:
    if key in MEDIA_KEYS:
        return f"<media:count={len(value)}>"
    rule = _KEY_RULES.get(key, plain_string) if key is not None else plain_string
    shaped = [rule(item) if type(item) is str else _shape(item, key, depth + 1)
              for item in value[:MAX_ARRAY_ITEMS]]
    if len(value) > MAX_ARRAY_ITEMS:
        shaped.append(f"<+{len(value) - MAX_ARRAY_ITEMS} more>")
    return shaped


def plain_string(value: str) -> str:
    """A string under no key of its own rule: a phone marker or its length."""
    if value[:1] in _scan.PHONE_FIRST_CHARACTERS:
        return _scan.phone_marker(value) or string_length(value)
    return string_length(value)


def string_length(value: str) -> str:
    """`<str:len=N>`."""
    size = len(value)
    return _STRING_LENGTHS[size] if size < _TABULATED else f"<str:len={size}>"


#: Length descriptors of short strings, made once (formatting an int is the dearer part).
_TABULATED = 1024
_STRING_LENGTHS = tuple(f"<str:len={size}>" for size in range(_TABULATED))
_TEXT_LENGTHS = tuple(f"<text:len={size}>" for size in range(_TABULATED))


#: Key -> (may be kept, rule for its string values): keys repeat on every call, so the plan of
#: each is cached (bounded).
_KEY_PLANS: dict[str, tuple[bool, Callable[[str], str] | None]] = {}


def _learn_key(key: str) -> tuple[bool, Callable[[str], str] | None]:
    safe = _IDENTIFIER_KEY.fullmatch(key) is not None and _scan.phone_marker(key) is None
    plan = (safe, _KEY_RULES.get(key))
    if len(_KEY_PLANS) < 4096:
        _KEY_PLANS[key] = plan
    return plan


def _shape_key(key: str, index: int) -> str:
    safe, _ = _KEY_PLANS.get(key) or _learn_key(key)
    return key if safe else f"<key#{index}>"


def _shape_string(value: str, key: str | None) -> str:
    rule = _KEY_RULES.get(key) if key is not None else None
    if rule is not None:
        return rule(value)
    return plain_string(value)


def _text(value: str) -> str:
    size = len(value)
    return _TEXT_LENGTHS[size] if size < _TABULATED else f"<text:len={size}>"


def _media(value: str) -> str:
    return "<media:count=1>"


def _memoized(rule: Callable[[str], str]) -> Callable[[str], str]:
    """`rule` with its results remembered (bounded): enumerations and the ids of a service's
    own numbers repeat on every call, and a remembered value skips the regular expressions."""
    memo: dict[str, str] = {}

    def remembered(value: str) -> str:
        """The rule's result for `value` (remembered)."""
        found = memo.get(value)
        if found is None:
            found = rule(value)
            if len(memo) >= MAX_REMEMBERED_VALUES:
                memo.clear()
            memo[value] = found
        return found

    _MEMOS[remembered] = memo
    return remembered


#: Memoized rule -> its memo, so a compiled layout looks a remembered value up without a call.
_MEMOS: dict[Callable[[str], str], dict[str, str]] = {}


MAX_REMEMBERED_VALUES = 4096


@_memoized
def _enumeration(value: str) -> str:
    marker = _scan.phone_marker(value)
    if marker is None and _ENUM_VALUE.fullmatch(value):
        return value
    return marker or string_length(value)


@_memoized
def _identifier(value: str) -> str:
    marker = _scan.phone_marker(value)
    if marker is None and _IDENTIFIER_VALUE.fullmatch(value):
        return value
    return marker or string_length(value)


def _reference(value: str) -> str:
    if value[:1] in _scan.PHONE_FIRST_CHARACTERS:
        marker = _scan.phone_marker(value)
        if marker is not None:
            return marker
    return _external_reference(value)


def _external_reference(value: str) -> str:
    if current().keep_external_reference:
        return value
    return f"<fp:{fingerprint(value)}>"


#: The keys whose string values get a rule of their own; every other string is a length.
_KEY_RULES: dict[str, Callable[[str], str]] = {
    **dict.fromkeys(TEXT_KEYS, _text),
    **dict.fromkeys(MEDIA_KEYS, _media),
    **dict.fromkeys(ENUM_KEYS, _enumeration),
    **dict.fromkeys(IDENTIFIER_KEYS, _identifier),
    EXTERNAL_REFERENCE_KEY: _reference,
}


def external_reference(value: Any) -> str | None:
    """A webhook's `externalReference`: fingerprint, or verbatim when configured so."""
    if not isinstance(value, str):
        return None
    return value if current().keep_external_reference else fingerprint(value)


# --- compiled layouts: `shape_json` specialised for the body layouts a service sends -----------

#: How a compiled layout treats each kind of key (by its string rule); `{i}` is the key's index.
#: Strings, and a list of one E.164 number, take the inline branch; anything else (nested
#: objects, numbers, long or phone-like strings, other lists) the general shaper, at the depth
#: `_shape_object` would give it, so every branch gives `shape_json`'s value.
_KIND_SOURCE = {
    "remembered": (
        "    s{i} = (m{i}.get(v{i}) or r{i}(v{i})) if type(v{i}) is str else shape(v{i}, n{i}, 1)"
    ),
    "text": (
        "    s{i} = TEXT[len(v{i})] if type(v{i}) is str and len(v{i}) < TABULATED"
        " else shape(v{i}, n{i}, 1)"
    ),
    "reference": (
        "    s{i} = REFERENCES.get(v{i}) if type(v{i}) is str else None\n"
        "    if s{i} is None:\n"
        "        s{i} = reference(v{i}) if type(v{i}) is str else shape(v{i}, n{i}, 1)"
    ),
    "media": (
        "    s{i} = ('<media:count=1>' if type(v{i}) is str\n"
        "           else f'<media:count={{len(v{i})}}>' if type(v{i}) is list\n"
        "           else shape(v{i}, n{i}, 1))"
    ),
    "plain": (
        "    if type(v{i}) is str and v{i}[:1] not in PHONE and len(v{i}) < TABULATED:\n"
        "        s{i} = LENGTHS[len(v{i})]\n"
        "    elif type(v{i}) is list and len(v{i}) == 1 and type(x := v{i}[0]) is str and (\n"
        "            9 <= len(x) <= 16 and x[0] == '+' and x[1] in DIGITS and x[2:].isdecimal()):\n"
        "        s{i} = [E164]\n"
        "    else:\n"
        "        s{i} = shape(v{i}, n{i}, 1)"
    ),
}

#: Key layout -> its compiled shaper (bounded: a service sends a few layouts).
_LAYOUTS: dict[tuple[str, ...], Callable[[dict[str, Any]], dict[str, Any]]] = {}
#: Layouts seen once, not yet compiled (bounded): only a layout seen twice is compiled, so
#: bodies whose keys never repeat cost no compilation.
_SEEN_ONCE: dict[tuple[str, ...], None] = {}
MAX_COMPILED_LAYOUTS = 256
#: externalReference value -> its shown value (a fingerprint): emptied with the settings.
_REFERENCES: dict[str, str] = {}
_settings.DERIVED_CACHES.append(_REFERENCES)


def shape_payload(value: Any) -> Any:
    """`shape_json(value)`, through a compiled shaper once an object's key layout repeats.

    A service sends the same few body layouts (the documented send body: `sendFrom`, `to`,
    `messageType`, `text`, `mediaUrls`, `externalReference`), so a layout seen twice is compiled
    into straight-line code with each key's common cases inline: no loop, no per-key dispatch,
    one dict literal. The same value as `shape_json` (tests/capture/test_flat_paths.py).
    """
    if type(value) is not dict:
        return _shape(value, None, 0)
    keys = tuple(value)
    compiled = _LAYOUTS.get(keys)
    if compiled is not None:
        return compiled(value)
    if keys in _SEEN_ONCE and len(_LAYOUTS) < MAX_COMPILED_LAYOUTS:
        # A layout that cannot be compiled keeps the general shaper (remembered: not retried).
        compiled = _LAYOUTS[keys] = layout_shaper(keys) or _shape_top_object
        return compiled(value)
    if len(_SEEN_ONCE) < 4096:
        _SEEN_ONCE[keys] = None
    return _shape_object(value, 0)


def _shape_top_object(value: dict[str, Any]) -> dict[str, Any]:
    return _shape_object(value, 0)


def layout_shaper(keys: tuple[Any, ...]) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    """Compile the shaper of one key layout, or None: no keys, a key that is not a string (the
    general shaper shows it as `str(key)`), more than `MAX_PLANNED_KEYS` keys, or a runtime
    that refuses to compile.

    The generated source holds no value of the body: key names and rules are bound as
    variables, and the shown keys (an identifier-like name or `<key#N>`) are string literals
    written with `repr`.
    """
    if not keys or len(keys) > MAX_PLANNED_KEYS or any(type(key) is not str for key in keys):
        return None
    namespace: dict[str, Any] = {
        "shape": _shape, "PHONE": _scan.PHONE_FIRST_CHARACTERS, "DIGITS": _scan.FIRST_DIGITS,
        "E164": _scan.E164_MARKER, "TEXT": _TEXT_LENGTHS, "LENGTHS": _STRING_LENGTHS,
        "TABULATED": _TABULATED, "REFERENCES": _REFERENCES, "reference": _remembered_reference,
    }
    names = ", ".join(f"v{index}" for index in range(len(keys)))
    lines = ["def shape_layout(value):", f"    {names}, = value.values()"]
    shown_keys = []
    for index, (name, shown, rule) in enumerate(_plan_keys(keys)):
        namespace[f"n{index}"], namespace[f"r{index}"] = name, rule
        namespace[f"m{index}"] = _MEMOS.get(rule)
        lines.append(_KIND_SOURCE[_kind(name, rule)].format(i=index))
        shown_keys.append(f"{shown!r}: s{index}")
    lines.append(f"    return {{{', '.join(shown_keys)}}}")
    try:
        exec(compile("\n".join(lines), "<escalate: compiled body layout>", "exec"), namespace)
    except Exception:  # e.g. an audit hook that refuses `compile`: the general shaper will do
        return None
    compiled: Callable[[dict[str, Any]], dict[str, Any]] = namespace["shape_layout"]
    return compiled


def _kind(name: str, rule: Callable[[str], str]) -> str:
    if name in MEDIA_KEYS:
        return "media"
    if rule is _text:
        return "text"
    if rule is _reference:
        return "reference"
    return "remembered" if rule in _MEMOS else "plain"


def _remembered_reference(value: str) -> str:
    """`_reference(value)`, remembered (bounded; emptied when the settings change)."""
    shown = _reference(value)
    if len(_REFERENCES) >= MAX_REMEMBERED_VALUES:
        _REFERENCES.clear()
    _REFERENCES[value] = shown
    return shown
