"""`build_report`: inputs -> reader -> filters -> aggregator -> diagnosis -> `Report`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

from escalate._report._aggregation._citable import Citing, evidence_filter
from escalate._report._aggregation._state import AggregateState
from escalate._report._aggregation._timeline import build_timeline
from escalate._report._client_filter import spool_stdin, with_client
from escalate._report._diagnosis._coverage import missing_logs, no_evidence
from escalate._report._diagnosis._related import with_operations
from escalate._report._diagnosis._verdicts import (
    evaluate_rules,
    first_failing,
    headline,
    mark_caused_by,
    stage_verdicts,
)
from escalate._report._diagnosis.rules import RuleContext
from escalate._report._diagnosis.rules._webhooks import accepted_count, undecided_count
from escalate._report._engine import Aggregated, aggregate_inputs
from escalate._report._filters import (
    Engine,
    RecordFilter,
    ReportOptions,
    build_filter,
    filter_description,
)
from escalate._report._input_counts import absolute_examples
from escalate._report._model import Finding, InputSummary, Report, ReportVerdict, SkippedLines
from escalate._report._reading._inputs import ResolvedInputs, resolve_inputs
from escalate._report._reading._reader import MAX_EXAMPLES
from escalate._report._reading._sources import InputChecksum, Source
from escalate._schema import STAGE_WEBHOOKS
from escalate._version import __version__

_CLIENT_KEYS = (
    "apiClientId",
    "apiClientStatus",
    "capabilities",
    "assignedNumbers",
    "inboundWebhookConfigured",
    "deliveryWebhookConfigured",
)


def build_report(paths: Sequence[str] | ResolvedInputs, *, options: ReportOptions) -> Report:
    """Read the logs at `paths` (or the inputs they resolved to) and diagnose them; raises
    `InputError` or `OptionError`."""
    read = read_inputs(paths, options)
    return report_from_state(read.state, options, read.files, read.skipped)


class InputsRead(NamedTuple):
    """The aggregated state of the inputs, which inputs they were, and their checksums."""

    state: AggregateState
    files: tuple[str, ...]  #: the input names, each once, in the order given
    skipped: tuple[tuple[str, str], ...]  #: directory or glob entries not read, with why
    #: `(name, bytes, sha256)` of every input as stored, in input order (with `checksums`)
    checksums: tuple[InputChecksum, ...]


def read_inputs(
    paths: Sequence[str] | ResolvedInputs,
    options: ReportOptions,
    *,
    checksums: bool = False,
    citing: bool = False,
) -> InputsRead:
    """Resolve `paths` once and aggregate them in one pass (after the pre-passes that filters
    need). `checksums`: also checksum every input as it is read (standard input included);
    `citing`: also keep the records a finding may cite (`state.citable`)."""
    resolved = paths if isinstance(paths, ResolvedInputs) else resolve_inputs(paths)
    read = _aggregate(resolved.sources, options, checksums, citing)
    names = tuple(dict.fromkeys(source.name for source in resolved.sources))
    return InputsRead(read.state, names, resolved.skipped, read.checksums)


def _aggregate(
    sources: Sequence[Source], options: ReportOptions, checksums: bool, citing: bool
) -> Aggregated:
    """The pass over the sources, with the filters (`--client` and ids need passes before it)."""
    record_filter = build_filter(options)
    spooled = None
    try:
        if record_filter is not None and (record_filter.message_id or record_filter.request_id):
            sources, spooled = spool_stdin(sources)
            record_filter = with_operations(sources, record_filter)
        if options.client is not None:
            if spooled is None:
                sources, spooled = spool_stdin(sources)
            record_filter = with_client(sources, record_filter, options.client)
        cites = Citing(evidence_filter(record_filter)) if citing else None
        return _aggregate_with(sources, record_filter, options, checksums, cites)
    finally:
        if spooled:
            os.unlink(spooled)


def _aggregate_with(
    sources: Sequence[Source],
    record_filter: RecordFilter | None,
    options: ReportOptions,
    checksums: bool,
    citing: Citing | None,
) -> Aggregated:
    if options.engine is Engine.DASK:
        from escalate._report._dask import dask_pass  # only a Dask run pays for it

        return dask_pass(
            sources, record_filter, options.scheduler, progress=options.progress,
            checksums=checksums, citing=citing,
        )  # fmt: skip
    return aggregate_inputs(
        sources, record_filter, jobs=max(options.jobs, 1), progress=options.progress,
        checksums=checksums, citing=citing,
    )  # fmt: skip


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
    undecided = undecided_count(state, options.delivery_grace_s)
    stages = stage_verdicts(state, findings, undecided)
    first = first_failing(stages)
    findings = mark_caused_by(findings, first)
    timeline, slice_s = build_timeline(state)
    absent = no_evidence(state, filter_description(options))
    webhook_findings = sum(1 for f in findings if f.stage == STAGE_WEBHOOKS)
    missing = missing_logs(state, accepted_count(state), webhook_findings)
    return Report(
        generated_by=f"escalate {__version__}",
        inputs=_inputs(state, options, files, skipped_entries),
        stages=stages,
        first_failing_stage=first,
        headline=headline(stages, findings, state, absent, missing, undecided),
        findings=findings,
        client_context=_client_context(state),
        verdict="no_evidence" if absent else _verdict(first, findings),
        no_evidence=absent,
        missing_logs=missing,
        timeline=timeline,
        timeline_slice_s=slice_s,
    )


def _verdict(first: str | None, findings: tuple[Finding, ...]) -> ReportVerdict:
    if first is not None:
        return "fail"
    return "warnings" if findings else "pass"


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
        envelopes=tuple(sorted(state.envelopes.items())),
    )


def _client_context(state: AggregateState) -> tuple[tuple[str, str], ...]:
    """Who and where: the token requests' client_id, whoami's facts, the API host(s)."""
    pairs: list[tuple[str, str]] = []
    if state.client_ids:
        pairs.append(("client_id (token request)", _most_first(state.client_ids)))
    if state.whoami is not None:
        summary = state.whoami[1]
        pairs.extend((key, _text(summary[key])) for key in _CLIENT_KEYS if key in summary)
    if state.hosts:
        pairs.append(("API host", _most_first(state.hosts)))
    return tuple(pairs)


def _most_first(counts: dict[str, int]) -> str:
    return ", ".join(sorted(counts, key=lambda name: (-counts[name], name)))


def _text(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        # sorted: a record's key order is the encoder's (a log platform may sort keys)
        return ", ".join(f"{key}={item}" for key, item in sorted(value.items()))
    return str(value)
