"""`server_error`: a 5xx, SERVER_ERROR or UPSTREAM_ERROR, at any stage."""

from __future__ import annotations

from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext
from escalate._report._diagnosis.rules._package import cause, check, escalate_with
from escalate._report._diagnosis.rules._select import (
    Selected,
    answered,
    count,
    first_call,
    select,
    server_error,
    successes_after,
)
from escalate._report._model import Cause, Check, Finding
from escalate._schema import STAGE_SEND, STAGE_TOKEN, STAGES


class ServerErrorRule(BaseRule):
    """Failures on Red Cloud's side: the client can retry with backoff, then escalate."""

    id = "server_error"
    title = "Server error (5xx / UPSTREAM_ERROR)"
    stage = STAGE_SEND

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire on any call answered 5xx or with a server-side error code."""
        groups = select(state, server_error)
        if not groups:
            return None
        total = count(groups)
        stages = sorted({key.stage for key, _ in groups}, key=_stage_order)
        last_failure = max(group.last or "" for _, group in groups)
        token_only = stages == [STAGE_TOKEN]
        return self.call_finding(
            state,
            groups,
            stage=stages[0],
            summary=(
                f"{total} calls failed on the server side (at {', '.join(stages)}), "
                f"last at {last_failure}"
            ),
            checks=_checks(state, groups, stages),
            causes=_causes(groups),
            next_action=(
                "Retry with normal client backoff"
                + ("" if token_only else ", reusing the same Idempotency-Key for sends")
                + f"; if it persists, {escalate_with(groups)}."
            ),
        )


def _checks(state: AggregateState, groups: Selected, stages: list[str]) -> tuple[Check, ...]:
    """Was it transient, and did send retries keep their key (the guide's two questions)?"""
    later_ok = successes_after(state, first_call(groups), lambda key: key.stage in stages)
    new_keys = _retried_under_new_key(state)
    return (
        check(
            "a later attempt of the same stage succeeded (transient)",
            0 if later_ok else 1,
            1,
            f"{later_ok} successful calls at {', '.join(stages)} after the first server error",
        ),
        check(
            "sends retried after a server error reuse the same `Idempotency-Key`",
            new_keys,
            count(groups) if STAGE_SEND in stages else 0,
            f"{new_keys} send operations were retried under a new key",
        ),
    )


def _retried_under_new_key(state: AggregateState) -> int:
    """Send operations that timed out and were sent again under more than one key."""
    return sum(
        1
        for _, op in state.operations.with_stats()
        if op.timeouts and len(op.idempotency_fps) > 1
    )


def _causes(groups: Selected) -> tuple[Cause, ...]:
    """Red Cloud's own error against its upstream's, by how many answers name each."""
    total = count(groups)
    upstream = count([(k, g) for k, g in groups if answered(502, "UPSTREAM_ERROR")(k)])
    return (
        cause(
            "Red Cloud internal error (SERVER_ERROR)",
            total - upstream,
            f"{total - upstream} answers were 5xx without UPSTREAM_ERROR",
        ),
        cause(
            "upstream platform dependency error (UPSTREAM_ERROR)",
            upstream,
            f"{upstream} answers were 502 or UPSTREAM_ERROR",
        ),
    )


def _stage_order(stage: str) -> int:
    return STAGES.index(stage) if stage in STAGES else len(STAGES)
