"""`no_webhook_events`: no webhook events arrive at all."""

from __future__ import annotations

from escalate._report._aggregate import AggregateState
from escalate._report._model import Check, CheckVerdict, Evidence, Finding
from escalate._report.rules._base import BaseRule, RuleContext, plural, whoami_value
from escalate._report.rules._package import cause
from escalate._report.rules._webhooks import accepted_count, overdue_messages, overdue_package
from escalate._report.rules.accepted_not_delivered import delivery_configured_check
from escalate._schema import STAGE_WEBHOOKS


class NoWebhookEventsRule(BaseRule):
    """Messages were accepted long enough ago, yet not one webhook request is in the logs."""

    id = "no_webhook_events"
    title = "No webhook events arrive"
    stage = STAGE_WEBHOOKS

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when accepted messages are overdue and the logs hold no webhook record."""
        overdue = overdue_messages(state, context.delivery_grace_s)
        if not overdue or state.webhooks:
            return None
        accepted = accepted_count(state)
        receiver_note = (
            "no webhook-receiver log was given: none of the "
            f"{plural(len(context.inputs), 'input')} "
            "holds a webhook record (maybe the receiver logs elsewhere: pass its log too)"
        )
        unknown: CheckVerdict = "unknown"
        configured = delivery_configured_check(state)
        checks = (
            Check(
                "endpoint URL is correct",
                unknown,
                "not visible in the logs; compare with the portal",
            ),
            Check(
                "endpoint is publicly reachable",
                "failed",
                f"0 webhook requests received while {accepted} messages were accepted",
            ),
            Check(
                "your handler returns `2xx` only after successful acceptance",
                unknown,
                "no webhook request to judge",
            ),
            Check(
                "signature handling is not rejecting valid traffic",
                unknown,
                "no webhook request to judge",
            ),
            Check(
                "inbound and delivery webhook configuration is actually enabled",
                configured.verdict,
                configured.evidence,
            ),
        )
        not_configured = whoami_value(state, "deliveryWebhookConfigured") is False
        causes = (
            cause("unreachable endpoint", 1, "no request reached the receiver"),
            cause("invalid signature verification logic", 0),
            cause("endpoint returns non-`2xx`", 0),
            cause(
                "webhook configuration issue",
                2 if not_configured else 0,
                "whoami said deliveryWebhookConfigured=false" if not_configured else "",
            ),
        )
        return self.finding(
            summary=(
                f"{len(overdue)} of {accepted} accepted messages are past the "
                f"{context.delivery_grace_s:g}s grace window and no webhook request was logged; "
                + receiver_note
            ),
            checks=checks,
            causes=causes,
            next_action=(
                "Test with a temporary endpoint such as webhook.site, then compare behavior."
            ),
            evidence=Evidence(
                count=len(overdue),
                first_seen=overdue[0][0],
                last_seen=overdue[-1][0],
                message_ids=tuple(m for _, m in overdue[:20]),
                details=(("webhook records", "0"), ("accepted messages", str(accepted))),
            ),
            package=overdue_package(state, overdue, [receiver_note]),
        )
