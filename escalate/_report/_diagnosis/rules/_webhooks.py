"""Webhook receipts and messages still waiting for their lifecycle, for the webhook rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from escalate._report._aggregation._groups import (
    SAMPLE_SIZE,
    WebhookGroup,
    WebhookKey,
    keep_earliest,
)
from escalate._report._aggregation._messages import Overdue
from escalate._report._aggregation._shapes import token_freshness_text
from escalate._report._aggregation._state import (
    AggregateState,
    receipt_resolves,
    webhook_failed,
)
from escalate._report._diagnosis.rules._package import duration_text, payload_text, plural
from escalate._report._diagnosis.rules._select import successes
from escalate._report._model import EscalationPackage, Evidence, PackageRow
from escalate._report._reading._records import format_ts, parse_ts
from escalate._schema import (
    EVENT_FAILED,
    SIGNATURE_INVALID,
    SIGNATURE_MISSING,
    SIGNATURE_NOT_CHECKED,
    STAGE_SEND,
)

SelectedHooks = list[tuple[WebhookKey, WebhookGroup]]
OVERDUE_CITED = 20  #: overdue messageIds a finding cites (the earliest)


def select_hooks(state: AggregateState, match: Callable[[WebhookKey], bool]) -> SelectedHooks:
    """Webhook groups whose key matches, earliest first."""
    found = [(k, g) for k, g in state.webhook_groups.items() if match(k)]
    return sorted(found, key=lambda item: (item[1].first or "", repr(item[0])))


def hook_count(groups: SelectedHooks) -> int:
    """Receipts in the groups."""
    return sum(group.count for _, group in groups)


def hook_evidence(groups: SelectedHooks) -> Evidence:
    """Counts, times and messageIds of the receipts."""
    message_ids = keep_earliest([s for _, g in groups for s in g.message_ids])
    details = tuple(
        (f"{event or 'unknown event'} / signature {signature}", f"answered {status} x{g.count}")
        for (signature, status, event), g in groups
    )
    return Evidence(
        count=hook_count(groups),
        first_seen=min((g.first for _, g in groups if g.first), default=None),
        last_seen=max((g.last for _, g in groups if g.last), default=None),
        message_ids=tuple(value for _, value in message_ids)[:SAMPLE_SIZE],
        details=details,
    )


def hook_package(state: AggregateState, groups: SelectedHooks) -> EscalationPackage:
    """One row per kind of receipt, and how consistently it happens."""
    rows = tuple(
        PackageRow(
            endpoint="POST webhook endpoint (received)",
            status=f"answered {status}" if status is not None else "answer not recorded",
            timestamp=group.first or "",
            request_id=None,
            payload_shape=payload_text({"event": event, "signature": signature}),
            token_fresh="n/a (webhook)",
            message_ids=tuple(value for _, value in group.message_ids[:3]),
        )
        for (signature, status, event), group in groups[:4]
    )
    evidence = hook_evidence(groups)
    period = duration_text(evidence.first_seen, evidence.last_seen)
    reproduces = f"{evidence.count} of {state.webhooks} webhook requests over {period}"
    return EscalationPackage(rows=rows, reproduces=reproduces, ready=True)


def overdue_messages(state: AggregateState, grace_s: float) -> Overdue:
    """Accepted messages with no lifecycle event within the grace: how many, when, the earliest."""
    if state.last is None:
        return Overdue(0, None, None, [])
    cutoff = format_ts(parse_ts(state.last) - timedelta(seconds=grace_s))
    return state.messages.overdue(cutoff, OVERDUE_CITED)


def undecided_count(state: AggregateState, grace_s: float) -> int:
    """Accepted messages with no lifecycle event yet, still within the grace: not judged."""
    pending = state.messages.pending_count()
    return pending - overdue_messages(state, grace_s).total if pending else 0


def rejected_count(state: AggregateState) -> int:
    """Receipts the receiver answered non-2xx: "rejected" means that, nothing else."""
    return hook_count(select_hooks(state, lambda k: _non_2xx(k.response_status)))


def unchecked(key: WebhookKey) -> bool:
    """A receipt recorded without the webhook secret: escalate did not check its signature."""
    return key.signature == SIGNATURE_NOT_CHECKED


def failure_events(state: AggregateState, *, taken: bool) -> SelectedHooks:
    """`message.failed` receipts the receiver took (each resolves its message, as the state
    decides it: `receipt_resolves`; `delivery_failed`), or did not take (its message stays
    pending)."""

    def match(key: WebhookKey) -> bool:
        failed = webhook_failed(key.signature, key.response_status)
        return key.event == EVENT_FAILED and receipt_resolves(failed, key.event) == taken

    return select_hooks(state, match)


def badly_signed(key: WebhookKey) -> bool:
    """A receipt whose signature was wrong or absent, as escalate verified it."""
    return key.signature in (SIGNATURE_INVALID, SIGNATURE_MISSING)


def _non_2xx(status: int | None) -> bool:
    return status is not None and not 200 <= status < 300


def accepted_count(state: AggregateState) -> int:
    """Distinct messages that sends got accepted (202/QUEUED)."""
    return state.messages.accepted_count()


def overdue_package(
    state: AggregateState, overdue: Overdue, missing: list[str]
) -> EscalationPackage:
    """Rows for the earliest overdue messages: the accepted send of each."""
    example = next((g.rows[0] for _, g in successes(state, STAGE_SEND) if g.rows), None)
    rows = tuple(
        PackageRow(
            endpoint="POST /api/core/messages/send",
            status="202 QUEUED",
            timestamp=accepted,
            request_id=None,
            payload_shape=payload_text(example.payload) if example else "(not captured)",
            token_fresh=token_freshness_text(example.token) if example else "unknown",
            message_ids=(message_id,),
        )
        for accepted, message_id in overdue.earliest[:3]
    )
    total = accepted_count(state)
    first, last = overdue.first, overdue.last
    reproduces = (
        f"{overdue.total} of {total} accepted messages, accepted over {duration_text(first, last)} "
        f"({first} to {last})"
    )
    return EscalationPackage(
        rows=rows, reproduces=reproduces, ready=not missing, missing=tuple(missing)
    )


def receiver_log_note(state: AggregateState) -> str:
    """What the inputs say about the webhook receiver's log when they hold no webhook record."""
    empty = sorted(name for name, counts in state.file_records.items() if not any(counts))
    if empty:
        holds = "holds" if len(empty) == 1 else "hold"
        return (
            f"{', '.join(empty)} {holds} no webhook request (if that is the receiver's log, "
            "no request reached the receiver, or its capture is not configured)"
        )
    files = len(state.file_records)
    return (
        f"none of the {plural(files, 'input')} holds a webhook record: no webhook-receiver log "
        "seems to be given (maybe the receiver logs elsewhere: pass its log too)"
    )
