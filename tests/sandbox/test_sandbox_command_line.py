"""`python -m escalate.sandbox` switches every fault on from its command line.

The switches are made from `Faults` itself: every field has one, documented in `--help`, and each
is rehearsed here end to end: the module started in a process with the switch, reached over
loopback.
"""

from __future__ import annotations

import contextlib
import dataclasses
import subprocess
import sys
import time
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from escalate import verify_signature
from escalate.sandbox import Faults, WebhookSink
from escalate.sandbox.__main__ import _parse
from escalate.sandbox._switches import faults_from, switch_name

from ._api import Answer, get, request_token, send, sms, token

FAULT_FIELDS = dataclasses.fields(Faults)
KINDS = typing.get_type_hints(Faults)
FORM = "grant_type=client_credentials&client_id={0.client_id}&client_secret={0.client_secret}"
#: How long a rehearsal of a webhook fault waits for events that must never come.
QUIET_S = 1.0


@dataclass(frozen=True)
class SandboxProcess:
    """A sandbox running in its own process, as its start-up lines describe it."""

    base_url: str
    client_id: str
    client_secret: str
    webhook_secret: str
    faults: str


@contextlib.contextmanager
def sandbox_process(*switches: str) -> Iterator[SandboxProcess]:
    """Start `python -m escalate.sandbox --port 0 SWITCHES...`; stop it (SIGTERM) afterwards."""
    command = [sys.executable, "-m", "escalate.sandbox", "--port", "0", *switches]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        yield _started(process)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _started(process: subprocess.Popen[str]) -> SandboxProcess:
    """Read the start-up lines up to `faults=...`."""
    assert process.stdout is not None
    first = process.stdout.readline()
    assert first.startswith("Red Cloud sandbox listening on "), first
    values: dict[str, str] = {}
    while "faults" not in values:
        line = process.stdout.readline()
        assert line, f"the sandbox stopped before printing its faults: {values}"
        name, _, value = line.rstrip("\n").partition("=")
        values[name] = value
    return SandboxProcess(first.split()[-1], values["client_id"], values["client_secret"],
                          values["webhook_secret"], values["faults"])  # fmt: skip


def sample_argv(spec: dataclasses.Field[Any]) -> tuple[list[str], object]:
    """Command-line words switching one fault on, and the value the field must then hold."""
    kind, switch = KINDS[spec.name], switch_name(spec.name)
    if kind is bool:
        return [switch], True
    if kind in (int, float):
        return [switch, "7"], kind(7)
    if typing.get_origin(kind) is set:
        return [switch, "send", "token"], {"send", "token"}
    raise AssertionError(f"no sample value for Faults.{spec.name}: {kind!r}")


