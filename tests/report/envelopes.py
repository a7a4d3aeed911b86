"""Wrap a bare evidence log the way each log platform stores or exports it (tests' fixtures).

Each wrapper takes the lines of a log (without newlines) and returns the bytes of the same log as
its tool writes it, following the tool's documentation:
- Docker `json-file` driver: one `{"log","stream","time"}` object a line, Go's JSON escaping;
- CRI (kubelet / containerd): `TIMESTAMP STREAM P|F MESSAGE`, long lines split into partials;
- `journalctl -o json`: one entry a line, `MESSAGE` text, or an array of bytes;
- `logcli query --output=jsonl`: `{"labels","line","timestamp"}`, newest first by default;
- `gcloud logging read --format=json`: one JSON array of LogEntry objects (indent 2, keys sorted);
- `aws logs filter-log-events`: one JSON object (indent 4) with `events[].message`;
- CloudWatch export to S3: gzip objects of `TIMESTAMP MESSAGE` lines;
- elasticdump: one `{"_index","_id","_source"}` document a line;
- the OpenTelemetry collector's file exporter: one OTLP/JSON `ExportLogsServiceRequest` a line;
- structlog nesting the record under a key; `jq .`: every object pretty-printed over lines;
  `jq -s .`: one array of them.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable, Sequence
from typing import Any

EVIDENCE = b"escalate.evidence/"
Wrapper = Callable[[Sequence[bytes]], bytes]


def _time(index: int) -> str:
    """An RFC 3339 timestamp with nanoseconds, as the tools write them."""
    return f"2026-11-27T10:{index // 60 % 60:02d}:{index % 60:02d}.{index % 10**9:09d}Z"


def _go_json(value: Any) -> str:
    """JSON as Go's encoding/json writes it: compact, with <, > and & escaped."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _text(line: bytes) -> str:
    return line.decode("utf-8", "replace")


def _json(line: bytes) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


def docker(lines: Sequence[bytes]) -> bytes:
    """Docker's json-file logging driver (the default): the line, with its newline, in `log`."""
    out = [
        _go_json({"log": _text(line) + "\n", "stream": "stdout", "time": _time(i)})
        for i, line in enumerate(lines)
    ]
    return "\n".join(out).encode() + b"\n"


def cri(lines: Sequence[bytes], part: int = 300) -> bytes:
    """The CRI format; evidence lines are split into partial lines of `part` bytes, which a
    stderr line from the same container interrupts (the streams are joined separately)."""
    out: list[bytes] = []
    for i, line in enumerate(lines):
        stamp = _time(i).encode()
        if EVIDENCE not in line:
            out.append(stamp + b" stderr F " + line)
            continue
        pieces = [line[k : k + part] for k in range(0, len(line), part)] or [b""]
        for number, piece in enumerate(pieces):
            tag = b" F " if number == len(pieces) - 1 else b" P "
            out.append(stamp + b" stdout" + tag + piece)
            if number == 0 and len(pieces) > 1:
                out.append(stamp + b" stderr F interleaved stderr line")
    return b"\n".join(out) + b"\n"


def journald(lines: Sequence[bytes]) -> bytes:
    """`journalctl -o json`: every other evidence line has a byte-array MESSAGE."""
    out = []
    for i, line in enumerate(lines):
        message: Any = _text(line)
        if EVIDENCE in line and i % 2:
            message = list(line)  # journalctl's form for a field that is not plain text
        entry = {
            "__CURSOR": f"s=6f4d1c;i={i + 1:x};b=2b1e;m={i:x};t=62c1;x=9e0f",
            "__REALTIME_TIMESTAMP": str(1764237600000000 + i),
            "__MONOTONIC_TIMESTAMP": str(8000000 + i),
            "_BOOT_ID": "2b1e0b7e44b54f3aa0c5b0a8b3b1d9a1",
            "PRIORITY": "6",
            "_TRANSPORT": "stdout",
            "SYSLOG_IDENTIFIER": "sms-service",
            "_PID": "4242",
            "_COMM": "python3",
            "MESSAGE": message,
        }
        out.append(json.dumps(entry, separators=(",", ":"), ensure_ascii=False))
    return "\n".join(out).encode() + b"\n"


def loki(lines: Sequence[bytes]) -> bytes:
    """`logcli query --output=jsonl`: a Go map marshalled (keys sorted, Go's escaping), newest
    entry first (logcli's default direction)."""
    labels = {"app": "sms", "namespace": "prod"}
    out = [
        _go_json({"labels": labels, "line": _text(line), "timestamp": _time(i)})
        for i, line in enumerate(lines)
    ]
    return "\n".join(reversed(out)).encode() + b"\n"


def cloud_logging(lines: Sequence[bytes]) -> bytes:
    """`gcloud logging read --format=json`: JSON records as jsonPayload (every third as
    textPayload, as a plain-text agent stores them), other lines as textPayload."""
    entries = []
    for i, line in enumerate(lines):
        parsed = _json(line)
        entry: dict[str, Any] = {
            "insertId": f"abc{i:06d}",
            "labels": {"k8s-pod/app": "sms"},
            "logName": "projects/acme-prod/logs/stdout",
            "receiveTimestamp": _time(i),
            "resource": {"labels": {"cluster_name": "prod", "namespace_name": "sms"},
                         "type": "k8s_container"},
            "severity": "INFO",
            "timestamp": _time(i),
        }
        if isinstance(parsed, dict) and i % 3:
            entry["jsonPayload"] = parsed
        else:
            entry["textPayload"] = _text(line)
        entries.append(entry)
    return json.dumps(entries[::-1], indent=2, sort_keys=True).encode() + b"\n"


