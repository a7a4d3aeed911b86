"""`run_doctor`: the live debugging order, then the same report as `escalate report`.

The run appends its evidence to the configured log, stops at the first failing stage, and builds
the report from the records of this run only (`--since` its start time). With a webhook listener
the wait already happened, so the report's delivery grace is 0: an accepted message whose
lifecycle did not arrive within `--wait` is overdue.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from escalate._capture._emit import flush
from escalate._capture._instrument import configure, instrument
from escalate._doctor._listener import WebhookListener
from escalate._doctor._settings import DoctorSettings
from escalate._doctor._steps import (
    Session,
    Step,
    StepResult,
    numbers_step,
    send_step,
    token_step,
    webhooks_step,
    whoami_step,
)
from escalate._report import ReportOptions, build_report
from escalate._report._model import Report
from escalate._report._reading._records import format_ts


@dataclass(frozen=True)
class DoctorResult:
    """The stages run (stopping at the first failure) and the report on their evidence."""

    steps: tuple[StepResult, ...]
    report: Report


def plan(settings: DoctorSettings) -> tuple[Step, ...]:
    """The stages to run, in the debugging order."""
    steps: tuple[Step, ...] = (token_step, whoami_step, numbers_step)
    if settings.send is not None:
        steps += (send_step,)
        if settings.webhook_port is not None:
            steps += (webhooks_step,)
    return steps


def run_doctor(
    settings: DoctorSettings, *, notify: Callable[[StepResult], None] | None = None
) -> DoctorResult:
    """Run the stages live, append the evidence to `settings.log_path`, report on it."""
    started = format_ts(datetime.now(timezone.utc) - timedelta(milliseconds=1))
    configure(path=settings.log_path)
    steps: list[StepResult] = []
    with _session(settings) as session:
        for step in plan(settings):
            result = step(session)
            steps.append(result)
            if notify is not None:
                notify(result)
            if not result.ok:
                break
    flush()  # the successful calls' records may still be on the writer thread
    options = ReportOptions(since=started)
    if settings.webhook_port is not None and settings.send is not None:
        options = dataclasses.replace(options, delivery_grace_s=0.0)
    return DoctorResult(tuple(steps), build_report([settings.log_path], options=options))


@contextlib.contextmanager
def _session(settings: DoctorSettings) -> Iterator[Session]:
    """An instrumented client, and the webhook listener when one was asked for."""
    import httpx  # the `httpx` extra; the CLI turns its absence into a usage error

    with contextlib.ExitStack() as stack:
        client = stack.enter_context(
            instrument(httpx.Client(base_url=settings.base_url, timeout=settings.timeout_s))
        )
        listener = None
        if settings.webhook_port is not None and settings.send is not None:
            listener = stack.enter_context(
                WebhookListener(settings.webhook_port, settings.webhook_secret)
            )
        yield Session(client, settings, listener)
