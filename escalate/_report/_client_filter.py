"""`--client`: which tokens and messages belong to one apiClientId.

Calls carry no apiClientId; whoami does. Two cheap passes over the records find the tokens whoami
identified as the client, then the messageIds sends with those tokens got; the main pass keeps
only those. Standard input is spooled to a temporary file so it can be read three times.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence

from escalate._report._filters import RecordFilter, call_message_ids
from escalate._report._reading._reader import LineStats, scan_chunks
from escalate._report._reading._records import CallRecord, Record
from escalate._report._reading._sources import FileSource, Source
from escalate._schema import STAGE_SEND, STAGE_WHOAMI


def spool_stdin(sources: Sequence[Source]) -> tuple[tuple[Source, ...], str | None]:
    """Replace `-` (any source that cannot be read twice) by a temporary copy of stdin, still
    named `-`; return the sources and the copy's path."""
    if all(source.portable for source in sources):
        return tuple(sources), None
    with tempfile.NamedTemporaryFile("wb", prefix="escalate-stdin-", delete=False) as spool:
        shutil.copyfileobj(sys.stdin.buffer, spool, 16 * 1024 * 1024)
    return (
        tuple(s if s.portable else FileSource(s.name, spool.name) for s in sources),
        spool.name,
    )


def with_client(sources: Sequence[Source], base: RecordFilter | None, client: str) -> RecordFilter:
    """The filter `base` narrowed to one apiClientId."""
    tokens = frozenset(
        call.token["fingerprint"]
        for call in _calls(sources)
        if call.stage == STAGE_WHOAMI
        and call.response
        and call.response.get("apiClientId") == client
        and call.token
        and isinstance(call.token.get("fingerprint"), str)
    )
    messages = frozenset(
        message_id
        for call in _calls(sources)
        if call.stage == STAGE_SEND and call.token and call.token.get("fingerprint") in tokens
        for message_id in call_message_ids(call)
    )
    return dataclasses.replace(
        base or RecordFilter(), client_tokens=tokens, client_messages=messages
    )


def _calls(sources: Sequence[Source]) -> Iterator[CallRecord]:
    for record in read_records(sources):
        if type(record) is CallRecord:
            yield record


def read_records(sources: Sequence[Source]) -> Iterator[Record]:
    """Every record of the sources, for a cheap extra pass (its line counts are not kept)."""
    for source in sources:
        yield from scan_chunks(source.chunks(), LineStats())
