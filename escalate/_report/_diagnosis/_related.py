"""`--message-id` / `--request-id`: the business operations an id belongs to, kept whole.

An id alone is too narrow: a messageId names one accepted attempt, but its story is the operation
(every attempt of the same send body, under each Idempotency-Key, with every messageId they got
and every webhook of those messages). Two cheap passes find it, as `--client` does: the first
finds the operations of the calls carrying the id (and the externalReference of webhooks carrying
the messageId, for a message whose send got no answer); the second collects the operations'
messageIds and references. The main pass then keeps every call of those operations and every
webhook of their messages or references. An id that belongs to no send operation (a whoami's
requestId) keeps the plain filter.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

from escalate._report._aggregation._groups import payload_reference
from escalate._report._client_filter import read_records
from escalate._report._filters import RecordFilter, call_message_ids
from escalate._report._reading._records import CallRecord, WebhookRecord
from escalate._report._reading._sources import Source


def with_operations(sources: Sequence[Source], base: RecordFilter) -> RecordFilter:
    """The filter `base` widened from its message or request id to their whole operations."""
    operations, references = _seeds(sources, base)
    if not operations and not references:
        return base
    messages: set[str] = set()
    for call in _sends(sources):
        reference = payload_reference(call.payload)
        if call.operation in operations or (reference and reference in references):
            operations.add(call.operation or "")
            messages.update(call_message_ids(call))
            if reference:
                references.add(reference)
    operations.discard("")
    if base.message_id is not None:
        messages.add(base.message_id)
    return dataclasses.replace(
        base,
        operations=frozenset(operations),
        operation_messages=frozenset(messages),
        operation_references=frozenset(references),
    )


def _seeds(sources: Sequence[Source], base: RecordFilter) -> tuple[set[str], set[str]]:
    """Operations of the calls carrying the id; references of webhooks carrying the messageId."""
    operations: set[str] = set()
    references: set[str] = set()
    for record in read_records(sources):
        if type(record) is CallRecord:
            if record.operation and _carries_id(record, base):
                operations.add(record.operation)
        elif (
            type(record) is WebhookRecord
            and base.message_id is not None
            and record.message_id == base.message_id
            and record.external_reference
        ):
            references.add(record.external_reference)
    return operations, references


def _carries_id(call: CallRecord, base: RecordFilter) -> bool:
    if base.request_id is not None and call.request_id == base.request_id:
        return True
    return base.message_id is not None and base.message_id in call_message_ids(call)


def _sends(sources: Sequence[Source]) -> Iterator[CallRecord]:
    for record in read_records(sources):
        if type(record) is CallRecord and record.operation:
            yield record
