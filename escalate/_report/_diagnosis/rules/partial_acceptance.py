"""`partial_acceptance`: a send was accepted for some recipients; others are in `errors[]`."""

from __future__ import annotations

from escalate._report._aggregation._shapes import SendShape
from escalate._report._aggregation._state import PARTIAL, AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext
from escalate._report._diagnosis.rules._package import cause, check
from escalate._report._diagnosis.rules._select import (
    attempts,
    count,
    count_shapes,
    select,
    shapes_of,
)
from escalate._report._model import Cause, Check, Finding
from escalate._schema import STAGE_SEND


class PartialAcceptanceRule(BaseRule):
    """Multi-recipient sends where some recipients were rejected."""

    id = "partial_acceptance"
    title = "Send partially accepted (recipients in `errors[]`)"
    stage = STAGE_SEND

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when a 2xx send carried a non-empty `errors[]`."""
        groups = select(state, lambda k: k.stage == STAGE_SEND and k.error_code == PARTIAL)
        if not groups:
            return None
        total = count(groups)
        rejected = sum(group.errors_count for _, group in groups)
        bad_to = count_shapes(shapes_of(groups, SendShape), lambda s: s.invalid_recipients > 0)
        return self.call_finding(
            state,
            groups,
            severity="warning",
            summary=(
                f"{total} of {attempts(state, STAGE_SEND)} sends were only partly accepted: "
                f"{rejected} recipients rejected in errors[]"
            ),
            checks=_checks(total, bad_to, rejected),
            causes=_causes(total, bad_to),
            next_action=(
                "Always check both `results[]` and `errors[]`; correct the rejected recipients and "
                "send them as a new operation (new Idempotency-Key)."
            ),
        )


def _checks(total: int, bad_to: int, rejected: int) -> tuple[Check, ...]:
    """Were the recipients E.164, and did the client read `errors[]` (the logs cannot say)?"""
    return (
        check(
            "`to[]` contains valid E.164 values",
            bad_to,
            total,
            f"{bad_to} of {total} partially accepted sends had a recipient that is not E.164",
        ),
        Check(
            "both `results[]` and `errors[]` are checked",
            "unknown",
            f"{rejected} recipients came back in errors[]; the logs cannot show whether "
            "your code read them",
        ),
    )


def _causes(total: int, bad_to: int) -> tuple[Cause, ...]:
    """A recipient not in E.164, or rejected for a reason only `errors[]` names."""
    return (
        cause(
            "invalid recipient format",
            bad_to,
            f"{bad_to} partially accepted sends had a recipient that is not E.164",
            contradicts="`to[]` contains valid E.164 values",
        ),
        cause(
            "recipient rejected for another reason (see the errors[] shape)",
            total - bad_to,
            f"{total - bad_to} partially accepted sends had only E.164 recipients",
        ),
    )
