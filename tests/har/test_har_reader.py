"""The exported HAR opens in a real HAR reader (haralyzer), not only against our schema."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner
from haralyzer import HarEntry, HarParser

from escalate._cli import main


def test_haralyzer_reads_every_entry(traffic_log: Path, tmp_path: Path) -> None:
    """haralyzer parses every entry (method, URL, status, times) and reads the Authorization."""
    output = tmp_path / "evidence.har"
    result = CliRunner().invoke(main, ["har", str(traffic_log), "-o", str(output)])
    assert result.exit_code == 0, result.output
    parser = HarParser(orjson.loads(output.read_bytes()))
    entries = [HarEntry(entry) for entry in parser.har_data["entries"]]
    assert parser.creator["name"] == "escalate"
    assert entries
    assert {entry.request.method for entry in entries} >= {"GET", "POST"}
    assert all(entry.request.url.startswith("http") for entry in entries)
    assert all(entry.startTime is not None and entry.time >= 0 for entry in entries)
    assert any(entry.response.status == 403 for entry in entries)
    sent = {entry.request.get_header_value("Authorization") for entry in entries}
    assert "Bearer <redacted>" in sent
