"""Feed the citation candidates (`_citable.Citable`) from the report's own pass.

One hook per path of the engine:

- without a record filter, the fast path (`_fast_path.folder`, when `state.citable` is set)
  notes each record it folds from the fields it already decoded (no second decode; a webhook
  group knows whether its receipts failed), the line's bytes standing for the record until it
  is selected; a record it decodes whole or parses with orjson is noted from that (`note_record`);
- with a record filter, `filtered_consumer` takes the records as the reference path builds them,
  adds those the filter accepts to the state and, for a bundle or a HAR, notes those the
  evidence filter accepts.
"""

from __future__ import annotations

from escalate._report._aggregation._citable import Citable, Citing, GroupKey, Item
from escalate._report._aggregation._state import (
    AggregateState,
    receipt_settles,
    webhook_failed,
)
from escalate._report._filters import RecordFilter, call_message_ids
from escalate._report._reading._reader import ConsumeLine, LineStats, parsed
from escalate._report._reading._records import (
    BrokenRecord,
    CallRecord,
    Record,
    record_from_object,
)
from escalate._schema import (
    OUTCOME_OK,
    ROUTE_SEND,
    STAGE_SEND,
    STAGE_WEBHOOKS,
)


def note_send(citable: Citable, status: int, ts: str, message_id: str, line: bytes) -> None:
    """Note an accepted send the fast path folded (one messageId, no `errors[]`)."""
    key = ("call", STAGE_SEND, "POST", ROUTE_SEND, status, OUTCOME_OK, None, False)
    citable.note(ts, STAGE_SEND, key, False, (message_id,), line)


def note_record(citable: Citable, record: Record, item: Item) -> None:
    """Note a record built from `item` (its parsed value, or its line)."""
    if isinstance(record, CallRecord):
        count = record.response.get("errors_count") if record.response else None
        partial = type(count) is int and count > 0
        key: GroupKey = ("call", record.stage, record.method, record.route, record.status,
                         record.outcome, record.error_code, partial)  # fmt: skip
        ids = [m for m in call_message_ids(record) if type(m) is str]
        citable.note(record.ts, record.stage, key, record.outcome != OUTCOME_OK, ids, item)
        return
    key = (record.signature, record.response_status, record.event)
    mid = record.message_id
    failed = webhook_failed(record.signature, record.response_status)
    settles = receipt_settles(failed, record.event)
    citable.note(record.ts, STAGE_WEBHOOKS, key, failed, (mid,) if mid else (), item, settles)


def filtered_consumer(
    state: AggregateState, record_filter: RecordFilter, stats: LineStats, citing: Citing | None
) -> ConsumeLine:
    """The reference path with filters: add the records `record_filter` accepts to `state`;
    with `citing`, note those its evidence filter accepts in `state.citable`."""
    accepts, add = record_filter.accepts, state.add
    citable = state.citable if citing is not None else None
    evidence = citing.evidence_filter if citing is not None else None

    def consume(value: object) -> str | None:
        try:
            record = record_from_object(value)
        except BrokenRecord as broken:
            return broken.reason
        if accepts(record):
            add(record)
        else:
            state.filtered_out += 1
        kept = evidence is None or evidence.accepts(record)
        if citable is not None and type(value) is dict and kept:
            note_record(citable, record, value)
        return None

    return parsed(consume, stats)
