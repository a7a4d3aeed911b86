"""The evidence as a second pass over the inputs selects it: the oracle of the one-pass selection.

This is how bundles chose their evidence before the report's pass kept the candidates: read the
inputs again with the same filters and keep, for each cited value, its first records in input
order, plus each stage's first record, last record and first failure. Kept here, written
plainly, so that the one-pass selection is checked against it on every sample.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from escalate._bundle._evidence import _citing_keys, _Selection, citations, schema_fields
from escalate._report._aggregation._state import webhook_failed
from escalate._report._client_filter import with_client
from escalate._report._filters import ReportOptions, build_filter
from escalate._report._model import Report
from escalate._report._reading._inputs import resolve_sources
from escalate._report._reading._reader import LineStats, parsed, scan_steps
from escalate._report._reading._records import BrokenRecord, CallRecord, Record, record_from_object
from escalate._schema import STAGE_WEBHOOKS


def second_pass_evidence(
    paths: Sequence[str], options: ReportOptions, report: Report
) -> list[dict[str, Any]]:
    """The raw records `report` cites, found by reading `paths` again."""
    sources = resolve_sources(paths)
    record_filter = build_filter(options)
    if options.client is not None:
        record_filter = with_client(sources, record_filter, options.client)
    cited = citations(report)
    selection = _Selection()
    marks: dict[str, dict[str, tuple[int, dict[str, Any]]]] = {}
    for position, raw, record in _records(paths):
        if record_filter is not None and not record_filter.accepts(record):
            continue
        keys = _citing_keys(record, cited)
        if keys:
            selection.cite(position, raw, keys)
        stage = record.stage if isinstance(record, CallRecord) else STAGE_WEBHOOKS
        stage_marks = marks.setdefault(stage, {})
        stage_marks.setdefault("first", (position, raw))
        stage_marks["last"] = (position, raw)
        if _failed(record):
            stage_marks.setdefault("failure", (position, raw))
    for stage_marks in marks.values():
        selection.stages.update(stage_marks.values())
    return selection.records()


def _failed(record: Record) -> bool:
    if isinstance(record, CallRecord):
        return record.outcome != "ok"
    return webhook_failed(record.signature, record.response_status)  # the report's definition


def _records(paths: Sequence[str]) -> Iterator[tuple[int, dict[str, Any], Record]]:
    """Every usable record, numbered in input order, with its schema fields."""
    number = 0
    for source in resolve_sources(paths):
        found: list[tuple[dict[str, Any], Record]] = []

        def keep(value: object, found: list[tuple[dict[str, Any], Record]] = found) -> str | None:
            try:
                record = record_from_object(value)
            except BrokenRecord as broken:
                return broken.reason
            if isinstance(value, dict):
                found.append((value, record))
            return None

        stats = LineStats()
        for _ in scan_steps(source.chunks(), stats, parsed(keep, stats)):
            for raw, record in found:
                number += 1
                yield number, schema_fields(raw), record
            found.clear()
