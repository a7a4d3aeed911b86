"""Select the evidence a report cites: a second streaming pass over the same inputs.

The report engine keeps no records, only what its findings cite (requestIds, messageIds and the
timestamps of the calls in each escalation package). This pass reads the inputs again with the
same filters and keeps, as plain dicts, the records those citations name, plus the calls that
define each stage's verdict (its first call, its last call and its first failure), so a bundle is
small and says nothing about unrelated traffic. A selected record keeps the fields of
docs/record-schema.md only: keys another writer added (structlog context such as a customer's
e-mail) are left out.

Records are found by the report's own reader (any JSON spacing, the envelopes it unwraps, the
same framing); a line over its `MAX_LINE` is skipped without being held, so memory stays bounded
whatever the input.

Each cited value selects a bounded number of records (the first ones in input order): a requestId
or a timestamp `MAX_PER_CALL_CITATION`, a messageId `MAX_PER_MESSAGE` (its send, the lifecycle
events and their retries). Real requestIds are unique, but logs replayed or merged twice are not.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from escalate._report._client_filter import with_client
from escalate._report._filters import ReportOptions, build_filter, call_message_ids
from escalate._report._model import Report
from escalate._report._reading._inputs import resolve_sources
from escalate._report._reading._reader import Consume, LineStats, parsed, scan_steps
from escalate._report._reading._records import BrokenRecord, CallRecord, Record, record_from_object
from escalate._report._reading._sources import Source
from escalate._schema import FIELDS_BY_KIND, STAGE_WEBHOOKS

#: (source index, line number): where a record was read, its identity and its tie-breaker.
Position = tuple[int, int]
MAX_PER_CALL_CITATION = 5
MAX_PER_MESSAGE = 20


@dataclass(frozen=True)
class Citations:
    """What a report's findings point at."""

    request_ids: frozenset[str]
    message_ids: frozenset[str]
    timestamps: frozenset[str]


@dataclass
class _StageMarks:
    """The stage-defining records of one stage seen so far (small, whatever the log size)."""

    first: tuple[Position, dict[str, Any]] | None = None
    last: tuple[Position, dict[str, Any]] | None = None
    first_failure: tuple[Position, dict[str, Any]] | None = None

    def note(self, position: Position, raw: dict[str, Any], failed: bool) -> None:
        """Remember a record of this stage."""
        if self.first is None:
            self.first = (position, raw)
        self.last = (position, raw)
        if failed and self.first_failure is None:
            self.first_failure = (position, raw)

    def chosen(self) -> Iterator[tuple[Position, dict[str, Any]]]:
        """The records that define the stage."""
        yield from (mark for mark in (self.first, self.last, self.first_failure) if mark)


@dataclass
class _Selection:
    """Cited records and stage marks, keyed by position so nothing is kept twice."""

    cited: dict[Position, dict[str, Any]] = field(default_factory=dict)
    stages: dict[str, _StageMarks] = field(default_factory=dict)
    uses: dict[tuple[str, str], int] = field(default_factory=dict)

    def cite(self, position: Position, raw: dict[str, Any], keys: list[tuple[str, str]]) -> None:
        """Keep a cited record unless every value citing it already selected enough records."""
        if all(self.uses.get(key, 0) >= _limit(key[0]) for key in keys):
            return
        for key in keys:
            self.uses[key] = self.uses.get(key, 0) + 1
        self.cited[position] = raw

    def records(self) -> list[dict[str, Any]]:
        """The selected records in time order (input order among equal times): the same for a
        log and its newest-first export."""
        chosen = dict(self.cited)
        for marks in self.stages.values():
            chosen.update(marks.chosen())
        return [chosen[position] for position in sorted(chosen, key=lambda p: (chosen[p]["ts"], p))]


def _limit(kind: str) -> int:
    """How many records one cited value of this kind may select."""
    return MAX_PER_MESSAGE if kind == "message" else MAX_PER_CALL_CITATION


def citations(report: Report) -> Citations:
    """Collect every requestId, messageId and call timestamp the report's findings cite."""
    request_ids: set[str] = set()
    message_ids: set[str] = set()
    timestamps: set[str] = set()
    for finding in report.findings:
        request_ids.update(finding.evidence.request_ids)
        message_ids.update(finding.evidence.message_ids)
        for row in finding.package.rows:
            timestamps.add(row.timestamp)
            message_ids.update(row.message_ids)
            if row.request_id:
                request_ids.add(row.request_id)
    return Citations(frozenset(request_ids), frozenset(message_ids), frozenset(timestamps))


def select_evidence(
    paths: Sequence[str], options: ReportOptions, report: Report
) -> list[dict[str, Any]]:
    """Return the raw records (as parsed, not yet scanned) that `report` cites, in input order."""
    sources = resolve_sources(paths)
    record_filter = build_filter(options)
    if options.client is not None:
        record_filter = with_client(sources, record_filter, options.client)
    cited = citations(report)
    selection = _Selection()
    for position, raw, record in _records(sources):
        if record_filter is not None and not record_filter.accepts(record):
            continue
        keys = _citing_keys(record, cited)
        if keys:
            selection.cite(position, raw, keys)
        stage = record.stage if isinstance(record, CallRecord) else STAGE_WEBHOOKS
        selection.stages.setdefault(stage, _StageMarks()).note(position, raw, _failed(record))
    return selection.records()


def _citing_keys(record: Record, cited: Citations) -> list[tuple[str, str]]:
    """The cited values that name this record, as `(kind, value)` pairs."""
    if not isinstance(record, CallRecord):
        found = record.message_id in cited.message_ids if record.message_id else False
        return [("message", record.message_id)] if found and record.message_id else []
    keys = [("message", mid) for mid in call_message_ids(record) if mid in cited.message_ids]
    if record.ts in cited.timestamps:
        keys.append(("ts", record.ts))
    if record.request_id is not None and record.request_id in cited.request_ids:
        keys.append(("request", record.request_id))
    return keys


def _failed(record: Record) -> bool:
    """A failing call, or a webhook whose signature or answer was not right."""
    if isinstance(record, CallRecord):
        return record.outcome != "ok"
    status_ok = record.response_status is not None and 200 <= record.response_status < 300
    return record.signature in ("invalid", "missing") or not status_ok


def _records(sources: Sequence[Source]) -> Iterator[tuple[Position, dict[str, Any], Record]]:
    """Yield every usable record with its position and its schema fields, found as the report's
    reader finds them (any JSON spacing, envelopes, bounded lines); skip everything else."""
    for index, source in enumerate(sources):
        found: list[tuple[dict[str, Any], Record]] = []
        number = 0
        stats = LineStats()
        for _ in scan_steps(source.chunks(), stats, parsed(_keeping(found), stats)):
            for raw, record in found:
                number += 1
                yield (index, number), schema_fields(raw), record
            found.clear()


def _keeping(found: list[tuple[dict[str, Any], Record]]) -> Consume:
    """The reader's record consumer that keeps each usable record with its parsed value."""

    def keep(value: object) -> str | None:
        try:
            record = record_from_object(value)
        except BrokenRecord as broken:
            return broken.reason
        if isinstance(value, dict):  # always: record_from_object takes JSON objects only
            found.append((value, record))
        return None

    return keep


def schema_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """The record with only the fields its kind has in docs/record-schema.md, in that order;
    nested objects with their keys sorted (the same record however its writer ordered them)."""
    kind = raw.get("kind")
    fields = FIELDS_BY_KIND.get(kind, ()) if isinstance(kind, str) else ()
    return {key: _sorted_keys(raw[key]) for key in fields if key in raw}


def _sorted_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(item) for item in value]
    return value
