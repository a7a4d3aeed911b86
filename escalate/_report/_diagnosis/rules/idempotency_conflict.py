"""`idempotency_conflict`: a send returns 409 CONFLICT (a key reused with another payload)."""

from __future__ import annotations

from dataclasses import dataclass

from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext
from escalate._report._diagnosis.rules._package import cause, check
from escalate._report._diagnosis.rules._select import (
    Selected,
    attempts,
    count,
    select,
    sends_answered,
)
from escalate._report._model import Cause, Check, Finding
from escalate._schema import STAGE_SEND


class IdempotencyConflictRule(BaseRule):
    """The same Idempotency-Key was sent with two different payloads."""

    id = "idempotency_conflict"
    title = "Send request returns 409 CONFLICT"
    stage = STAGE_SEND

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire on any send answered 409 or CONFLICT."""
        groups = select(state, sends_answered(409, "CONFLICT"))
        if not groups:
            return None
        c = _conflict_counts(state, groups)
        return self.call_finding(
            state,
            groups,
            summary=f"{c.conflicts} of {c.sends} sends were answered 409 CONFLICT",
            checks=_checks(c),
            causes=_causes(c),
            next_action=(
                "Treat the key and the payload as a pair: retry with the same key and the same "
                "payload; if the payload must change, use a new key."
            ),
        )


@dataclass(frozen=True)
class ConflictCounts:
    """The sends answered 409, and how their keys were used across operations."""

    sends: int  #: every send, whatever its answer
    conflicts: int  #: sends answered 409 CONFLICT
    keys: int  #: distinct Idempotency-Keys (fingerprints) of those sends
    reused: int  #: of those keys, the ones seen with more than one payload (operation)


def _conflict_counts(state: AggregateState, groups: Selected) -> ConflictCounts:
    """Count the conflicting sends, their keys, and the keys reused across operations."""
    keys = {fp for _, group in groups for _, fp in group.idempotency_fps}
    seen = state.operations.count_by_key(keys)
    reused = sum(1 for n in seen.values() if n > 1)
    return ConflictCounts(
        sends=attempts(state, STAGE_SEND), conflicts=count(groups), keys=len(keys), reused=reused
    )


def _checks(c: ConflictCounts) -> tuple[Check, ...]:
    """A key is never reused with another payload: it stands for one business operation."""
    return (
        check(
            "the same `Idempotency-Key` is never reused with a different payload",
            c.reused,
            c.keys,
            f"{c.reused} of {c.keys} conflicting keys were seen with more than one "
            "distinct payload (operation)",
        ),
        check(
            "a key represents one business operation, not one network attempt or a timestamp",
            c.reused,
            c.keys,
            "keys shared across operations break this",
        ),
    )


def _causes(c: ConflictCounts) -> tuple[Cause, ...]:
    """A key shared by unrelated sends, or a payload changed between retries of one key."""
    return (
        cause(
            "one key reused across unrelated sends (or built from a timestamp)",
            c.reused,
            f"{c.reused} conflicting keys were seen with more than one payload",
        ),
        cause(
            "the payload changed between retries of the same key",
            c.conflicts - c.reused,
            f"{c.conflicts - c.reused} conflicts on keys seen with one payload in these logs",
        ),
    )
