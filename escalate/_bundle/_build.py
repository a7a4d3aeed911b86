"""`build_bundle`: report + cited evidence + HAR + manifest + README, all scanned, in one zip."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import orjson

from escalate._bundle._archive import archive_bytes
from escalate._bundle._evidence import gather_evidence
from escalate._bundle._manifest import (
    MANIFEST_NAME,
    command_text,
    input_entries,
    manifest_bytes,
    manifest_data,
)
from escalate._bundle._readme import README_TEXT
from escalate._controls import json_escaped
from escalate._files import write_atomically
from escalate._har import har_document
from escalate._render import render_document
from escalate._render._format import BUNDLED_FORMATS
from escalate._report import ReportOptions
from escalate._report._model import Redactions, Report, SkippedLines, report_to_dict
from escalate._scan import ScanConfig, SecretScanner

#: (file name in the bundle, report format) of the report renderings: the registry's bundled ones.
REPORT_FILES: Final = tuple((fmt.file_name(), fmt) for fmt in BUNDLED_FORMATS)
EVIDENCE_NAME: Final = "evidence.jsonl"
HAR_NAME: Final = "evidence.har"
README_NAME: Final = "README.txt"


@dataclass(frozen=True)
class BundleSummary:
    """What `write_bundle` wrote."""

    path: Path
    size: int
    files: tuple[str, ...]
    evidence_records: int
    first_failing_stage: str | None
    redactions: tuple[tuple[str, int], ...]
    skipped: SkippedLines = field(default_factory=SkippedLines)  #: lines and entries not read


def build_bundle(
    paths: Sequence[str],
    *,
    options: ReportOptions | None = None,
    scan_config: ScanConfig | None = None,
    argv: Sequence[str] = ("escalate", "bundle"),
) -> tuple[bytes, BundleSummary]:
    """Build the bundle archive in memory; raises the report's `InputError`/`OptionError`."""
    options = options or ReportOptions()
    scanner = SecretScanner(scan_config)
    gathered = gather_evidence(paths, options, checksums=True)
    evidence = [scanner.scan_value(record) for record in gathered.evidence]
    report = scanner.scan_strings(gathered.report)
    files = _content_files(report, evidence, scanner)
    manifest = scanner.scan_value(
        manifest_data(
            report, input_entries(gathered.checksums), files, command=command_text(argv),
            evidence_records=len(evidence), redactions=scanner.summary(),
        )
    )  # fmt: skip
    files[MANIFEST_NAME] = json_escaped(
        scanner.scan_text(manifest_bytes(manifest).decode())
    ).encode()
    summary = BundleSummary(
        Path(), 0, tuple(sorted(files)), len(evidence), report.first_failing_stage,
        scanner.summary(), report.inputs.skipped,
    )  # fmt: skip
    return archive_bytes(files), summary


def write_bundle(
    paths: Sequence[str],
    output: Path,
    *,
    options: ReportOptions | None = None,
    scan_config: ScanConfig | None = None,
    argv: Sequence[str] = ("escalate", "bundle"),
) -> BundleSummary:
    """Build the bundle and write it to `output` atomically."""
    data, summary = build_bundle(paths, options=options, scan_config=scan_config, argv=argv)
    write_atomically(output, data)
    return dataclasses.replace(summary, path=output, size=len(data))


def _content_files(
    report: Report, evidence: list[dict[str, Any]], scanner: SecretScanner
) -> dict[str, bytes]:
    """Every file but the manifest, each passed through the scan as the last step."""
    report = dataclasses.replace(report, redactions=Redactions(by_rule=scanner.summary()))
    data = report_to_dict(report)  # once for the three formats: it copies every input name
    texts = {name: render_document("report", data, fmt) for name, fmt in REPORT_FILES}
    evidence_text = "".join(orjson.dumps(record).decode() + "\n" for record in evidence)
    texts[EVIDENCE_NAME] = json_escaped(evidence_text)
    har = scanner.scan_value(har_document(evidence))
    texts[HAR_NAME] = json_escaped(orjson.dumps(har, option=orjson.OPT_INDENT_2).decode() + "\n")
    texts[README_NAME] = README_TEXT
    return {name: scanner.scan_text(text).encode() for name, text in texts.items()}
