"""`unexplained_failure`: calls failed and no symptom of the guide describes them.

Every other rule matches one symptom of the troubleshooting guide. A failure none of them
describes (a send answered 401 with a fresh token, a send that timed out and was not retried, a
status the docs do not name) would otherwise leave a failing stage with no finding: no package,
nothing for support. This rule runs after the others (`RuleContext.explained`) and reports the
first failing call stage when no error finding is on it or before it, with the package of its
failing calls, guessing no cause.
"""

from __future__ import annotations

from collections.abc import Callable

from escalate._report._aggregation._groups import GroupKey
from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext, plural
from escalate._report._diagnosis.rules._package import check
from escalate._report._diagnosis.rules._select import (
    Selected,
    count,
    failed,
    select,
    status_details,
)
from escalate._report._model import Check, Finding
from escalate._schema import STAGE_WEBHOOKS, STAGES

#: The catalogue's stage of a rule whose finding is on whichever call stage failed first.
ANY_STAGE = "any"
UNEXPLAINED_ACTION = (
    "Escalate to Red Cloud with the package below: no symptom of the troubleshooting guide "
    "describes these failures, so escalate names no cause. Quote each call's requestId and the "
    "API's own error message; where the call got no answer at all (a timeout, a connection "
    "error), say so, with its time."
)


class UnexplainedFailureRule(BaseRule):
    """Failing calls of a stage that no other rule's error finding explains."""

    id = "unexplained_failure"
    title = "Calls fail in a way the guide does not describe"
    stage = ANY_STAGE  #: its finding names the stage it found (`stage=` of `call_finding`)

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire for the earliest call stage with failures when neither it nor an earlier stage
        has an error finding (a later stage's failures are then probably caused by that one,
        as the report says: a token that aged out makes later calls fail with 401)."""
        for stage in STAGES:
            if stage == STAGE_WEBHOOKS or stage in context.explained:
                return None
            groups = select(state, _failed_in(stage))
            if groups:
                return self._finding(state, stage, groups)
        return None

    def _finding(self, state: AggregateState, stage: str, groups: Selected) -> Finding:
        failures = count(groups)
        kinds = "; ".join(labels for _, labels in status_details(groups))
        return self.call_finding(
            state,
            groups,
            summary=(
                f"{plural(failures, f'{stage} call')} failed ({kinds}) and no symptom of the "
                "troubleshooting guide matches them"
            ),
            checks=(_matched_check(failures),),
            causes=(),
            next_action=UNEXPLAINED_ACTION,
            stage=stage,
        )


def _failed_in(stage: str) -> Callable[[GroupKey], bool]:
    return lambda key: key.stage == stage and failed(key)


def _matched_check(failures: int) -> Check:
    """The one check: whether a symptom of the guide matched (it did not, or this rule would not
    have fired)."""
    evidence = f"no rule matched {plural(failures, 'failed call')}"
    return check("a symptom of the troubleshooting guide matches these failures", failures,
                 failures, evidence)  # fmt: skip
