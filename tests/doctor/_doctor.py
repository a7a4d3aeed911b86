"""Running `escalate doctor` in-process against a sandbox, and reading what it wrote."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import orjson
from click.testing import CliRunner, Result

from escalate._cli import main
from escalate._render._format import FORMAT_NAMES
from escalate.sandbox import RedCloudSandbox

WEBHOOK_SECRET = "whsec_doctor_tests"
FORMATS = FORMAT_NAMES


def free_port() -> int:
    """A loopback port nothing listens on (at the time of the call)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def env_for(rc: RedCloudSandbox) -> dict[str, str]:
    """The environment doctor reads its credentials, host and webhook secret from."""
    return {"RC_CLIENT_ID": rc.client_id, "RC_CLIENT_SECRET": rc.client_secret,
            "RC_BASE_URL": rc.base_url, "RC_WEBHOOK_SECRET": WEBHOOK_SECRET}  # fmt: skip


def run_doctor(rc: RedCloudSandbox, log: Path, *args: str, fmt: str = "json") -> Result:
    """`escalate doctor --log LOG --format FMT --wait 3s ARGS...` against the sandbox."""
    command = ["doctor", "--log", str(log), "--format", fmt, "--wait", "3s", *args]
    return CliRunner().invoke(main, command, env=env_for(rc))


def send_args(port: int, number: str = "num_abc123") -> list[str]:
    """A test send from `number`, waiting for its webhooks on `port`."""
    return ["--send", "--to", "+15551234567", "--from", number, "--webhook-listen", str(port)]


def first_failing(result: Result) -> Any:
    """The JSON report's first failing stage."""
    return orjson.loads(result.stdout)["first_failing_stage"]


def stages_called(log: Path) -> list[str]:
    """The stage of every record in the log, in order (`webhooks` for a receipt)."""
    lines = log.read_bytes().splitlines()
    return [orjson.loads(line).get("stage", "webhooks") for line in lines]
