"""`build_report`: inputs -> reader -> filters -> aggregator -> diagnosis -> `Report`."""

from __future__ import annotations

import os
from collections.abc import Sequence

from escalate._report._aggregate import AggregateState
from escalate._report._client import spool_stdin, with_client
from escalate._report._diagnosis import (
    evaluate_rules,
    first_failing,
    headline,
    mark_caused_by,
    stage_verdicts,
)
from escalate._report._engine import absolute_examples, aggregate_sources
from escalate._report._filters import ReportOptions, build_filter, filter_description
from escalate._report._inputs import resolve_inputs
from escalate._report._model import InputSummary, Report, SkippedLines
from escalate._report._reader import MAX_EXAMPLES
from escalate._report._timeline import build_timeline
from escalate._report.rules import RuleContext
from escalate._version import __version__

_CLIENT_KEYS = (
    "apiClientId",
    "apiClientStatus",
    "capabilities",
    "assignedNumbers",
    "inboundWebhookConfigured",
    "deliveryWebhookConfigured",
)


def build_report(paths: Sequence[str], *, options: ReportOptions) -> Report:
    """Read the logs at `paths` and diagnose them; raises `InputError` or `OptionError`."""
    record_filter = build_filter(options)
    resolved = resolve_inputs(paths)
    sources = resolved.sources
    spooled = None
    try:
        if options.client is not None:
            sources, spooled = spool_stdin(sources)
            record_filter = with_client(sources, record_filter, options.client)
        state = aggregate_sources(
            sources, record_filter, jobs=max(options.jobs, 1), progress=options.progress
        )
    finally:
        if spooled:
            os.unlink(spooled)
    names = tuple(dict.fromkeys(source.name for source in resolved.sources))
    return report_from_state(state, options, names, resolved.skipped)


def report_from_state(
    state: AggregateState,
    options: ReportOptions,
    files: tuple[str, ...],
    skipped_entries: tuple[tuple[str, str], ...] = (),
) -> Report:
    """Turn an aggregated state into the report; `skipped_entries` are `(path, reason)` of the
    directory entries that were not read (counted and listed with the skipped lines)."""
    context = RuleContext(options.delivery_grace_s, state.last, files)
    findings = evaluate_rules(state, context)
    stages = stage_verdicts(state, findings, context)
    first = first_failing(stages)
    findings = mark_caused_by(findings, first)
    timeline, slice_s = build_timeline(state)
    return Report(
        generated_by=f"escalate {__version__}",
        inputs=_inputs(state, options, files, skipped_entries),
        stages=stages,
        first_failing_stage=first,
        headline=headline(stages, findings, state),
        findings=findings,
        client_context=_client_context(state),
        timeline=timeline,
        timeline_slice_s=slice_s,
    )


def _inputs(
    state: AggregateState,
    options: ReportOptions,
    files: tuple[str, ...],
    entries: tuple[tuple[str, str], ...],
) -> InputSummary:
    by_reason = dict(state.broken)
    for _, reason in entries:
        by_reason[reason] = by_reason.get(reason, 0) + 1
    # a skipped entry is an example with no line number (0); entries first: they are rarer
    examples = (*((reason, path, 0) for path, reason in entries), *absolute_examples(state))
    skipped = SkippedLines(
        not_evidence=state.not_evidence,
        by_reason=tuple(sorted(by_reason.items())),
        examples=examples[:MAX_EXAMPLES],
    )
    return InputSummary(
        files=files,
        lines=state.lines,
        records=state.records,
        calls=state.calls,
        webhooks=state.webhooks,
        first_seen=state.first,
        last_seen=state.last,
        filters=filter_description(options),
        skipped=skipped,
    )


def _client_context(state: AggregateState) -> tuple[tuple[str, str], ...]:
    if state.whoami is None:
        return ()
    summary = state.whoami[1]
    return tuple((key, _text(summary[key])) for key in _CLIENT_KEYS if key in summary)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}={item}" for key, item in value.items())
    return str(value)
