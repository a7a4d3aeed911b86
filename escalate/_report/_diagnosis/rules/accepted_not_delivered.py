"""`accepted_not_delivered`: the send returned 202/QUEUED but no delivery lifecycle followed."""

from __future__ import annotations

from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext, plural, whoami_value
from escalate._report._diagnosis.rules._package import cause, check
from escalate._report._diagnosis.rules._webhooks import (
    accepted_count,
    badly_signed,
    hook_count,
    overdue_messages,
    overdue_package,
    rejected_count,
    select_hooks,
)
from escalate._report._model import Check, Evidence, Finding
from escalate._schema import (
    EVENT_DELIVERY,
    EVENT_FAILED,
    EVENT_QUEUED,
    EVENT_SENT,
    LIFECYCLE_EVENTS,
    SIGNATURE_NOT_CHECKED,
    STAGE_WEBHOOKS,
)


def delivery_configured_check(state: AggregateState) -> Check:
    """Whether whoami said delivery webhooks were configured at all."""
    configured = whoami_value(state, "deliveryWebhookConfigured")
    if configured is None:
        return Check(
            "delivery webhooks are configured (whoami `deliveryWebhookConfigured`)",
            "unknown",
            "no successful whoami captured",
        )
    return Check(
        "delivery webhooks are configured (whoami `deliveryWebhookConfigured`)",
        "passed" if configured else "failed",
        f"whoami said deliveryWebhookConfigured={str(configured).lower()}",
    )


class AcceptedNotDeliveredRule(BaseRule):
    """Accepted messages that got no `message.sent`/`delivery`/`failed` within the grace window."""

    id = "accepted_not_delivered"
    title = "Send request returns 202 but no delivery happens"
    stage = STAGE_WEBHOOKS

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when webhooks arrived but some accepted messages never saw their lifecycle."""
        overdue = overdue_messages(state, context.delivery_grace_s)
        if not overdue.total or state.webhooks == 0:
            return None
        accepted = accepted_count(state)
        bad_signature = hook_count(
            select_hooks(state, badly_signed)
        )
        rejected = rejected_count(state)
        unchecked = hook_count(select_hooks(state, lambda k: k.signature == SIGNATURE_NOT_CHECKED))
        lifecycle = sum(state.events.get(event, 0) for event in LIFECYCLE_EVENTS)
        queued = state.events.get(EVENT_QUEUED, 0)
        failed_events = state.events.get(EVENT_FAILED, 0)
        not_configured = whoami_value(state, "deliveryWebhookConfigured") is False
        checks = (
            check(
                "webhook endpoint is reachable",
                0,
                state.webhooks,
                f"{plural(state.webhooks, 'webhook request')} received",
            ),
            check(
                "webhook signatures are being verified correctly",
                bad_signature,
                state.webhooks - unchecked,
                f"{bad_signature} of {state.webhooks} webhook requests failed verification"
                + (f"; {unchecked} not checked (no secret given to escalate)" if unchecked else ""),
            ),
            check(
                "downstream webhook handling is not discarding the event",
                rejected,
                state.webhooks,
                f"{rejected} of {state.webhooks} webhook requests were answered non-2xx",
            ),
            check(
                "you are inspecting `message.sent`, `message.delivery`, and `message.failed`",
                0 if lifecycle else 1,
                state.webhooks,
                f"{state.events.get(EVENT_SENT, 0)} sent, {state.events.get(EVENT_DELIVERY, 0)} "
                f"delivery, {failed_events} failed, {queued} queued events received",
            ),
            delivery_configured_check(state),
        )
        causes = (
            cause(
                "webhook endpoint misconfiguration",
                overdue.total * (not bad_signature and not rejected and not queued)
                + (overdue.total if not_configured else 0),
                f"{overdue.total} messages got no lifecycle event at all"
                + ("; whoami said deliveryWebhookConfigured=false" if not_configured else ""),
            ),
            cause(
                "the lifecycle stopped after `message.queued` (Red Cloud accepted and queued the "
                "messages; nothing moved them downstream)",
                min(queued, overdue.total) * (not bad_signature and not rejected),
                f"{queued} message.queued events reached the receiver, but {overdue.total} "
                "messages got no message.sent, message.delivery or message.failed",
                action=(
                    "Escalate to Red Cloud with the messageIds below: they were accepted and "
                    "queued (your receiver got message.queued, so the webhook path works) but "
                    "got no message.sent, message.delivery or message.failed within the grace "
                    "window."
                ),
            ),
            cause(
                "webhook processing bug",
                rejected,
                f"{rejected} webhook requests answered non-2xx by the receiver",
                contradicts="downstream webhook handling is not discarding the event",
            ),
            cause(
                "provider-side downstream failure reported later by webhook",
                failed_events,
                f"{failed_events} message.failed events",
            ),
        )
        message_ids = tuple(message_id for _, message_id in overdue.earliest)
        return self.finding(
            summary=(
                f"{overdue.total} of {accepted} accepted messages got no message.sent, "
                f"message.delivery or message.failed within {context.delivery_grace_s:g}s"
            ),
            checks=checks,
            causes=causes,
            next_action="Inspect webhook receipts before assuming the send path is broken.",
            evidence=Evidence(
                count=overdue.total,
                first_seen=overdue.first,
                last_seen=overdue.last,
                message_ids=message_ids,
                details=(
                    ("accepted, no lifecycle", str(overdue.total)),
                    ("accepted", str(accepted)),
                ),
            ),
            package=overdue_package(state, overdue, []),
        )
