"""`escalate doctor` end to end against the local Red Cloud sandbox, one fault at a time."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from escalate._cli import main
from escalate._cli._exit import ExitCode
from escalate.sandbox import Faults, RedCloudSandbox

from ._doctor import (
    env_for,
    first_failing,
    free_port,
    run_doctor,
    send_args,
    stages_called,
)


def _inactive(faults: Faults) -> None:
    faults.inactive_client = True


def _expired(faults: Faults) -> None:
    faults.expired_tokens = True


def _numbers_500(faults: Faults) -> None:
    faults.server_error_routes = {"/api/core/numbers"}


def _drop_webhooks(faults: Faults) -> None:
    faults.drop_webhooks = True


def _bad_signatures(faults: Faults) -> None:
    faults.bad_webhook_signatures = True


def _no_fault(faults: Faults) -> None:
    """Leave every fault off."""


@pytest.mark.parametrize(
    ("fault", "number", "stage"),
    [
        (_inactive, "num_abc123", "token"),
        (_expired, "num_abc123", "whoami"),
        (_numbers_500, "num_abc123", "numbers"),
        (_no_fault, "num_other_client", "send"),
        (_drop_webhooks, "num_abc123", "webhooks"),
        (_bad_signatures, "num_abc123", "webhooks"),
    ],
    ids=["inactive-client", "expired-tokens", "numbers-500", "forbidden-number", "drop-webhooks",
         "bad-signatures"],
)
def test_doctor_names_the_failing_stage(
    sandbox: RedCloudSandbox, listen_port: int, tmp_path: Path,
    fault: Callable[[Faults], None], number: str, stage: str,
) -> None:  # fmt: skip
    """With one fault switched on, the report's first failing stage is the faulty one."""
    fault(sandbox.faults)
    result = run_doctor(sandbox, tmp_path / "e.jsonl", *send_args(listen_port, number))
    assert result.exit_code == ExitCode.FINDINGS, result.output
    assert first_failing(result) == stage


def test_healthy_run_passes_every_stage(
    sandbox: RedCloudSandbox, listen_port: int, tmp_path: Path
) -> None:
    """No fault: exit 0, no failing stage, the lifecycle webhooks were received and verified."""
    log = tmp_path / "e.jsonl"
    result = run_doctor(sandbox, log, *send_args(listen_port))
    assert result.exit_code == ExitCode.OK, result.output
    assert first_failing(result) is None
    hooks = [r for r in map(orjson.loads, log.read_bytes().splitlines()) if r["kind"] == "webhook"]
    assert {hook["signature"] for hook in hooks} == {"valid"}
    assert "message.delivery" in {hook["event"] for hook in hooks}


def test_doctor_stops_at_the_first_failing_stage(sandbox: RedCloudSandbox, tmp_path: Path) -> None:
    """With the token failing, no CORE route is called at all."""
    sandbox.faults.inactive_client = True
    log = tmp_path / "e.jsonl"
    run_doctor(sandbox, log)
    assert stages_called(log) == ["token"]


def test_whoami_is_retried_once_with_a_fresh_token(
    sandbox: RedCloudSandbox, tmp_path: Path
) -> None:
    """On 401 from whoami, doctor gets a new token and retries once, as the guide advises."""
    sandbox.faults.expired_tokens = True
    log = tmp_path / "e.jsonl"
    run_doctor(sandbox, log)
    assert stages_called(log) == ["token", "whoami", "token", "whoami"]


def test_no_send_without_the_send_flag(sandbox: RedCloudSandbox, tmp_path: Path) -> None:
    """Without --send, doctor stops after numbers and never calls the send route."""
    log = tmp_path / "e.jsonl"
    result = run_doctor(sandbox, log)
    assert result.exit_code == ExitCode.OK, result.output
    assert stages_called(log) == ["token", "whoami", "numbers"]


def test_send_uses_a_stable_idempotency_key(
    sandbox: RedCloudSandbox, listen_port: int, tmp_path: Path
) -> None:
    """Two runs with the same arguments send under the same Idempotency-Key fingerprint."""
    log = tmp_path / "e.jsonl"
    run_doctor(sandbox, log, "--send", "--to", "+15551234567", "--from", "num_abc123")
    run_doctor(sandbox, log, "--send", "--to", "+15551234567", "--from", "num_abc123")
    records = [orjson.loads(line) for line in log.read_bytes().splitlines()]
    keys = [r["idempotency"]["fingerprint"] for r in records if r.get("stage") == "send"]
    assert len(keys) == 2 and keys[0] == keys[1]


