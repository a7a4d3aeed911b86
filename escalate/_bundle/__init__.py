"""Escalation bundles: one deterministic zip a support engineer attaches to a ticket.

`write_bundle` renders the report (Markdown, HTML, JSON), selects the evidence its findings cite,
exports it as JSONL and HAR, and writes a manifest and a README, every file through the last
secret scan. `verify_bundle` re-checks checksums and re-runs the scan.
"""

from __future__ import annotations

from escalate._bundle._build import BundleSummary, build_bundle, write_bundle
from escalate._bundle._evidence import (
    Citations,
    Gathered,
    citations,
    gather_evidence,
    select_evidence,
)
from escalate._bundle._verify import NotABundle, VerifyResult, verify_bundle

__all__ = [
    "BundleSummary",
    "Citations",
    "Gathered",
    "NotABundle",
    "VerifyResult",
    "build_bundle",
    "citations",
    "gather_evidence",
    "select_evidence",
    "verify_bundle",
    "write_bundle",
]
