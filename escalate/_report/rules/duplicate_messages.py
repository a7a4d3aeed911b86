"""`duplicate_messages`: the same business send went out more than once."""

from __future__ import annotations

from escalate._report._aggregate import AggregateState
from escalate._report._model import EscalationPackage, Evidence, Finding, PackageRow
from escalate._report._state import OperationStats
from escalate._report.rules._base import BaseRule, RuleContext
from escalate._report.rules._package import cause, check, duration_text, example_payload_text
from escalate._report.rules._select import select
from escalate._schema import ROUTE_SEND, STAGE_SEND


def is_duplicated(stats: OperationStats) -> bool:
    """Accepted under several keys, or accepted after an unanswered attempt under another key.

    Several messageIds alone prove nothing: one send to two recipients has two, and a replay
    under the same key returns the stored messageIds again. An operation never accepted sent
    nothing, however many keys it tried.
    """
    if len(stats.idempotency_fps) < 2:
        return False
    return stats.accepted > 1 or (stats.accepted == 1 and stats.timeouts > 0)


class DuplicateMessagesRule(BaseRule):
    """Operations sent under several Idempotency-Keys: each key is a new message."""

    id = "duplicate_messages"
    title = "Duplicate messages appear"
    stage = STAGE_SEND

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when any business operation was (probably) sent more than once."""
        duplicated = sorted(
            (
                (op, s)
                for op, s in state.operations.items()
                if isinstance(s, OperationStats) and is_duplicated(s)
            ),
            key=lambda item: (item[1].first, item[0]),
        )
        if not duplicated:
            return None
        total = len(duplicated)
        new_keys = sum(len(s.idempotency_fps) > 1 for _, s in duplicated)
        after_timeout = sum(len(s.idempotency_fps) > 1 and s.timeouts > 0 for _, s in duplicated)
        retried_plain = new_keys - after_timeout
        checks = (
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
        )
        causes = (
            cause("incorrect idempotency strategy", new_keys, "a new key per attempt"),
            cause(
                "retrying as a new operation instead of the same operation",
                after_timeout + retried_plain,
                f"{after_timeout} retries after a timeout",
            ),
        )
        message_ids = tuple(m for _, s in duplicated for m in s.message_ids)[:20]
        first, last = duplicated[0][1].first, max(s.last for _, s in duplicated)
        return self.finding(
            summary=(
                f"{total} of {len(state.operations)} send operations went out more than once "
                f"({len(message_ids)} messageIds)"
            ),
            checks=checks,
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
                details=tuple((op, _describe(s)) for op, s in duplicated[:10]),
            ),
            package=_package(state, duplicated, first, last),
        )


def _describe(stats: OperationStats) -> str:
    return (
        f"{stats.attempts} attempts, {len(stats.idempotency_fps)} keys, "
        f"{stats.timeouts} without answer, {len(stats.message_ids)} messageIds"
    )


def _package(
    state: AggregateState, duplicated: list[tuple[str, OperationStats]], first: str, last: str
) -> EscalationPackage:
    sends = select(state, lambda key: key[0] == STAGE_SEND)
    rows = tuple(
        PackageRow(
            endpoint=f"POST {ROUTE_SEND}",
            status=f"{s.accepted} accepted, {s.timeouts} without answer",
            timestamp=s.first,
            request_id=None,
            payload_shape=example_payload_text(sends, op),
            token_fresh="n/a",
            message_ids=s.message_ids,
        )
        for op, s in duplicated[:4]
    )
    reproduces = (
        f"{len(duplicated)} of {len(state.operations)} operations over {duration_text(first, last)}"
    )
    return EscalationPackage(rows=rows, reproduces=reproduces, ready=True)
