"""`SecretScanner`: the last scan over everything escalate writes.

Two modes share one set of rules:

* `scan_value` walks a JSON-like value. A string under a secret-ish key (at any depth, and the
  `value` of a `{"name": "Authorization", "value": ...}` header pair) is replaced as a whole unless
  it is already safe (fingerprint, shape descriptor, number, enumeration, marker). Every other
  string, keys included, gets the value patterns of `scan_text`.
* `scan_text` replaces value patterns in free text. Markers already present are never rescanned,
  and the scan repeats until nothing changes, so scanning its own output changes nothing: that is
  what `escalate bundle --verify` relies on.

Each secret becomes `[redacted:<rule>:<4 hex>]`, the hex an HMAC of the secret under a fixed key:
the same secret gives the same hex in every file and every run, whatever rule caught it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any, Final, TypeVar

from escalate._scan._config import ScanConfig
from escalate._scan._rules import (
    SECRET_KEY_TERMS,
    VALUE_RULES,
    ValueRule,
    is_high_entropy,
    secret_term,
)
from escalate._scan._safe import MARKER_RE, is_only_markers, is_safe_string

MARKER_KEY: Final = b"escalate.scan/1"
_MAX_PASSES: Final = 8
_CACHE_SIZE: Final = 8192
#: Only short strings are remembered: 8192 cached 1 MiB lines would hold 8 GiB.
_CACHE_MAX_TEXT: Final = 4096
_MARKER_SPLIT_RE: Final = re.compile(f"({MARKER_RE.pattern})")
_T = TypeVar("_T")


def marker(rule: str, secret: str) -> str:
    """Return the deterministic marker that replaces `secret` found by `rule`."""
    digest = hmac.new(MARKER_KEY, secret.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return f"[redacted:{rule}:{digest.hexdigest()[:4]}]"


def _merged(spans: list[tuple[int, int, int, str]]) -> list[tuple[int, int, str]]:
    """Merge sorted overlapping spans; a merged span keeps the name of the one starting first."""
    merged: list[tuple[int, int, str]] = []
    for start, end, _, name in spans:
        if merged and start < merged[-1][1]:
            first_start, first_end, first_name = merged[-1]
            merged[-1] = (first_start, max(first_end, end), first_name)
        else:
            merged.append((start, end, name))
    return merged


class SecretScanner:
    """Find and replace secrets; remembers how many it replaced by rule, never the values."""

    def __init__(self, config: ScanConfig | None = None) -> None:
        config = config or ScanConfig()
        self._terms = SECRET_KEY_TERMS + config.extra_keys
        extra = tuple(ValueRule(name, re.compile(rx)) for name, rx in config.extra_patterns)
        self._rules = (*extra, *VALUE_RULES)
        #: Any rule's trigger, or None when a rule has none (a config pattern): a text holding
        #: no trigger has no secret a rule finds (most are file names, ids and descriptors).
        triggers = [rule.trigger for rule in self._rules]
        self._triggers = (
            re.compile("|".join(re.escape(t) for t in triggers if t)) if all(triggers) else None
        )
        self._counts: Counter[str] = Counter()
        #: Logs repeat the same strings (routes, descriptors, ids): remember recent results.
        self._cache: dict[str, tuple[str, tuple[tuple[str, int], ...]]] = {}
        self._key_terms: dict[str, str | None] = {}

    def summary(self) -> tuple[tuple[str, int], ...]:
        """Return `(rule, replacements)` pairs, sorted by rule name."""
        return tuple(sorted(self._counts.items()))

    def scan_text(self, text: str) -> str:
        """Return `text` with every value-pattern secret replaced by its marker."""
        cached = self._cache.get(text)
        if cached is None:
            if not self._triggered(text):
                return text  # nothing to find: not worth a place in the cache either
            found: Counter[str] = Counter()
            cached = (self._text(text, found), tuple(found.items()))
            if len(text) <= _CACHE_MAX_TEXT:
                if len(self._cache) >= _CACHE_SIZE:
                    self._cache.clear()
                self._cache[text] = cached
        for rule, count in cached[1]:
            self._counts[rule] += count
        return cached[0]

    def scan_value(self, obj: Any) -> Any:
        """Return a copy of a JSON-like value with secrets replaced (key names and patterns)."""
        return self._value(obj, None)

    def scan_strings(self, obj: _T) -> _T:
        """Apply `scan_text` to every string inside dataclasses, tuples, lists and dicts.

        For escalate's own typed values (the report): their field names are escalate's schema,
        not input, so only value patterns apply.
        """
        result: _T = self._strings(obj)
        return result

    def _text(self, text: str, counts: Counter[str]) -> str:
        """Replace secrets in the parts of `text` that are not markers, until nothing changes."""
        if not self._triggered(text):
            return text
        for _ in range(_MAX_PASSES):
            parts = _MARKER_SPLIT_RE.split(text)
            for index in range(0, len(parts), 2):
                parts[index] = self._segment(parts[index], counts)
            cleaned = "".join(parts)
            if cleaned == text:
                break
            text = cleaned
        return text

    def _triggered(self, text: str) -> bool:
        """Whether any rule may find a secret in `text`: False only when no rule has its trigger
        there (then no part of it has one, and `_spans` would run no rule)."""
        return self._triggers is None or self._triggers.search(text.lower()) is not None

    def _segment(self, segment: str, counts: Counter[str]) -> str:
        """Replace every span any rule finds in `segment`; overlapping spans become one marker.

        Every rule sees the original text, so a secret glued to the next one cannot hide it.
        """
        spans = sorted(self._spans(segment))
        if not spans:
            return segment
        pieces: list[str] = []
        cursor = 0
        for start, end, name in _merged(spans):
            counts[name] += 1
            pieces.append(segment[cursor:start] + marker(name, segment[start:end]))
            cursor = end
        return "".join(pieces) + segment[cursor:]

    def _spans(self, segment: str) -> list[tuple[int, int, int, str]]:
        """Return `(start, end, rule index, rule name)` of every accepted match of every rule."""
        found: list[tuple[int, int, int, str]] = []
        lowered = segment.lower()
        for index, rule in enumerate(self._rules):
            if rule.trigger is None or rule.trigger in lowered:
                found.extend((*span, index, name) for span, name in self._matches(rule, segment))
        return found

    def _matches(self, rule: ValueRule, segment: str) -> Iterator[tuple[tuple[int, int], str]]:
        """The secrets one rule finds: `(span, marker name)`.

        A match starting inside the secret of the rule's previous match is not looked at (as
        `finditer` would not with the secret inside the match): that keeps `locate` linear.
        """
        covered = 0
        for match in rule.pattern.finditer(segment):
            name = self._key_term(match.group(1)) if rule.named_by_key else rule.name
            if name is None or match.start() < covered:
                continue
            span = rule.locate(match) if rule.locate is not None else match.span(rule.group)
            if span is None:
                continue
            covered = span[1]
            secret = segment[span[0] : span[1]]
            if secret and (rule.accept is None or rule.accept(secret)):
                yield span, name

    def _value(self, obj: Any, term: str | None) -> Any:
        """Scan one JSON-like value; `term` is the secret-ish key it sits under, if any."""
        if isinstance(obj, str):
            return self._string(obj, term)
        if isinstance(obj, dict):
            return self._mapping(obj, term)
        if isinstance(obj, (list, tuple)):
            return type(obj)(self._value(item, term) for item in obj)
        return obj

    def _mapping(self, mapping: dict[Any, Any], term: str | None) -> dict[Any, Any]:
        """Scan keys as text and values in the context of their key name."""
        header = mapping.get("name")
        header_term = self._key_term(header) if isinstance(header, str) else None
        cleaned: dict[Any, Any] = {}
        for key, value in mapping.items():
            child = term
            if isinstance(key, str):
                child = self._key_term(key) or term
                if key == "value" and header_term is not None:
                    child = header_term
                key = self.scan_text(key)
            cleaned[key] = self._value(value, child)
        return cleaned

    def _key_term(self, key: str) -> str | None:
        """`secret_term` of a key name, remembered (records repeat the same few keys)."""
        if key not in self._key_terms:
            if len(self._key_terms) >= _CACHE_SIZE:
                self._key_terms.clear()
            self._key_terms[key] = secret_term(key, self._terms)
        return self._key_terms[key]

    def _string(self, value: str, term: str | None) -> str:
        """Scan a string; under a secret-ish key, anything not provably safe is replaced whole."""
        if term is None:
            return self.scan_text(value)
        if is_safe_string(value):
            return value
        trial: Counter[str] = Counter()
        cleaned = self._text(value, trial)
        if is_only_markers(cleaned):
            self._counts.update(trial)
            return cleaned
        rule = "high_entropy" if is_high_entropy(value) else term
        self._counts[rule] += 1
        return marker(rule, value)

    def _strings(self, obj: Any) -> Any:
        """Recursive worker of `scan_strings`."""
        if isinstance(obj, str):
            return self.scan_text(obj)
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            changes = {f.name: self._strings(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
            return dataclasses.replace(obj, **changes)
        if isinstance(obj, dict):
            return {self._strings(k): self._strings(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return type(obj)(self._strings(item) for item in obj)
        return obj
