"""`whoami_failed`: `/api/core/whoami` fails."""

from __future__ import annotations

from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext
from escalate._report._diagnosis.rules._bearer import (
    bearer_checks,
    bearer_counts,
    retry_advice,
    token_causes,
)
from escalate._report._diagnosis.rules._select import attempts, client_failure, expired_only, select
from escalate._report._model import Finding
from escalate._schema import STAGE_WHOAMI


class WhoamiFailedRule(BaseRule):
    """whoami calls that failed for a client-side reason.

    Server errors are `server_error`'s; 401s made with an aged-out token are
    `token_expired_mid_session`'s (as for `numbers_failed`).
    """

    id = "whoami_failed"
    title = "/api/core/whoami fails"
    stage = STAGE_WHOAMI

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when any whoami call failed with a 4xx or no response."""
        failing = select(state, client_failure(STAGE_WHOAMI))
        groups = [(key, group) for key, group in failing if not expired_only(key, group)]
        if not groups:
            return None
        c = bearer_counts(groups)
        return self.call_finding(
            state,
            groups,
            summary=f"{c.total} of {attempts(state, STAGE_WHOAMI)} whoami calls failed",
            checks=bearer_checks(c),
            causes=token_causes(c, c.inactive),
            next_action=retry_advice(c, groups),
        )
