"""`idempotency_conflict`: a send returns 409 CONFLICT (a key reused with another payload)."""

from __future__ import annotations

from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext
from escalate._report._diagnosis.rules._package import cause, check
from escalate._report._diagnosis.rules._select import attempts, count, select, sends_answered
from escalate._report._model import Finding
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
        total = count(groups)
        keys = {fp for _, group in groups for _, fp in group.idempotency_fps}
        reused = _keys_with_several_operations(state, keys)
        checks = (
            check(
                "the same `Idempotency-Key` is never reused with a different payload",
                len(reused),
                len(keys),
                f"{len(reused)} of {len(keys)} conflicting keys were seen with more than one "
                "distinct payload (operation)",
            ),
            check(
                "a key represents one business operation, not one network attempt or a timestamp",
                len(reused),
                len(keys),
                "keys shared across operations break this",
            ),
        )
        causes = (
            cause(
                "one key reused across unrelated sends (or built from a timestamp)",
                len(reused),
                f"{len(reused)} conflicting keys were seen with more than one payload",
            ),
            cause(
                "the payload changed between retries of the same key",
                total - len(reused),
                f"{total - len(reused)} conflicts on keys seen with one payload in these logs",
            ),
        )
        return self.call_finding(
            state,
            groups,
            summary=f"{total} of {attempts(state, STAGE_SEND)} sends were answered 409 CONFLICT",
            checks=checks,
            causes=causes,
            next_action=(
                "Treat the key and the payload as a pair: retry with the same key and the same "
                "payload; if the payload must change, use a new key."
            ),
        )


def _keys_with_several_operations(state: AggregateState, keys: set[str]) -> set[str]:
    seen = state.operations.count_by_key(keys)
    return {fingerprint for fingerprint, n in seen.items() if n > 1}
