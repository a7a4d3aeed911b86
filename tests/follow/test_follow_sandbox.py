"""A real instrumented client writes its evidence log while a follower watches it (--fail-fast)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

import escalate
from escalate.sandbox import RedCloudSandbox

from ._follower import Follower


def _send(client: httpx.Client, auth: dict[str, str], sender: str, key: str) -> int:
    body = {"sendFrom": sender, "to": ["+15551234567"], "messageType": "SMS",
            "text": f"order {key}", "externalReference": key}  # fmt: skip
    headers = {**auth, "Idempotency-Key": f"idem_{key}"}
    return client.post("/api/core/messages/send", json=body, headers=headers).status_code


def test_follower_exits_1_when_the_live_client_starts_failing(tmp_path: Path) -> None:
    """Token, whoami, numbers, an accepted send: all pass; then a forbidden send: exit 1."""
    log = tmp_path / "evidence.jsonl"
    log.touch()
    escalate.configure(path=log)
    try:
        with RedCloudSandbox() as rc, httpx.Client(base_url=rc.base_url, timeout=5) as raw, \
                Follower(["evidence.jsonl", "--fail-fast"], cwd=tmp_path) as follower:
            client = escalate.instrument(raw)
            form = {"grant_type": "client_credentials", "client_id": rc.client_id,
                    "client_secret": rc.client_secret}  # fmt: skip
            token = client.post("/api/auth/token", data=form).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            client.get("/api/core/whoami", headers=auth)
            client.get("/api/core/numbers", headers=auth)
            assert _send(client, auth, "num_abc123", "order_1") == 202
            follower.expect("stage send: unknown -> pass")
            assert _send(client, auth, "num_other_client", "order_2") == 403
            follower.expect("stage send: pass -> fail")
            follower.expect("fail-fast: stage send fails")
            assert follower.wait() == 1
    finally:
        escalate.configure(path=os.devnull)
    assert rc.client_secret not in "\n".join(follower.seen)
