"""Test helpers: read the evidence file a test configured, and canary values."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import orjson

import escalate

CLIENT_ID = "rc_canary_client"
CLIENT_SECRET = "cs_canary_7f3a9d1e5b"
WEBHOOK_SECRET = "whsec_canary_4c8e2a"
MESSAGE_TEXT = "canary message text 93f1"
RECIPIENT = "+15557654321"
IDEMPOTENCY_KEY = "idem_canary_5d2b"
EXTERNAL_REFERENCE = "order_canary_8e1f"
SANDBOX_E164 = "+15551234567"
#: Values that must never appear in any record, whatever the client library.
CANARIES = (CLIENT_SECRET, WEBHOOK_SECRET, MESSAGE_TEXT, RECIPIENT, IDEMPOTENCY_KEY,
            EXTERNAL_REFERENCE, SANDBOX_E164, "5557654321", "5551234567")


class Evidence:
    """The evidence file of one test."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def text(self) -> str:
        """The raw file content ('' before the first record), once the records pending on the
        writer thread are written (as a user reading the file in-process would)."""
        escalate.flush()
        return self.unflushed_text()

    def unflushed_text(self) -> str:
        """The raw file content as it is now, without waiting for the writer thread."""
        return self.path.read_text() if self.path.exists() else ""

    def records(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Every record, in file order, optionally only those of one `kind`."""
        parsed = [orjson.loads(line) for line in self.text().splitlines()]
        return [record for record in parsed if kind is None or record["kind"] == kind]

    def calls(self, stage: str | None = None) -> list[dict[str, Any]]:
        """The `kind: call` records, optionally of one stage."""
        return [record for record in self.records("call")
                if stage is None or record["stage"] == stage]

    def last_call(self) -> dict[str, Any]:
        """The most recent call record."""
        return self.calls()[-1]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def send_body(send_from: str = "num_abc123", to: str = RECIPIENT, **extra: Any) -> dict[str, Any]:
    """A send payload with the canary text and reference."""
    body = {"sendFrom": send_from, "to": [to], "messageType": "SMS", "text": MESSAGE_TEXT,
            "externalReference": EXTERNAL_REFERENCE}
    body.update(extra)
    return body
