"""`escalate har`: valid HAR 1.2, built from redacted records, with escalate's custom fields."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from click.testing import CliRunner

from escalate._cli import main
from escalate._cli._exit import ExitCode
from escalate._har import har_document

SCHEMA = json.loads((Path(__file__).parent / "har-1.2.schema.json").read_text(encoding="utf-8"))


def _har(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["har", *args])
    assert result.exit_code == ExitCode.OK, result.output
    document: dict[str, Any] = orjson.loads(result.stdout)
    return document


def test_har_validates_against_the_har_schema(traffic_log: Path) -> None:
    """The exported file is valid HAR 1.2 (schema written from the spec)."""
    jsonschema.validate(_har(str(traffic_log)), SCHEMA)


def test_installed_command_writes_a_valid_har_file(traffic_log: Path, tmp_path: Path) -> None:
    """`escalate har LOG -o FILE` from the installed package writes a valid HAR file."""
    output = tmp_path / "evidence.har"
    command = [str(Path(sys.executable).with_name("escalate")), "har", str(traffic_log),
               "-o", str(output)]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    jsonschema.validate(json.loads(output.read_text(encoding="utf-8")), SCHEMA)


def test_har_headers_are_the_redacted_allowlist(traffic_log: Path) -> None:
    """Only Content-Type, Authorization (a placeholder) and Idempotency-Key (a fingerprint)."""
    entries = _har(str(traffic_log))["log"]["entries"]
    headers = [h for e in entries for h in e["request"]["headers"] + e["response"]["headers"]]
    assert {h["name"] for h in headers} <= {"Content-Type", "Authorization", "Idempotency-Key"}
    values: dict[str, set[str]] = {h["name"]: set() for h in headers}
    for header in headers:
        values[header["name"]].add(header["value"])
    assert values["Authorization"] == {"Bearer <redacted>"}
    assert values["Idempotency-Key"]
    assert all(re.fullmatch(r"<fp:fp_[0-9a-f]{12}>", key) for key in values["Idempotency-Key"])


def test_request_bodies_are_shapes(traffic_log: Path) -> None:
    """postData.text is the recorded shape as JSON: no phone number, no message text."""
    entries = _har(str(traffic_log))["log"]["entries"]
    sends = [e for e in entries if e["_escalate"].get("stage") == "send"
             and e["request"]["url"].endswith("/api/core/messages/send")]  # fmt: skip
    shape = json.loads(sends[0]["request"]["postData"]["text"])
    assert shape["to"] == ["<e164>"] and shape["text"] == "<text:len=2>"


def test_entries_carry_escalate_fields(traffic_log: Path) -> None:
    """Each call entry has `_escalate` outcome, requestId and stage; 403s keep their requestId."""
    entries = _har(str(traffic_log))["log"]["entries"]
    forbidden = [e for e in entries if e["response"]["status"] == 403]
    assert forbidden
    assert all(e["_escalate"]["requestId"].startswith("req_") for e in forbidden)
    assert {e["_escalate"]["outcome"] for e in forbidden} == {"http_error"}


def test_webhook_receipts_are_entries(traffic_log: Path) -> None:
    """Webhook receipts become POST entries answered with the receiver's status."""
    entries = _har(str(traffic_log))["log"]["entries"]
    hooks = [e for e in entries if e["_escalate"]["kind"] == "webhook"]
    assert hooks
    assert {e["request"]["method"] for e in hooks} == {"POST"}
    assert {e["response"]["status"] for e in hooks} == {200}
    assert {e["_escalate"]["signature"] for e in hooks} == {"valid"}


def test_entries_are_in_time_order(traffic_log: Path) -> None:
    """Entries are sorted by startedDateTime."""
    started = [e["startedDateTime"] for e in _har(str(traffic_log))["log"]["entries"]]
    assert started == sorted(started)


def test_call_without_response_has_status_zero() -> None:
    """A timeout becomes status 0 with the exception name as status text."""
    record = {"kind": "call", "ts": "2026-11-27T11:08:55.123456Z", "method": "GET",
              "host": "api.example.com", "route": "/api/core/whoami", "stage": "whoami",
              "duration_ms": 5000.0, "status": None, "outcome": "timeout",
              "exception": "ReadTimeout", "payload": None, "response": None}  # fmt: skip
    document = har_document([record])
    jsonschema.validate(document, SCHEMA)
    entry = document["log"]["entries"][0]
    assert (entry["response"]["status"], entry["response"]["statusText"]) == (0, "ReadTimeout")
    assert entry["request"]["url"] == "https://api.example.com/api/core/whoami"


@pytest.mark.parametrize("canary", ["CANARY", "15550001111"])
def test_har_of_salted_log_has_no_canary(salted: Path, canary: str) -> None:
    """The HAR of a canary-salted log carries none of the canaries."""
    result = CliRunner().invoke(main, ["har", str(salted)])
    assert result.exit_code == ExitCode.OK
    assert canary not in result.stdout
    jsonschema.validate(orjson.loads(result.stdout), SCHEMA)


def test_har_filters_like_the_report(traffic_log: Path) -> None:
    """`--route` keeps only that route's entries."""
    entries = _har(str(traffic_log), "--route", "/api/core/whoami")["log"]["entries"]
    assert {e["request"]["url"].rsplit("/", 1)[-1] for e in entries} == {"whoami"}


def test_schema_rejects_an_entry_without_response_status(traffic_log: Path) -> None:
    """The HAR schema is strict enough to fail a document missing a required member."""
    document = _har(str(traffic_log))
    del document["log"]["entries"][0]["response"]["status"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)
