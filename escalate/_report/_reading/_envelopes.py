"""Envelopes: find evidence records inside what log platforms wrap them in.

A candidate line that is not a bare record is unwrapped here: the record may be an escaped JSON
string in a field (Docker's `log`, journald's `MESSAGE`, Loki's `line`, CloudWatch's `message`,
Cloud Logging's `textPayload`, an OTLP string body), an object nested under a key (Cloud Logging's
`jsonPayload`, Elasticsearch's `_source`, a structlog key), or behind a plain-text prefix (the
CRI format, a timestamp, Python logging). `unwrap` names the envelope and returns what it holds;
the reader counts the records each envelope gave. Only lines that carry the evidence marker
reach this module: the bare-record path never pays for it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any, Final

import orjson

#: in every record however a JSON encoder spaced or escaped it (the reader's byte search)
EVIDENCE_NEEDLE: Final = b"escalate.evidence/"
_TEXT_NEEDLE: Final = EVIDENCE_NEEDLE.decode()
#: the record's own schema member, spaced or escaped any way JSON allows
_SCHEMA_MEMBER = re.compile(rb'\\?"schema\\?"\s*:\s*\\?"escalate\.evidence/')
_CRI_PREFIX = re.compile(rb"\S+ (?:stdout|stderr) [PF] ")
#: nesting levels searched below an envelope (an envelope inside an envelope, a nested key)
_MAX_DEPTH = 6

REASON_TRUNCATED = "truncated"
REASON_INVALID_UTF8 = "invalid_utf8"
REASON_INVALID_JSON = "invalid_json"

DOCKER = "docker"
CRI = "cri"
JOURNALD = "journald"
LOKI = "loki"
CLOUD_LOGGING = "google-cloud-logging"
CLOUDWATCH = "cloudwatch"
ELASTICSEARCH = "elasticsearch"
OTLP = "opentelemetry"
NESTED = "nested"
JSON_ARRAY = "json-array"
JSON_STREAM = "json-stream"
TEXT_PREFIX = "text-prefix"
#: every envelope name a report may show, with what it is (docs/inputs.md lists the same)
ENVELOPES: Final = {
    DOCKER: "Docker json-file log (`log` field)",
    CRI: "Kubernetes CRI / containerd log line (partial lines joined)",
    JOURNALD: "journald export (`journalctl -o json`, `MESSAGE`)",
    LOKI: "Grafana Loki (`logcli query --output=jsonl`, `line`)",
    CLOUD_LOGGING: "Google Cloud Logging entry (`jsonPayload` or `textPayload`)",
    CLOUDWATCH: "AWS CloudWatch Logs events (`events[].message`)",
    ELASTICSEARCH: "Elasticsearch / OpenSearch document (`_source`)",
    OTLP: "OpenTelemetry OTLP/JSON logs (`logRecords[].body`)",
    NESTED: "record nested under a key of another JSON object",
    JSON_ARRAY: "records in a JSON array",
    JSON_STREAM: "a stream of pretty-printed JSON objects (`jq .`)",
    TEXT_PREFIX: "a plain-text prefix (timestamp, CloudWatch export to S3, Python logging)",
}


class Unreadable:
    """Text inside an envelope that carries the evidence marker but does not parse."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


#: what an envelope holds: candidate record objects, or unreadable texts that carry the marker
Found = list[object]


def is_candidate(value: object) -> bool:
    """Whether `value` is read as a record (right or wrong): an object with a `schema` member."""
    return type(value) is dict and "schema" in value


def has_schema_member(line: bytes) -> bool:
    """Whether a line holds the evidence schema member (else the marker was only mentioned)."""
    return _SCHEMA_MEMBER.search(line) is not None


def unwrap(value: object) -> tuple[str, Found] | None:
    """The envelope around a parsed JSON value and the candidates it holds, or None."""
    if isinstance(value, list):
        found = _search(value, 0)
        return (_array_name(value), found) if found else None
    if not isinstance(value, dict):
        return None
    name, found = _inside(value, 0)
    return (name, found) if found else None


def unwrap_prefixed(line: bytes) -> tuple[str, Found] | None:
    """A record behind a plain-text prefix (`TS stdout F {...}`, `2026-... INFO {...}`)."""
    brace = line.find(b"{")
    if brace <= 0:
        return None
    name = CRI if _CRI_PREFIX.match(line) else TEXT_PREFIX
    try:
        value = orjson.loads(line[brace:])
    except orjson.JSONDecodeError:
        return None
    if is_candidate(value):
        return name, [value]
    inner = unwrap(value)
    return None if inner is None else (name, inner[1])


def broken_reason(text: bytes) -> str:
    """Why a text that carries the evidence schema member is not readable JSON."""
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return REASON_INVALID_UTF8
    stripped = text[max(text.find(b"{"), 0) :].strip()  # past a plain-text prefix
    if stripped.startswith(b"{") and not stripped.endswith(b"}"):
        return REASON_TRUNCATED
    return REASON_INVALID_JSON


def _array_name(items: list[Any]) -> str:
    if any(is_candidate(item) for item in items):
        return JSON_ARRAY
    inner = next((unwrap(item) for item in items if isinstance(item, dict | list)), None)
    return inner[0] if inner else JSON_ARRAY