@pytest.fixture(scope="module")
def help_text() -> str:
    """`python -m escalate.sandbox --help`, whitespace collapsed."""
    done = subprocess.run([sys.executable, "-m", "escalate.sandbox", "--help"],
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return " ".join(done.stdout.split())


@pytest.mark.parametrize("spec", FAULT_FIELDS, ids=lambda spec: spec.name)
def test_every_fault_has_a_documented_switch(spec: dataclasses.Field[Any], help_text: str) -> None:
    """`--help` lists each Faults field's switch with the field's own help text."""
    assert switch_name(spec.name) in help_text
    assert " ".join(spec.metadata["help"].split()) in help_text


@pytest.mark.parametrize("spec", FAULT_FIELDS, ids=lambda spec: spec.name)
def test_a_switch_sets_its_fault_and_nothing_else(spec: dataclasses.Field[Any]) -> None:
    """Each switch gives the Faults the Python API would: that one field changed."""
    argv, value = sample_argv(spec)
    assert faults_from(_parse(argv)) == dataclasses.replace(Faults(), **{spec.name: value})


def test_no_switch_is_a_healthy_server() -> None:
    """Without switches the faults are the Python API's defaults."""
    assert faults_from(_parse([])) == Faults()


@pytest.mark.parametrize(
    "argv", [["--server-error-routes", "tokn"], ["--delay-s", "-1"], ["--token-lifetime-s", "x"]]
)
def test_a_wrong_switch_value_is_a_usage_error(argv: list[str]) -> None:
    """An unknown route or a negative or non-numeric number: exit 2 before serving."""
    done = subprocess.run([sys.executable, "-m", "escalate.sandbox", *argv],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and "error: argument" in done.stderr


def _events(sink: WebhookSink) -> list[str]:
    return [str(hook.json()["type"]) for hook in sink.received]


def _wait_for(condition: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def _accepted_send(rc: SandboxProcess) -> Answer:
    answer = send(rc, token(rc), sms())
    assert answer.status == 202, answer
    return answer


def _inactive_client(rc: SandboxProcess, sink: WebhookSink) -> None:
    answer = request_token(rc, FORM.format(rc))
    assert (answer.status, answer.body["error"]) == (401, "invalid_client")


def _expired_tokens(rc: SandboxProcess, sink: WebhookSink) -> None:
    answer = get(rc, "/api/core/whoami", token(rc))
    assert (answer.status, answer.code) == (401, "UNAUTHORIZED")


def _token_lifetime(rc: SandboxProcess, sink: WebhookSink) -> None:
    assert request_token(rc, FORM.format(rc)).body["expires_in"] == 7


def _server_error_routes(rc: SandboxProcess, sink: WebhookSink) -> None:
    assert request_token(rc, FORM.format(rc)).body["error"] == "server_error"


def _upstream_error_routes(rc: SandboxProcess, sink: WebhookSink) -> None:
    answer = request_token(rc, FORM.format(rc))
    assert (answer.status, answer.body["error"]) == (502, "server_error")


def _delay(rc: SandboxProcess, sink: WebhookSink) -> None:
    with pytest.raises(OSError):  # urllib's timeout, after 0.2 s of a 7 s delay
        get(rc, "/api/core/whoami", None, timeout=0.2)


def _drop_webhooks(rc: SandboxProcess, sink: WebhookSink) -> None:
    _accepted_send(rc)
    assert not _wait_for(lambda: bool(sink.received), QUIET_S)


def _bad_signatures(rc: SandboxProcess, sink: WebhookSink) -> None:
    _accepted_send(rc)
    assert _wait_for(lambda: "message.delivery" in _events(sink))
    assert not any(
        verify_signature(rc.webhook_secret, hook.headers["X-RedCloud-Timestamp"], hook.body,
                         hook.headers["X-RedCloud-Signature"])
        for hook in sink.received
    )  # fmt: skip


def _fail_deliveries(rc: SandboxProcess, sink: WebhookSink) -> None:
    _accepted_send(rc)
    assert _wait_for(lambda: "message.failed" in _events(sink))
    assert "message.delivery" not in _events(sink)


def _stop_after_queued(rc: SandboxProcess, sink: WebhookSink) -> None:
    _accepted_send(rc)
    assert _wait_for(lambda: "message.queued" in _events(sink))
    assert not _wait_for(lambda: len(sink.received) > 1, QUIET_S)


#: Each fault's rehearsal: what its sample switch (sample_argv) does to the next requests.
REHEARSALS: dict[str, Callable[[SandboxProcess, WebhookSink], None]] = {
    "inactive_client": _inactive_client,
    "expired_tokens": _expired_tokens,
    "token_lifetime_s": _token_lifetime,
    "server_error_routes": _server_error_routes,
    "upstream_error_routes": _upstream_error_routes,
    "delay_s": _delay,
    "drop_webhooks": _drop_webhooks,
    "bad_webhook_signatures": _bad_signatures,
    "fail_deliveries": _fail_deliveries,
    "stop_after_queued": _stop_after_queued,
}


def test_every_fault_is_rehearsed_end_to_end() -> None:
    """A fault added to Faults needs its rehearsal here: the list is checked against the fields."""
    assert set(REHEARSALS) == {spec.name for spec in FAULT_FIELDS}


@pytest.mark.parametrize("spec", FAULT_FIELDS, ids=lambda spec: spec.name)
def test_switch_rehearses_its_fault_over_loopback(
    spec: dataclasses.Field[Any], webhook_sink: WebhookSink
) -> None:
    """The module started with one switch answers as that fault says; it prints the switch."""
    argv, _ = sample_argv(spec)
    with sandbox_process("--webhook-url", webhook_sink.url, *argv) as rc:
        assert rc.faults == " ".join(argv)
        REHEARSALS[spec.name](rc, webhook_sink)


def test_without_switches_the_process_is_healthy(webhook_sink: WebhookSink) -> None:
    """The control: no switch, a token, a whoami, a send and its full lifecycle."""
    with sandbox_process("--webhook-url", webhook_sink.url) as rc:
        assert rc.faults == "(none)"
        assert get(rc, "/api/core/whoami", token(rc)).status == 200
        _accepted_send(rc)
        assert _wait_for(lambda: "message.delivery" in _events(sink=webhook_sink))


@pytest.mark.parametrize("spec", FAULT_FIELDS, ids=lambda spec: spec.name)
def test_every_fault_switch_is_documented(spec: dataclasses.Field[Any]) -> None:
    """docs/sandbox.md's table of switches lists each one."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "sandbox.md").read_text(encoding="utf-8")
    assert f"| `{switch_name(spec.name)}" in page