def cloudwatch(lines: Sequence[bytes]) -> bytes:
    """`aws logs filter-log-events` output: one object, every event's line in `message`."""
    events = [
        {
            "logStreamName": "sms/app/4f1c",
            "timestamp": 1764237600000 + i,
            "message": _text(line),
            "ingestionTime": 1764237600500 + i,
            "eventId": f"{37000000000000000000 + i}",
        }
        for i, line in enumerate(lines)
    ]
    return json.dumps({"events": events, "searchedLogStreams": []}, indent=4).encode() + b"\n"


def cloudwatch_s3(lines: Sequence[bytes]) -> bytes:
    """A CloudWatch Logs export to S3: gzip of `TIMESTAMP MESSAGE` lines."""
    out = [f"2026-11-27T10:00:{i % 60:02d}.000Z ".encode() + line for i, line in enumerate(lines)]
    return gzip.compress(b"\n".join(out) + b"\n")


def elasticdump(lines: Sequence[bytes]) -> bytes:
    """elasticdump's output: JSON lines as `_source`; other lines as a Filebeat `message`."""
    out = []
    for i, line in enumerate(lines):
        parsed = _json(line)
        source = parsed if isinstance(parsed, dict) else {"message": _text(line)}
        if isinstance(parsed, dict) and i % 4 == 0:  # not decoded by the shipper
            source = {"@timestamp": _time(i), "message": _text(line)}
        doc = {"_index": "logs-2026.11.27", "_type": "_doc", "_id": f"id{i}", "_score": 1,
               "_source": source}  # fmt: skip
        out.append(json.dumps(doc, ensure_ascii=False))
    return "\n".join(out).encode() + b"\n"


def opentelemetry(lines: Sequence[bytes], batch: int = 7) -> bytes:
    """The collector's file exporter: batches of log records, bodies as strings (every other
    JSON record as a kvlistValue, as a structured body is sent)."""
    out = []
    for start in range(0, len(lines), batch):
        records = [
            {"timeUnixNano": str(1764237600000000000 + start + k),
             "severityNumber": 9, "severityText": "INFO",
             "body": _any_body(line, start + k), "attributes": [],
             "traceId": "", "spanId": ""}
            for k, line in enumerate(lines[start : start + batch])
        ]
        request = {"resourceLogs": [{
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "sms"}}]},
            "scopeLogs": [{"scope": {"name": "filelog"}, "logRecords": records}],
        }]}  # fmt: skip
        out.append(json.dumps(request, separators=(",", ":"), ensure_ascii=False))
    return "\n".join(out).encode() + b"\n"


def _any_body(line: bytes, index: int) -> dict[str, Any]:
    parsed = _json(line)
    if isinstance(parsed, dict) and index % 2:
        return _any_value(parsed)
    return {"stringValue": _text(line)}


def _any_value(value: Any) -> dict[str, Any]:
    """An OTLP/JSON AnyValue: int64 as a decimal string, bytes as base64."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, bytes):
        return {"bytesValue": base64.b64encode(value).decode()}
    if isinstance(value, list):
        return {"arrayValue": {"values": [_any_value(item) for item in value]}}
    if isinstance(value, dict):
        pairs = [{"key": key, "value": _any_value(item)} for key, item in value.items()]
        return {"kvlistValue": {"values": pairs}}
    return {}


def nested(lines: Sequence[bytes]) -> bytes:
    """A structlog pipeline that nests each record under a key of its own event."""
    out = []
    for i, line in enumerate(lines):
        parsed = _json(line)
        if isinstance(parsed, dict) and EVIDENCE in line:
            line = json.dumps({"event": "redcloud.call", "level": "info",
                               "timestamp": _time(i), "evidence": parsed}).encode()  # fmt: skip
        out.append(line)
    return b"\n".join(out) + b"\n"


def jq_stream(lines: Sequence[bytes]) -> bytes:
    """`grep '^{' log | jq .`: every JSON object pretty-printed (indent 2), one after another."""
    values = [_json(line) for line in lines]
    return "\n".join(
        json.dumps(value, indent=2, ensure_ascii=False) for value in values if value is not None
    ).encode() + b"\n"


def json_array(lines: Sequence[bytes]) -> bytes:
    """The JSON lines of a log as one array, as `jq -s .` writes it."""
    values = [value for value in map(_json, lines) if value is not None]
    return json.dumps(values, indent=2, ensure_ascii=False).encode() + b"\n"


def spaced(lines: Sequence[bytes]) -> bytes:
    """Python's json.dumps defaults (`", "` and `": "`), the record's keys in reverse order:
    how structlog's stock JSONRenderer writes records it is handed."""
    out = []
    for line in lines:
        parsed = _json(line)
        if isinstance(parsed, dict) and EVIDENCE in line:
            line = json.dumps(dict(reversed(parsed.items()))).encode()
        out.append(line)
    return b"\n".join(out) + b"\n"


#: envelope name in the report -> wrapper (`spaced` is no envelope: bare records)
WRAPPERS: dict[str, tuple[str | None, Wrapper]] = {
    "docker": ("docker", docker),
    "cri": ("cri", cri),
    "journald": ("journald", journald),
    "loki": ("loki", loki),
    "gcloud": ("google-cloud-logging", cloud_logging),
    "cloudwatch": ("cloudwatch", cloudwatch),
    "cloudwatch-s3": ("text-prefix", cloudwatch_s3),
    "elasticdump": ("elasticsearch", elasticdump),
    "otlp": ("opentelemetry", opentelemetry),
    "nested": ("nested", nested),
    "jq": ("json-stream", jq_stream),
    "jq-slurp": ("json-array", json_array),
    "spaced": (None, spaced),
}