def _search(value: object, depth: int) -> Found:
    """The candidates inside a value: itself, its members, or texts that parse to them."""
    if is_candidate(value):
        return [value]
    if depth > _MAX_DEPTH:
        return []
    if isinstance(value, str):
        return _search_text(value, depth) if _TEXT_NEEDLE in value else []
    if isinstance(value, list):
        return [found for item in value for found in _search(item, depth + 1)]
    if isinstance(value, dict):
        return _inside(value, depth)[1]
    return []


def _inside(value: dict[str, Any], depth: int) -> tuple[str, Found]:
    """The envelope an object is (by its own fields) and what it holds; else its members."""
    for name, extract in _DETECTORS:
        inner = extract(value)
        if inner is not None:
            found = _search(inner, depth + 1)
            if found:
                return name, found
    return NESTED, _search_members(value, depth)


def _search_members(value: dict[str, Any], depth: int) -> Found:
    return [found for item in value.values() for found in _search(item, depth + 1)]


def _search_text(text: str, depth: int) -> Found:
    raw = text.encode("utf-8", "surrogatepass")
    try:
        parsed: object = orjson.loads(raw)
    except orjson.JSONDecodeError:
        prefixed = unwrap_prefixed(raw)
        if prefixed is not None:
            return prefixed[1]
        return [Unreadable(broken_reason(raw))] if has_schema_member(raw) else []
    return _search(parsed, depth + 1)


def _docker(value: dict[str, Any]) -> object | None:
    """Docker's json-file driver: `{"log": "<line>\\n", "stream": "stdout", "time": ...}`."""
    log = value.get("log")
    return log if isinstance(log, str) and ("stream" in value or "time" in value) else None


def _journald(value: dict[str, Any]) -> object | None:
    """`journalctl -o json`: `MESSAGE` is a string, or an array of bytes when not plain UTF-8."""
    if "MESSAGE" not in value or not ("__CURSOR" in value or "__REALTIME_TIMESTAMP" in value):
        return None
    message: object = value["MESSAGE"]
    if isinstance(message, list):
        return message_text(message)
    return message


def message_text(message: list[Any]) -> str | None:
    """A journald byte-array field as text (invalid UTF-8 replaced), or None if not bytes."""
    try:
        return bytes(message).decode("utf-8", "replace")
    except (TypeError, ValueError):
        return None


def _loki(value: dict[str, Any]) -> object | None:
    """`logcli query --output=jsonl`: `{"labels": {...}, "line": "...", "timestamp": ...}`."""
    line = value.get("line")
    return line if isinstance(line, str) and ("labels" in value or "timestamp" in value) else None


def _cloud_logging(value: dict[str, Any]) -> object | None:
    """A Cloud Logging LogEntry: the payload is `jsonPayload` (object) or `textPayload`."""
    if "logName" not in value and "insertId" not in value:
        return None
    payload: object = value.get("jsonPayload", value.get("textPayload"))
    return payload


def _cloudwatch(value: dict[str, Any]) -> object | None:
    """`aws logs filter-log-events` / `get-log-events` output: `events[].message`."""
    events = value.get("events")
    if not isinstance(events, list):
        return None
    return [event.get("message") for event in events if isinstance(event, dict)]


def _elasticsearch(value: dict[str, Any]) -> object | None:
    """A document as elasticdump writes it (`_source`), or a search response's `hits.hits`."""
    source: object = value.get("_source")
    if source is not None:
        return source
    hits = value.get("hits")
    if isinstance(hits, dict) and isinstance(hits.get("hits"), list):
        return [hit.get("_source") for hit in hits["hits"] if isinstance(hit, dict)]
    return None


def _opentelemetry(value: dict[str, Any]) -> object | None:
    """OTLP/JSON logs (the collector's file exporter): `resourceLogs[].scopeLogs[].logRecords[]`."""
    resource_logs = value.get("resourceLogs")
    if not isinstance(resource_logs, list):
        return None
    return [
        any_value(record.get("body"))
        for resource in _dicts(resource_logs)
        for scope in _dicts(resource.get("scopeLogs"))
        for record in _dicts(scope.get("logRecords"))
    ]


def _dicts(items: object) -> list[dict[str, Any]]:
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def any_value(value: object) -> object:
    """An OTLP `AnyValue` as plain JSON data (int64 as text per OTLP/JSON becomes an int)."""
    if not isinstance(value, dict):
        return value
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in value:
            return value[key]
    if "intValue" in value:
        number = value["intValue"]
        return int(number) if isinstance(number, str) and number.lstrip("-").isdigit() else number
    if "arrayValue" in value:
        return [any_value(item) for item in _items(value["arrayValue"])]
    if "kvlistValue" in value:
        pairs = _items(value["kvlistValue"])
        return {pair.get("key"): any_value(pair.get("value")) for pair in pairs}
    if "bytesValue" in value:
        return _base64_text(value["bytesValue"])
    return None


def _items(container: object) -> list[Any]:
    values = container.get("values") if isinstance(container, dict) else None
    return values if isinstance(values, list) else []


def _base64_text(data: object) -> str | None:
    try:
        return base64.b64decode(str(data)).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


#: envelopes recognised by their own fields, most specific first; anything else is searched
#: member by member (`nested`)
_DETECTORS: tuple[tuple[str, Callable[[dict[str, Any]], object | None]], ...] = (
    (OTLP, _opentelemetry),
    (CLOUDWATCH, _cloudwatch),
    (ELASTICSEARCH, _elasticsearch),
    (CLOUD_LOGGING, _cloud_logging),
    (JOURNALD, _journald),
    (DOCKER, _docker),
    (LOKI, _loki),
)
