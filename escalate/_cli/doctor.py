"""The `escalate doctor` command: the debugging order, live, then the report on its evidence.

Credentials come from RC_CLIENT_ID / RC_CLIENT_SECRET (never argv), the API host from
`--base-url` or RC_BASE_URL, the webhook signing secret from RC_WEBHOOK_SECRET. Exit codes:
0 no finding, 1 findings (the first failing stage is on top of the report), 2 usage error.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from escalate._cli._command import EscalateCommand
from escalate._cli._exit import ExitCode
from escalate._cli._options import (
    InputProblem,
    format_option,
    load_config_or_exit,
    scan_config_option,
)
from escalate._cli._output import write_rendered
from escalate._doctor import (
    ENV_WEBHOOK_SECRET,
    DoctorSettings,
    SendSpec,
    SettingsError,
    StepResult,
    base_url_from,
    credentials_from_env,
    run_doctor,
)
from escalate._render import Format, render
from escalate._report import OptionError, parse_duration
from escalate._scan import SecretScanner

DEFAULT_LOG = "redcloud-evidence.jsonl"


def _seconds(ctx: click.Context, param: click.Parameter, value: str) -> float:
    try:
        return parse_duration(value)
    except OptionError as error:
        raise click.BadParameter(str(error)) from None


@click.command(
    "doctor", cls=EscalateCommand,
    extra_arguments_hint="doctor takes options only; set RC_CLIENT_ID and RC_CLIENT_SECRET in the "
    "environment",
)  # fmt: skip
@click.option("--base-url", help="The Red Cloud API host [default: $RC_BASE_URL].")
@click.option("--log", "log_path", type=click.Path(dir_okay=False),
              help="Evidence log to append to [default: $ESCALATE_LOG or ./redcloud-evidence.jsonl].")  # noqa: E501  # fmt: skip
@click.option("--send", is_flag=True, help="Also make a test send (needs --to and --from).")
@click.option("--to", "to", metavar="E164", help="Recipient of the test send, e.g. +15551234567.")
@click.option("--from", "from_number", metavar="NUMBER_ID", help="numberId to send from.")
@click.option("--type", "message_type", type=click.Choice(["SMS", "MMS"]), default="SMS",
              show_default=True, help="Message type of the test send.")  # fmt: skip
@click.option("--webhook-listen", "port", type=click.IntRange(0, 65535), metavar="PORT",
              help="Receive the send's webhooks on 127.0.0.1:PORT and wait for them.")  # fmt: skip
@click.option("--wait", "wait_s", default="120s", show_default=True, callback=_seconds,
              metavar="DURATION", help="How long to wait for the webhooks.")  # fmt: skip
@click.option("--timeout", "timeout_s", default="10s", show_default=True, callback=_seconds,
              metavar="DURATION", help="Timeout of each API call.")  # fmt: skip
@format_option(help="Report format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE.")  # fmt: skip
@scan_config_option
def doctor_command(
    base_url: str | None, log_path: str | None, send: bool, to: str | None,
    from_number: str | None, message_type: str, port: int | None, wait_s: float,
    timeout_s: float, fmt: Format, output: Path | None, scan_config: Path | None,
) -> None:  # fmt: skip
    """Run token, whoami, numbers (and a test send) live; stop at the first failing stage."""
    scanner = SecretScanner(load_config_or_exit(scan_config))
    settings = _settings(base_url, log_path, _send_spec(send, to, from_number, message_type),
                         port, wait_s, timeout_s)  # fmt: skip
    try:
        result = run_doctor(settings, notify=lambda step: _echo_step(step, scanner))
    except ModuleNotFoundError as error:
        if error.name != "httpx":
            raise
        message = "escalate doctor needs httpx: pip install 'escalate[httpx]'"
        raise InputProblem(message) from None
    report = scanner.scan_strings(result.report)
    write_rendered(lambda: render(report, fmt), scanner, output)
    click.echo(f"evidence appended to {settings.log_path}", err=True)
    click.get_current_context().exit(int(ExitCode.FINDINGS if report.findings else ExitCode.OK))


def _send_spec(send: bool, to: str | None, from_number: str | None, kind: str) -> SendSpec | None:
    """The test send, only when explicitly asked for with --send."""
    if not send:
        if to or from_number:
            raise click.UsageError("--to and --from only apply with --send")
        return None
    if not to or not from_number:
        raise click.UsageError("--send needs --to E164 and --from NUMBER_ID")
    return SendSpec(to=to, from_number=from_number, message_type=kind)


def _settings(
    base_url: str | None, log_path: str | None, send: SendSpec | None, port: int | None,
    wait_s: float, timeout_s: float,
) -> DoctorSettings:  # fmt: skip
    """Settings from options and the environment; usage error when something is missing."""
    if port is not None and send is None:
        raise click.UsageError("--webhook-listen waits for a test send's webhooks: add --send")
    try:
        client_id, client_secret = credentials_from_env()
        url = base_url_from(base_url)
    except SettingsError as error:
        raise InputProblem(str(error)) from None
    return DoctorSettings(
        base_url=url, client_id=client_id, client_secret=client_secret,
        log_path=log_path or os.environ.get("ESCALATE_LOG") or DEFAULT_LOG, send=send,
        webhook_port=port, webhook_secret=os.environ.get(ENV_WEBHOOK_SECRET) or None,
        wait_s=wait_s, timeout_s=timeout_s,
    )  # fmt: skip


def _echo_step(step: StepResult, scanner: SecretScanner) -> None:
    """One progress line per stage on stderr, scanned like everything else."""
    mark = "ok  " if step.ok else "FAIL"
    click.echo(scanner.scan_text(f"[{mark}] {step.stage}: {step.detail}"), err=True)
    for note in step.notes:
        click.echo(scanner.scan_text(f"       {note}"), err=True)
