"""Select the evidence a report cites, from the candidates its own pass kept.

The report engine keeps no records, only what its findings cite (requestIds, messageIds and the
timestamps of the calls in each escalation package). The same pass keeps, beside its state, the
records any finding may cite (`escalate._report._aggregation._citable`, bounded whatever the log
size); once the report is made, this module picks among them, as plain dicts, the records its
citations name, plus the records that define each stage (its first, its last and its first
failure), so a bundle is small and says nothing about unrelated traffic. The inputs are read
once: standard input works like a file. A selected record keeps the fields of
docs/record-schema.md only: keys another writer added (structlog context such as a customer's
e-mail) are left out.

Records are those the report's reader found (any JSON spacing, the envelopes it unwraps, the same
framing, the same filters; `--message-id` and `--request-id` select the records of the id itself,
not of its whole operation).

Each cited value selects a bounded number of records (the first ones in input order): a requestId
or a timestamp `MAX_PER_CALL_CITATION`, a messageId `MAX_PER_MESSAGE` (its send, the lifecycle
events and their retries). Real requestIds are unique, but logs replayed or merged twice are not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

from escalate._report._aggregation._citable import (
    MAX_PER_MESSAGE,
    Citable,
    Item,
    Position,
)
from escalate._report._build import read_inputs, report_from_state
from escalate._report._engine import gc_paused
from escalate._report._filters import ReportOptions, call_message_ids
from escalate._report._model import Report
from escalate._report._reading._records import BrokenRecord, CallRecord, Record, record_from_object
from escalate._report._reading._sources import InputChecksum
from escalate._schema import FIELDS_BY_KIND

MAX_PER_CALL_CITATION = 5


@dataclass(frozen=True)
class Citations:
    """What a report's findings point at."""

    request_ids: frozenset[str]
    message_ids: frozenset[str]
    timestamps: frozenset[str]


@dataclass
class _Selection:
    """Cited records and stage marks, keyed by position so nothing is kept twice."""

    cited: dict[Position, dict[str, Any]] = field(default_factory=dict)
    stages: dict[Position, dict[str, Any]] = field(default_factory=dict)
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
        chosen = {**self.cited, **self.stages}
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


class Gathered(NamedTuple):
    """A report, the evidence it cites and the inputs' checksums, from one pass over them."""

    report: Report
    evidence: list[dict[str, Any]]  #: raw records (schema fields only), not yet scanned
    checksums: tuple[InputChecksum, ...]  #: of every input as stored, with `checksums`


def gather_evidence(
    paths: Sequence[str], options: ReportOptions, *, checksums: bool = False
) -> Gathered:
    """Read the inputs once: the report, the evidence its findings cite and, with `checksums`,
    the size and SHA-256 of every input (standard input included)."""
    with gc_paused():  # on again once the candidates are freed: a collection would walk them all
        return _gathered(paths, options, checksums)


def _gathered(paths: Sequence[str], options: ReportOptions, checksums: bool) -> Gathered:
    read = read_inputs(paths, options, checksums=checksums, citing=True)
    report = report_from_state(read.state, options, read.files, read.skipped)
    evidence = select_evidence(read.state.citable or Citable(), report)
    return Gathered(report, evidence, read.checksums)


def select_evidence(citable: Citable, report: Report) -> list[dict[str, Any]]:
    """The records among `citable`'s candidates that `report` cites, and each stage's marks."""
    cited = citations(report)
    selection = _Selection()
    for position, item in citable.candidates(cited.message_ids):
        found = _record_of(item)
        if found is None:
            continue
        raw, record = found
        keys = _citing_keys(record, cited)
        if keys:
            selection.cite(position, schema_fields(raw), keys)
    for position, item in citable.stage_marks():
        found = _record_of(item)
        if found is not None:
            selection.stages[position] = schema_fields(found[0])
    return selection.records()


def _record_of(item: Item) -> tuple[dict[str, Any], Record] | None:
    """The parsed record of a candidate (a bare record line is parsed here, once selected)."""
    try:
        raw = orjson.loads(item) if isinstance(item, bytes) else item
        return raw, record_from_object(raw)
    except (orjson.JSONDecodeError, BrokenRecord):  # a number orjson refuses, msgspec took
        return None


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