def test_evidence_is_appended_and_the_report_covers_this_run(
    sandbox: RedCloudSandbox, tmp_path: Path
) -> None:
    """Earlier lines of the log are kept; the report counts only this run's calls."""
    log = tmp_path / "e.jsonl"
    log.write_bytes(b'{"msg":"earlier line"}\n')
    run_doctor(sandbox, log)
    result = run_doctor(sandbox, log)
    assert log.read_bytes().startswith(b'{"msg":"earlier line"}\n')
    assert orjson.loads(result.stdout)["inputs"]["calls"] == 3
    assert len(stages_called(log)) == 1 + 6


def test_numbers_are_checked_for_active_and_flags(sandbox: RedCloudSandbox, tmp_path: Path) -> None:
    """Each number gets a line: an INACTIVE number is called out."""
    result = run_doctor(sandbox, tmp_path / "e.jsonl")
    assert "num_inactive: INACTIVE, SMS yes, MMS yes: not ACTIVE" in result.stderr
    assert "num_abc123: ACTIVE, SMS yes, MMS yes: ok" in result.stderr


def test_client_secret_never_appears_in_output_or_log(
    sandbox: RedCloudSandbox, tmp_path: Path
) -> None:
    """The secret from RC_CLIENT_SECRET is in neither the output nor the evidence."""
    log = tmp_path / "e.jsonl"
    result = run_doctor(sandbox, log)
    assert sandbox.client_secret not in result.output
    assert sandbox.client_secret.encode() not in log.read_bytes()


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ([], {"RC_CLIENT_ID": "", "RC_CLIENT_SECRET": ""}, "RC_CLIENT_ID and RC_CLIENT_SECRET"),
        (["--send", "--to", "+15551234567"], {}, "--send needs --to E164 and --from NUMBER_ID"),
        (["--webhook-listen", "0"], {}, "add --send"),
        (["--to", "+15551234567"], {}, "only apply with --send"),
        ([], {"RC_BASE_URL": ""}, "--base-url"),
    ],
    ids=["no-credentials", "send-without-from", "listen-without-send", "to-without-send",
         "no-base-url"],
)
def test_usage_errors_exit_2(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    """Missing settings are usage errors (exit 2) that say what to fix."""
    base = {"RC_CLIENT_ID": "id", "RC_CLIENT_SECRET": "s", "RC_BASE_URL": "http://127.0.0.1:9"}
    result = CliRunner().invoke(
        main, ["doctor", "--log", str(tmp_path / "e.jsonl"), *args], env={**base, **env}
    )
    assert result.exit_code == ExitCode.USAGE
    assert message in result.output


def test_installed_command_runsrun_doctor(sandbox: RedCloudSandbox, tmp_path: Path) -> None:
    """The installed `escalate doctor` runs against the sandbox and writes the report."""
    log = tmp_path / "e.jsonl"
    command = [str(Path(sys.executable).with_name("escalate")), "doctor", "--log", str(log),
               "--format", "markdown"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env={**env_for(sandbox), "PATH": "/usr/bin:/bin"})  # fmt: skip
    assert done.returncode == ExitCode.OK, done.stderr
    assert "no failing stage" in done.stdout.lower() or "No failure" in done.stdout
    assert stages_called(log) == ["token", "whoami", "numbers"]


def test_unreachable_host_fails_the_token_stage(tmp_path: Path) -> None:
    """With nothing listening, doctor names the token stage (no response)."""
    env = {"RC_CLIENT_ID": "id", "RC_CLIENT_SECRET": "s",
           "RC_BASE_URL": f"http://127.0.0.1:{free_port()}"}  # fmt: skip
    result = CliRunner().invoke(
        main, ["doctor", "--log", str(tmp_path / "e.jsonl"), "--format", "json",
               "--timeout", "2s"], env=env,
    )  # fmt: skip
    assert result.exit_code == ExitCode.FINDINGS, result.output
    assert first_failing(result) == "token"
