"""README.txt: what each file of a bundle is, for the person who opens the ticket."""

from __future__ import annotations

from typing import Final

README_TEXT: Final = """\
Red Cloud CORE API escalation bundle (made by escalate)
=========================================================

This archive was made with `escalate bundle` from evidence logs of Red Cloud CORE API calls and
webhook receipts. It follows the troubleshooting guide's debugging order: token, whoami,
numbers, send, webhooks. The report names the first failing stage at the top.

Files
-----
report.md       The report in Markdown: first failing stage, findings, checks, likely causes,
                the next action, and the escalation package (endpoint, HTTP status, timestamp,
                requestId, payload shape, token freshness, messageId) for each finding.
report.html     The same report as a self-contained HTML page.
report.json     The same report as JSON (schema escalate.report/1), for tools.
evidence.jsonl  Only the evidence records the findings cite, plus the calls that define each
                stage's verdict; one JSON object per line (schema escalate.evidence/1).
evidence.har    The same evidence as a HAR 1.2 file. Request bodies are shapes such as
                "<e164>" or "<text:len=20>", never content; no Authorization or Cookie header.
manifest.json   escalate version, record schema, Python and platform, the command line, the time
                window, the input files with size and SHA-256, record and skipped-line counts,
                the SHA-256 of every other file here, and what the secret scan redacted.
README.txt      This file.

Secrets
-------
Records are redacted when captured, and everything in this archive went through a last secret
scan. A value the scan removed reads [redacted:<rule>:<4 hex>]: the same secret gives the same
marker in every file, so you can still correlate. manifest.json counts redactions by rule; it
never holds the values.

Checking the archive
--------------------
    escalate bundle --verify ticket.zip

re-computes every checksum and re-runs the secret scan; exit status 3 means a file was changed,
a secret was found, or the archive is not one escalate writes.
"""
