"""`duplicate_messages`: the same business send went out more than once.

An attempt that got no answer (timeout, network error, 5xx) may still have been accepted: Red
Cloud then sends that message's lifecycle webhooks, carrying the send's `externalReference`. A
messageId seen only in webhooks (no logged response accepted it) whose reference is the
operation's is the unanswered attempt's message: the proof that the retry under a new key made a
second message, where the send log alone only says "probably".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from escalate._report._aggregation._groups import OperationStats
from escalate._report._aggregation._state import LIFECYCLE_ONLY, AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext
from escalate._report._diagnosis.rules._package import (
    cause,
    check,
    duration_text,
    example_payload_text,
)
from escalate._report._diagnosis.rules._request_fixes import new_key_per_retry_fix
from escalate._report._diagnosis.rules._select import select
from escalate._report._model import (
    Check,
    EscalationPackage,
    Evidence,
    Finding,
    Fix,
    PackageRow,
)
from escalate._schema import ROUTE_SEND, STAGE_SEND

_WEBHOOK_CHECK = "whether webhooks show a message for the attempt that got no answer"
_MAX_MESSAGE_IDS = 20


class Duplicate(NamedTuple):
    """A duplicated operation and the messages webhooks show for its unanswered attempts.

    A NamedTuple, not a frozen dataclass: building the dataclass at import cost 3.7 M
    instructions (callgrind), a third of a percent of a 36 MB report; the NamedTuple a third.
    """

    operation: str
    stats: OperationStats
    shown: tuple[str, ...] = ()  #: messageIds seen only in webhooks, with the operation's reference

    @property
    def shown_attempts(self) -> int:
        """Unanswered attempts the webhooks prove accepted (a send to n recipients has n ids)."""
        if not self.shown:
            return 0
        stats = self.stats
        per_attempt = max(1, len(stats.message_ids) // stats.accepted) if stats.accepted else 1
        return min(stats.timeouts, -(-len(self.shown) // per_attempt))

    @property
    def times(self) -> int:
        """How many times the operation went out, as far as the evidence proves."""
        return self.stats.accepted + self.shown_attempts

    @property
    def proven(self) -> bool:
        """Proven twice or more (accepted twice, or webhooks show an unanswered attempt's)."""
        return self.times > 1

    @property
    def message_ids(self) -> tuple[str, ...]:
        """The unanswered attempts' messageIds (from webhooks), then the accepted ones."""
        return (*self.shown, *self.stats.message_ids)


def webhook_messages(state: AggregateState) -> dict[str, tuple[str, ...]]:
    """operation -> messageIds webhooks show for its unanswered attempts.

    Only operations with an unanswered attempt count, only messages no logged response accepted
    (LIFECYCLE_ONLY), and only an externalReference no other such operation carries: a reference
    reused across operations never links one operation's retry to another's message.
    """
    owners: dict[str, list[str]] = {}
    for operation, value in state.operations.with_stats():
        if value.timeouts:
            for reference in value.references:
                owners.setdefault(reference, []).append(operation)
    unique = {reference: ops[0] for reference, ops in owners.items() if len(ops) == 1}
    if not unique:
        return {}
    shown: dict[str, list[str]] = {}
    for message_id, reference in state.references.items():
        owner = unique.get(reference)
        if owner is not None and state.messages.get(message_id) == LIFECYCLE_ONLY:
            shown.setdefault(owner, []).append(message_id)
    return {operation: tuple(sorted(ids)) for operation, ids in shown.items()}


def duplicates(state: AggregateState) -> list[Duplicate]:
    """The duplicated operations, earliest first."""
    shown = webhook_messages(state)
    found = []
    for operation, value in state.operations.with_stats():
        accepted = set(value.message_ids)
        own = tuple(m for m in shown.get(operation, ()) if m not in accepted)
        duplicate = Duplicate(operation, value, own)
        if is_duplicated(duplicate):
            found.append(duplicate)
    return sorted(found, key=lambda d: (d.stats.first, d.operation))


def is_duplicated(duplicate: Duplicate) -> bool:
    """Went out twice under several keys (proven), or accepted after an unanswered attempt.

    Several messageIds alone prove nothing: one send to two recipients has two, and a replay
    under the same key returns the stored messageIds again. An operation never accepted and not
    seen in webhooks sent nothing, however many keys it tried.
    """
    stats = duplicate.stats
    if len(stats.idempotency_fps) < 2:
        return False
    return duplicate.proven or (stats.accepted == 1 and stats.timeouts > 0)


class DuplicateMessagesRule(BaseRule):
    """Operations sent under several Idempotency-Keys: each key is a new message."""

    id = "duplicate_messages"
    title = "Duplicate messages appear"
    stage = STAGE_SEND

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when any business operation was (probably) sent more than once."""
        duplicated = duplicates(state)
        if not duplicated:
            return None
        total = len(duplicated)
        new_keys = sum(len(d.stats.idempotency_fps) > 1 for d in duplicated)
        after_timeout = sum(d.stats.timeouts > 0 for d in duplicated)
        causes = (
            cause("incorrect idempotency strategy", new_keys, "a new key per attempt"),
            cause(
                "retrying as a new operation instead of the same operation",
                new_keys,
                f"{after_timeout} retries after a timeout",
            ),
        )
        message_ids = tuple(m for d in duplicated for m in d.message_ids)[:_MAX_MESSAGE_IDS]
        first, last = duplicated[0].stats.first, max(d.stats.last for d in duplicated)
        return self.finding(
            summary=_summary(duplicated, len(state.operations)),
            checks=_checks(state, duplicated),
            causes=causes,
            next_action=(
                "Review Idempotency and Retries: one key per business operation, persisted before "
                "sending and reused on every retry."
            ),
            evidence=Evidence(
                count=total,
                first_seen=first,
                last_seen=last,
                message_ids=message_ids,
                details=tuple((d.operation, _describe(d)) for d in duplicated[:10]),
            ),
            package=_package(state, duplicated, first, last),
            fix=_new_key_fix(duplicated),
        )


def _new_key_fix(duplicated: list[Duplicate]) -> Fix | None:
    """The one-key-per-operation pattern, for the first operation retried under new keys."""
    stats = next((d.stats for d in duplicated if len(d.stats.idempotency_fps) > 1), None)
    if stats is None:
        return None
    return new_key_per_retry_fix(stats.attempts, len(stats.idempotency_fps), stats.timeouts)


def _checks(state: AggregateState, duplicated: list[Duplicate]) -> tuple[Check, ...]:
    total = len(duplicated)
    new_keys = sum(len(d.stats.idempotency_fps) > 1 for d in duplicated)
    after_timeout = sum(d.stats.timeouts > 0 for d in duplicated)
    return (
        check(
            "whether the same business operation was sent under different idempotency keys",
            new_keys,
            total,
            f"{new_keys} of {total} duplicated operations used several keys",
        ),
        check(
            "whether a timeout caused a retry with a new key",
            after_timeout,
            total,
            f"{after_timeout} of {total} were retried under a new key after a timeout, "
            "network error or 5xx",
        ),
        check(
            "whether the client retried after ambiguous outcome without reusing the same key",
            new_keys,
            total,
            f"{new_keys} operations changed key between attempts",
        ),
        _webhook_check(state, [d for d in duplicated if d.stats.timeouts]),
    )


def _webhook_check(state: AggregateState, unanswered: list[Duplicate]) -> Check:
    """Failed when webhooks show a message of an unanswered attempt: it was accepted after all."""
    shown = [d for d in unanswered if d.shown]
    referenced = [d for d in unanswered if d.stats.references]
    if shown:
        ids = _id_list(m for d in shown for m in d.shown)
        evidence = (
            f"{len(shown)} of {len(unanswered)} operations with an unanswered attempt have a "
            f"message seen only in lifecycle webhooks with their externalReference: {ids}"
        )
        return Check(text=_WEBHOOK_CHECK, verdict="failed", evidence=evidence)
    if not unanswered:
        evidence = "no duplicated operation had an attempt that got no answer"
    elif not referenced:
        evidence = (
            "the sends carry no externalReference, so webhooks cannot be matched to the "
            "attempt that got no answer; set one per business operation"
        )
    elif not state.webhooks:
        evidence = "no webhook records: pass the webhook receiver's log too"
    else:
        evidence = (
            f"no lifecycle webhook shows a message no logged send was given with the "
            f"externalReference of the {len(referenced)} operations with an unanswered attempt: "
            "probably not accepted"
        )
        return Check(text=_WEBHOOK_CHECK, verdict="passed", evidence=evidence)
    return Check(text=_WEBHOOK_CHECK, verdict="unknown", evidence=evidence)


def _summary(duplicated: list[Duplicate], operations: int) -> str:
    if len(duplicated) == 1:
        return f"1 of {operations} send operations {_went_out(duplicated[0])}"
    proven = [d for d in duplicated if d.proven]
    shown = sum(bool(d.shown) for d in duplicated)
    ids = sum(len(d.message_ids) for d in duplicated)
    parts = [f"{ids} messageIds"] + ([f"{shown} shown by webhooks"] if shown else [])
    how = f"{len(proven)} proven, {len(duplicated) - len(proven)} probably"
    return (
        f"{len(duplicated)} of {operations} send operations went out more than once "
        f"({how}; {', '.join(parts)})"
    )


def _went_out(duplicate: Duplicate) -> str:
    """`went out twice: msg_A (the attempt that got no answer, seen in webhooks) and msg_B`."""
    accepted = _id_list(duplicate.stats.message_ids)
    if not duplicate.proven:
        return (
            "probably went out twice: an attempt got no answer, then a retry under a new key was "
            f"accepted ({accepted}); no webhook shows a message for the unanswered attempt"
        )
    times = {2: "twice", 3: "three times"}.get(duplicate.times, f"{duplicate.times} times")
    if not duplicate.shown:
        return f"went out {times}: {accepted}"
    attempts = "attempts" if duplicate.shown_attempts > 1 else "attempt"
    shown = f"{_id_list(duplicate.shown)} (the {attempts} that got no answer, seen in webhooks)"
    return f"went out {times}: {shown} and {accepted}" if accepted else f"went out {times}: {shown}"


def _id_list(ids: Iterable[str], limit: int = 5) -> str:
    """`msg_a, msg_b and 3 more`."""
    values = list(ids)
    head = values[:limit]
    if len(values) > limit:
        return f"{', '.join(head)} and {len(values) - limit} more"
    return ", ".join(head[:-1]) + " and " + head[-1] if len(head) > 1 else "".join(head)


def _describe(duplicate: Duplicate) -> str:
    stats = duplicate.stats
    text = (
        f"{stats.attempts} attempts, {len(stats.idempotency_fps)} keys, "
        f"{stats.timeouts} without answer, {len(stats.message_ids)} messageIds"
    )
    if duplicate.shown:
        text += f"; webhooks show {len(duplicate.shown)} more: {_id_list(duplicate.shown)}"
    return text


def _package(
    state: AggregateState, duplicated: list[Duplicate], first: str, last: str
) -> EscalationPackage:
    sends = select(state, lambda key: key.stage == STAGE_SEND)
    rows = tuple(
        PackageRow(
            endpoint=f"POST {ROUTE_SEND}",
            status=_status(d),
            timestamp=d.stats.first,
            request_id=None,
            payload_shape=example_payload_text(sends, d.operation),
            token_fresh="n/a",
            message_ids=d.message_ids,
        )
        for d in duplicated[:4]
    )
    reproduces = (
        f"{len(duplicated)} of {len(state.operations)} operations over {duration_text(first, last)}"
    )
    return EscalationPackage(rows=rows, reproduces=reproduces, ready=True)


def _status(duplicate: Duplicate) -> str:
    stats = duplicate.stats
    text = f"{stats.accepted} accepted, {stats.timeouts} without answer"
    if duplicate.shown_attempts:
        text += f" ({duplicate.shown_attempts} of them accepted after all, seen in webhooks)"
    return text
