"""What the HAR shows in place of a secret or a body is labelled as such, and nothing sent leaks."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import orjson
from click.testing import CliRunner

from escalate._cli import main
from escalate._cli._exit import ExitCode

from .conftest import KnownTraffic

SCHEMA = json.loads((Path(__file__).parent / "har-1.2.schema.json").read_text(encoding="utf-8"))
FINGERPRINTED = re.compile(r"<fp:(fp_[0-9a-f]{12})>")


def _entries(log: Path) -> list[dict[str, Any]]:
    result = CliRunner().invoke(main, ["har", str(log)])
    assert result.exit_code == ExitCode.OK, result.output
    entries: list[dict[str, Any]] = orjson.loads(result.stdout)["log"]["entries"]
    return entries


def _records(log: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in log.read_bytes().splitlines()]


def _headers(entry: dict[str, Any], name: str) -> list[dict[str, str]]:
    return [header for header in entry["request"]["headers"] if header["name"] == name]


def test_every_call_shows_its_authorization_scheme_redacted(known_traffic: KnownTraffic) -> None:
    """Token by Basic: `Basic <redacted>`; every CORE call: `Bearer <redacted>`; each commented."""
    calls = [e for e in _entries(known_traffic.log) if e["_escalate"]["kind"] == "call"]
    expected = {"token": "Basic <redacted>", "whoami": "Bearer <redacted>",
                "send": "Bearer <redacted>"}  # fmt: skip
    for entry in calls:
        (header,) = _headers(entry, "Authorization")
        assert header["value"] == expected[entry["_escalate"]["stage"]]
        assert "never recorded" in header["comment"] and "fp_" in header["comment"]
    assert {entry["_escalate"]["stage"] for entry in calls} == set(expected)


def test_idempotency_key_is_marked_as_its_fingerprint(known_traffic: KnownTraffic) -> None:
    """Both sends under one key show the record's `<fp:fp_...>`, commented as a fingerprint."""
    sends = [e for e in _entries(known_traffic.log) if e["_escalate"]["stage"] == "send"]
    headers = [header for entry in sends for header in _headers(entry, "Idempotency-Key")]
    recorded = {r["idempotency"]["fingerprint"] for r in _records(known_traffic.log)
                if r.get("stage") == "send"}  # fmt: skip
    assert len(headers) == len(sends) == 2 and len(recorded) == 1
    assert {header["value"] for header in headers} == {f"<fp:{fp}>" for fp in recorded}
    for header in headers:
        assert "Fingerprint of the key, not the key" in header["comment"]
        assert FINGERPRINTED.fullmatch(header["value"])


def test_every_body_is_labelled_as_a_shape(traffic_log: Path, known_traffic: KnownTraffic) -> None:
    """Each request body and each non-empty response body carries a comment saying what it is."""
    entries = _entries(traffic_log) + _entries(known_traffic.log)
    bodies = [e["request"]["postData"] for e in entries if "postData" in e["request"]]
    contents = [e["response"]["content"] for e in entries if e["response"]["content"]["text"]]
    assert bodies and contents
    assert all(body["comment"] for body in bodies)
    assert all("Shape summary" in content["comment"] for content in contents)


def test_nothing_sent_appears_in_the_har(known_traffic: KnownTraffic) -> None:
    """The token, client secret, Basic credentials and Idempotency-Key are nowhere in the file."""
    result = CliRunner().invoke(main, ["har", str(known_traffic.log)])
    assert result.exit_code == ExitCode.OK
    assert all(secret not in result.stdout for secret in known_traffic.secrets)
    assert "CANARY" not in result.stdout
    jsonschema.validate(orjson.loads(result.stdout), SCHEMA)


def test_placeholders_are_not_counted_as_redactions(known_traffic: KnownTraffic) -> None:
    """`Bearer <redacted>` is written by the HAR, not caught by the last scan: 0 values redacted."""
    result = CliRunner().invoke(main, ["har", str(known_traffic.log)])
    assert result.stderr.strip().endswith("0 values redacted")
