"""Evidence of a deploy: a real instrumented client against the sandbox, sending before and after.

Each phase is a list of `sendFrom` values: `num_abc123` is the client's own active number (the
send is accepted), `num_other_client` another client's (403 FORBIDDEN).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import httpx

import escalate
from escalate._report._reading._records import format_ts
from escalate.sandbox import RedCloudSandbox

OWN, OTHERS = "num_abc123", "num_other_client"


def capture_deploy(path: Path, before: Sequence[str], after: Sequence[str]) -> str:
    """Log the `before` sends, then the `after` sends; return the deploy time between them."""
    escalate.configure(path=path)
    try:
        with RedCloudSandbox() as rc, httpx.Client(base_url=rc.base_url, timeout=5) as raw:
            client = escalate.instrument(raw)
            auth = _authenticate(client, rc.client_id, rc.client_secret)
            _send_all(client, auth, before, "before")
            time.sleep(0.01)  # the deploy: strictly between the two phases' timestamps
            deployed = format_ts(datetime.now(timezone.utc))
            time.sleep(0.01)
            _send_all(client, auth, after, "after")
    finally:
        escalate.configure(path=os.devnull)
    return deployed


def _authenticate(client: httpx.Client, client_id: str, secret: str) -> dict[str, str]:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    token = client.post("/api/auth/token", data=form).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    client.get("/api/core/whoami", headers=auth)
    client.get("/api/core/numbers", headers=auth)
    return auth


def _send_all(
    client: httpx.Client, auth: dict[str, str], senders: Sequence[str], phase: str
) -> None:
    for index, sender in enumerate(senders):
        key = f"{phase}_{index}"  # one business operation per send: no duplicates
        body = {"sendFrom": sender, "to": ["+15551234567"], "messageType": "SMS",
                "text": f"order {key}", "externalReference": f"order_{key}"}  # fmt: skip
        client.post("/api/core/messages/send", json=body,
                    headers={**auth, "Idempotency-Key": f"idem_{key}"})  # fmt: skip
