"""manifest.json: provenance, input checksums, counts, file checksums and the redaction summary.

Nothing in it depends on the wall clock: the time window is the one of the records read.
"""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Final

import orjson

from escalate._report._model import Report
from escalate._report._reading._sources import InputChecksum
from escalate._schema import SCHEMA
from escalate._version import __version__

BUNDLE_SCHEMA: Final = "escalate.bundle/1"
MANIFEST_NAME: Final = "manifest.json"


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def input_entries(checksums: Sequence[InputChecksum]) -> list[dict[str, Any]]:
    """One entry per input file (directories and globs expanded), with its size and SHA-256 as
    the report's own pass read them (`read_inputs`): the inputs are not read again."""
    return [
        {"path": checksum.name, "size": checksum.size, "sha256": checksum.sha256}
        for checksum in checksums
    ]


def manifest_data(
    report: Report,
    inputs: list[dict[str, Any]],
    files: Mapping[str, bytes],
    *,
    command: str,
    evidence_records: int,
    redactions: Sequence[tuple[str, int]],
) -> dict[str, Any]:
    """The manifest as plain data (before the secret scan)."""
    summary = report.inputs
    return {
        "bundle_schema": BUNDLE_SCHEMA,
        "escalate_version": __version__,
        "record_schema": SCHEMA,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": f"{sys.platform} {platform.machine()}",
        "command": command,
        "time_window": {"first_seen": summary.first_seen, "last_seen": summary.last_seen},
        "filters": dict(summary.filters),
        "inputs": inputs,
        "counts": {
            "lines": summary.lines,
            "records": summary.records,
            "calls": summary.calls,
            "webhooks": summary.webhooks,
            "evidence_records": evidence_records,
            "skipped_not_evidence": summary.skipped.not_evidence,
            "skipped_by_reason": dict(summary.skipped.by_reason),
        },
        "first_failing_stage": report.first_failing_stage,
        "files": {
            name: {"size": len(data), "sha256": sha256_hex(data)}
            for name, data in sorted(files.items())
        },
        "redactions": dict(redactions),
    }


def manifest_bytes(data: Mapping[str, Any]) -> bytes:
    """The manifest as indented JSON with sorted keys and a final newline."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def command_text(argv: Sequence[str]) -> str:
    """The command line as one string, program name reduced to `escalate`."""
    words = list(argv)
    if words:
        words[0] = os.path.basename(words[0])
    return " ".join(words)
