"""`escalate report` runs the last secret scan: no canary reaches any output format."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from escalate._bundle import verify_bundle, write_bundle
from escalate._bundle._archive import archive_bytes, read_members
from escalate._cli import main
from escalate._render import FORMATS, Format

from ._logs import FORBIDDEN, PAYLOAD_SECRET


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.value)
def test_report_of_salted_log_holds_no_canary(salted: Path, fmt: Format) -> None:
    """Canaries in every field and in free text are redacted in every format of the report."""
    result = CliRunner().invoke(main, ["report", str(salted), "--format", fmt.value])
    assert result.exit_code == 1, result.output
    leaked = [canary for canary in FORBIDDEN if canary in result.output]
    assert leaked == []


def test_report_says_what_was_redacted(salted: Path) -> None:
    """The JSON report counts the redactions by rule, never their values."""
    result = CliRunner().invoke(main, ["report", str(salted), "--format", "json"])
    redactions = orjson.loads(result.output)["redactions"]
    assert sum(redactions.values()) > 0
    assert all(key.isidentifier() or "-" in key or "_" in key for key in redactions)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.value)
def test_secret_in_a_payload_shape_is_redacted_in_every_format(
    payload_secret: Path, fmt: Format
) -> None:
    """A payload holding `"client_secret": "hunter2"` (rendered as text in the escalation
    package) is redacted by its key name in every format."""
    result = CliRunner().invoke(main, ["report", str(payload_secret), "--format", fmt.value])
    assert result.exit_code == 1, result.output
    assert "client_secret" in result.output
    assert PAYLOAD_SECRET not in result.output


def test_bundle_of_a_payload_secret_holds_it_nowhere(payload_secret: Path, tmp_path: Path) -> None:
    """No file of the bundle holds the payload's secret, and the bundle verifies."""
    output = tmp_path / "ticket.zip"
    write_bundle([str(payload_secret)], output)
    members = read_members(output)
    assert [name for name, data in members.items() if PAYLOAD_SECRET.encode() in data] == []
    assert verify_bundle(output).ok


@pytest.mark.parametrize(
    "text",
    [
        '{"client_secret":"hunter2"}',
        "{&#34;client_secret&#34;: &#34;hunter2&#34;}",
        '"payload": "{\\"client_secret\\":\\"hunter2\\"}"',
    ],
    ids=["json", "html", "escaped-json"],
)
def test_verify_finds_a_payload_secret_added_to_a_report(
    payload_secret: Path, tmp_path: Path, text: str
) -> None:
    """A payload secret added to report.md with a matching checksum is found by `--verify`."""
    output = tmp_path / "ticket.zip"
    write_bundle([str(payload_secret)], output)
    members = read_members(output)
    members["report.md"] += f"\n{text}\n".encode()
    manifest = orjson.loads(members["manifest.json"])
    data = members["report.md"]
    manifest["files"]["report.md"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    members["manifest.json"] = orjson.dumps(manifest)
    output.write_bytes(archive_bytes(members))
    assert verify_bundle(output).problems == ("report.md: the secret scan found secret x1",)
