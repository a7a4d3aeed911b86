"""`delivery_failed`: sends were accepted, then Red Cloud reported the messages failed.

`message.failed` is the terminal state of an accepted message (api-reference: queued, then
failed). The receipt itself succeeded (signed and answered 2xx), so no other rule sees it, yet
the messages were not delivered: the guide's "send request returns 202 but no delivery happens",
with the cause it names last, a provider-side downstream failure reported later by webhook.
"""

from __future__ import annotations

from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext
from escalate._report._diagnosis.rules._package import cause, check, plural
from escalate._report._diagnosis.rules._webhooks import (
    accepted_count,
    failure_events,
    hook_count,
    hook_evidence,
    hook_package,
)
from escalate._report._model import Check, Finding
from escalate._schema import STAGE_WEBHOOKS

FAILED_ACTION = (
    "Escalate to Red Cloud with the messageIds below and the failure details your receiver "
    "stored for them: the sends were accepted and Red Cloud reported the messages failed "
    "downstream (message.failed is terminal)."
)


class DeliveryFailedRule(BaseRule):
    """Accepted messages whose lifecycle ended in `message.failed`."""

    id = "delivery_failed"
    title = "Accepted messages fail downstream (message.failed)"
    stage = STAGE_WEBHOOKS

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when the receiver took at least one `message.failed` event."""
        groups = failure_events(state, taken=True)
        if not groups:
            return None
        failed, accepted = hook_count(groups), accepted_count(state)
        return self.finding(
            summary=(
                f"{plural(failed, 'message.failed event')} received ({accepted} accepted "
                "messages in the logs): Red Cloud reported the messages failed after accepting "
                "them"
            ),
            checks=_checks(state, failed),
            causes=(
                cause(
                    "provider-side downstream failure reported later by webhook",
                    failed,
                    plural(failed, "message.failed event"),
                ),
            ),
            next_action=FAILED_ACTION,
            evidence=hook_evidence(groups),
            package=hook_package(state, groups),
        )


def _checks(state: AggregateState, failed: int) -> tuple[Check, ...]:
    """The guide's checks the receipts answer: the endpoint is reached, the events are read."""
    received = plural(state.webhooks, "webhook request")
    events = plural(failed, "message.failed event")
    return (
        check("webhook endpoint is reachable", 0, state.webhooks, f"{received} received"),
        check("you are inspecting `message.sent`, `message.delivery`, and `message.failed`",
              0, failed, f"{events} received and answered 2xx"),
    )  # fmt: skip
