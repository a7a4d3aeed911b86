"""Fixtures of the HAR tests: the bundle tests' captured and salted logs, and traffic whose
secrets the test knows (a Basic token request, a bearer token, a reused Idempotency-Key)."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from bundle.conftest import salted, traffic_log

import escalate
from escalate.sandbox import RedCloudSandbox

__all__ = ["KnownTraffic", "known_traffic", "salted", "traffic_log"]

IDEMPOTENCY_KEY = "idem_CANARY_order_4711"


@dataclass(frozen=True)
class KnownTraffic:
    """A captured log and every secret that went over the wire while it was written."""

    log: Path
    secrets: tuple[str, ...]


@pytest.fixture(scope="session")
def known_traffic(tmp_path_factory: pytest.TempPathFactory) -> KnownTraffic:
    """Token with HTTP Basic, whoami, two sends under one Idempotency-Key, captured."""
    log = tmp_path_factory.mktemp("known") / "evidence.jsonl"
    escalate.configure(path=log)
    try:
        with RedCloudSandbox() as rc:
            secrets = _drive(rc)
    finally:
        escalate.configure(path=os.devnull)  # writes what is pending
    return KnownTraffic(log, secrets)


def _drive(rc: RedCloudSandbox) -> tuple[str, ...]:
    basic = base64.b64encode(f"{rc.client_id}:{rc.client_secret}".encode()).decode()
    with escalate.instrument(httpx.Client(base_url=rc.base_url, timeout=5)) as client:
        answer = client.post("/api/auth/token", data={"grant_type": "client_credentials"},
                             headers={"Authorization": f"Basic {basic}"})  # fmt: skip
        token = str(answer.json()["access_token"])
        bearer = {"Authorization": f"Bearer {token}"}
        client.get("/api/core/whoami", headers=bearer)
        body = {"sendFrom": "num_abc123", "to": ["+15551234567"], "messageType": "SMS",
                "text": "hello"}  # fmt: skip
        for _ in range(2):
            client.post("/api/core/messages/send", json=body,
                        headers={**bearer, "Idempotency-Key": IDEMPOTENCY_KEY})  # fmt: skip
    return token, rc.client_secret, basic, IDEMPOTENCY_KEY
