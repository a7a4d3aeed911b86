"""Evidence logs for the bundle and HAR tests: real captured traffic, and a canary-salted copy."""

from __future__ import annotations

import base64
import copy
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson

import escalate
from escalate._doctor import WebhookListener
from escalate.sandbox import RedCloudSandbox

WEBHOOK_SECRET = "whsec_bundle_tests"
BASIC_CANARY = base64.b64encode(b"CANARYuser:CANARYpass").decode()
JWT_CANARY = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJDQU5BUlkifQ.CANARYsig"
#: Secrets in the shapes the scan recognises anywhere (value patterns).
CANARIES = (
    "rc_token_CANARYa1",
    "rc_secret_CANARYb2",
    "whsec_CANARYc3",
    "+15550001111",
    JWT_CANARY,
    "Bearer CANARYbearer77",
    f"Basic {BASIC_CANARY}",
    "https://CANARYuser:CANARYpw@api.example.com/x",
    "password=CANARYpw99",
)
#: Substrings that must appear in no file written from the salted log.
FORBIDDEN = ("CANARY", "15550001111", BASIC_CANARY, "eyJzdWIiOiJDQU5BUlkifQ")
_UNSALTED = {"schema", "kind", "ts"}


def capture_traffic(path: Path) -> None:
    """Record real traffic against the sandbox: a healthy send with webhooks, failures, noise."""
    escalate.configure(path=path)
    try:
        with WebhookListener(0, WEBHOOK_SECRET) as listener:
            _drive(listener)
    finally:
        escalate.configure(path=os.devnull)
    with path.open("ab") as log:
        log.write(b'{"level":"info","msg":"unrelated service line"}\nplain text line\n')


def _drive(listener: WebhookListener) -> None:
    """Token, whoami x5, numbers, one accepted send, three forbidden, one invalid."""
    with RedCloudSandbox(webhook_url=listener.url + "hooks", webhook_secret=WEBHOOK_SECRET) as rc:
        client = escalate.instrument(httpx.Client(base_url=rc.base_url, timeout=5))
        form = {"grant_type": "client_credentials", "client_id": rc.client_id,
                "client_secret": rc.client_secret}  # fmt: skip
        token = client.post("/api/auth/token", data=form).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        for _ in range(5):
            client.get("/api/core/whoami", headers=auth)
        client.get("/api/core/numbers", headers=auth)
        accepted = _send(client, auth, "num_abc123", "idem_ok")
        for index in range(3):
            _send(client, auth, "num_other_client", f"idem_forbidden_{index}")
        client.post("/api/core/messages/send", headers=auth, json={"sendFrom": "num_abc123"})
        listener.wait_for_lifecycle(accepted, 5.0)
        client.close()


def _send(client: httpx.Client, auth: dict[str, str], number: str, key: str) -> str:
    body = {"sendFrom": number, "to": ["+15551234567"], "messageType": "SMS", "text": "hi"}
    response = client.post("/api/core/messages/send", json=body,
                           headers={**auth, "Idempotency-Key": key})  # fmt: skip
    results = response.json().get("results") or [{}]
    return str(results[0].get("messageId", ""))


def read_records(path: Path) -> list[dict[str, Any]]:
    """The evidence records of a log (other lines skipped)."""
    lines = path.read_bytes().splitlines()
    return [orjson.loads(line) for line in lines if b'"schema":"escalate.evidence/' in line]


def salted_log(source: Path, target: Path) -> Path:
    """Write a copy of `source` with one canary per copy of each record in every string field.

    Each record yields one copy per string leaf (so every field carries a canary in some copy
    while the rest of the record stays meaningful), plus one copy with secret-named extra keys,
    plus free-text lines full of canaries.
    """
    lines = [b"free text " + " ".join(CANARIES).encode() + b"\n"]
    for record in read_records(source):
        for number, salted in enumerate(_salted_copies(record)):
            salted["error_message"] = salted.get("error_message") or None
            if number == 0:
                salted.update(_secret_keys())
            lines.append(orjson.dumps(salted) + b"\n")
    target.write_bytes(b"".join(lines))
    return target


def _salted_copies(record: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One copy of `record` per string leaf, that leaf replaced with a canary-bearing string."""
    paths = [path for path in _string_paths(record) if path[0] not in _UNSALTED]
    for index, path in enumerate(paths):
        salted = copy.deepcopy(record)
        canary = CANARIES[index % len(CANARIES)]
        _set(salted, path, f"{_get(record, path)} {canary} ({canary})")
        yield salted
    if not paths:
        yield copy.deepcopy(record)


def _secret_keys() -> dict[str, Any]:
    """Keys an older or misconfigured writer might have logged."""
    return {
        "client_secret": "CANARY-plain-secret",
        "Authorization": "CANARY-plain-auth",
        "headers": [{"name": "Cookie", "value": "session=CANARYcookie"}],
        "extra": {"api_key": "CANARYapikey", "nested": {"password": "CANARY pass word"}},
    }


def _string_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, str):
        yield prefix
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_paths(item, (*prefix, index))


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _set(value: Any, path: tuple[Any, ...], new: Any) -> None:
    _get(value, path[:-1])[path[-1]] = new


#: A secret under a secret-ish key inside a payload shape: an older build or other code wrote it.
PAYLOAD_SECRET = "hunter2"


def payload_secret_log(source: Path, target: Path) -> Path:
    """Write a copy of `source` whose calls' payloads hold `"client_secret": "hunter2"`."""
    lines = []
    for record in read_records(source):
        if record.get("kind") == "call" and isinstance(record.get("payload"), dict):
            record["payload"] = {**record["payload"], "client_secret": PAYLOAD_SECRET}
        lines.append(orjson.dumps(record) + b"\n")
    target.write_bytes(b"".join(lines))
    return target
