"""`accepted_not_delivered`: the send returned 202/QUEUED but no delivery lifecycle followed."""

from __future__ import annotations

from dataclasses import dataclass

from escalate._report._aggregation._messages import Overdue
from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext, plural, whoami_value
from escalate._report._diagnosis.rules._package import cause, check, observed_evidence
from escalate._report._diagnosis.rules._webhooks import (
    accepted_count,
    badly_signed,
    failure_events,
    hook_count,
    overdue_messages,
    overdue_package,
    rejected_count,
    select_hooks,
    unchecked,
)
from escalate._report._model import Cause, Check, Evidence, Finding
from escalate._schema import (
    EVENT_DELIVERY,
    EVENT_FAILED,
    EVENT_QUEUED,
    EVENT_SENT,
    LIFECYCLE_EVENTS,
    STAGE_WEBHOOKS,
)

QUEUED_ACTION = (
    "Escalate to Red Cloud with the messageIds below: they were accepted and queued (your "
    "receiver got message.queued, so the webhook path works) but got no message.sent, "
    "message.delivery or message.failed within the grace window."
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
        c = _receipt_counts(state, overdue.total)
        accepted = accepted_count(state)
        return self.finding(
            summary=(
                f"{overdue.total} of {accepted} accepted messages got no message.sent, "
                f"message.delivery or message.failed within {context.delivery_grace_s:g}s"
            ),
            checks=(*_checks(c), delivery_configured_check(state)),
            causes=_causes(c),
            next_action="Inspect webhook receipts before assuming the send path is broken.",
            evidence=_evidence(overdue, accepted),
            package=overdue_package(state, overdue, []),
        )


@dataclass(frozen=True)
class ReceiptCounts:
    """What the webhook receiver got, against the accepted messages it got no lifecycle for."""

    overdue: int  #: accepted messages with no lifecycle event within the grace window
    received: int  #: webhook requests received
    badly_signed: int  #: requests that failed signature verification
    unchecked: int  #: requests not verified (no secret given to escalate)
    rejected: int  #: requests the receiver answered non-2xx
    lifecycle: int  #: lifecycle events received (sent, delivery, failed)
    sent: int  #: message.sent events
    delivered: int  #: message.delivery events
    failed: int  #: message.failed events
    failed_not_taken: int  #: message.failed events the receiver rejected or could not verify
    queued: int  #: message.queued events
    not_configured: bool  #: whoami said deliveryWebhookConfigured=false


def _receipt_counts(state: AggregateState, overdue: int) -> ReceiptCounts:
    """Count the receipts by how they were signed and answered, and the events by kind."""
    return ReceiptCounts(
        overdue=overdue,
        received=state.webhooks,
        badly_signed=hook_count(select_hooks(state, badly_signed)),
        unchecked=hook_count(select_hooks(state, unchecked)),
        rejected=rejected_count(state),
        lifecycle=sum(state.events.get(event, 0) for event in LIFECYCLE_EVENTS),
        sent=state.events.get(EVENT_SENT, 0),
        delivered=state.events.get(EVENT_DELIVERY, 0),
        failed=state.events.get(EVENT_FAILED, 0),
        failed_not_taken=hook_count(failure_events(state, taken=False)),
        queued=state.events.get(EVENT_QUEUED, 0),
        not_configured=whoami_value(state, "deliveryWebhookConfigured") is False,
    )


def _checks(c: ReceiptCounts) -> tuple[Check, ...]:
    """The guide's checks of the webhook path: reached, verified, handled, the right events."""
    return (
        check(
            "webhook endpoint is reachable",
            0,
            c.received,
            f"{plural(c.received, 'webhook request')} received",
        ),
        check(
            "webhook signatures are being verified correctly",
            c.badly_signed,
            c.received - c.unchecked,
            f"{c.badly_signed} of {c.received} webhook requests failed verification"
            + (f"; {c.unchecked} not checked (no secret given to escalate)" if c.unchecked else ""),
        ),
        check(
            "downstream webhook handling is not discarding the event",
            c.rejected,
            c.received,
            f"{c.rejected} of {c.received} webhook requests were answered non-2xx",
        ),
        check(
            "you are inspecting `message.sent`, `message.delivery`, and `message.failed`",
            0 if c.lifecycle else 1,
            c.received,
            f"{c.sent} sent, {c.delivered} delivery, {c.failed} failed, {c.queued} queued events "
            "received",
        ),
    )


def _causes(c: ReceiptCounts) -> tuple[Cause, ...]:
    """Nothing reached the receiver, the lifecycle stopped at queued, the receiver dropped the
    events, or the provider reported failures later."""
    clean = not c.badly_signed and not c.rejected  # every receipt verified and accepted
    return (
        cause(
            "webhook endpoint misconfiguration",
            c.overdue * (clean and not c.queued) + (c.overdue if c.not_configured else 0),
            observed_evidence(
                (c.overdue, f"{c.overdue} messages got no lifecycle event at all"),
                (c.not_configured, "whoami said deliveryWebhookConfigured=false"),
            ),
        ),
        cause(
            "the lifecycle stopped after `message.queued` (Red Cloud accepted and queued the "
            "messages; nothing moved them downstream)",
            min(c.queued, c.overdue) * clean,
            f"{c.queued} message.queued events reached the receiver, but {c.overdue} "
            "messages got no message.sent, message.delivery or message.failed",
            action=QUEUED_ACTION,
        ),
        cause(
            "webhook processing bug",
            c.rejected,
            f"{c.rejected} webhook requests answered non-2xx by the receiver",
            contradicts="downstream webhook handling is not discarding the event",
        ),
        cause(  # a failure event the receiver took resolved its message (`delivery_failed`)
            "provider-side downstream failure reported later by webhook",
            c.failed_not_taken,
            f"{c.failed_not_taken} message.failed events the receiver did not take",
        ),
    )


def _evidence(overdue: Overdue, accepted: int) -> Evidence:
    """How many accepted messages are overdue, when they were accepted, the earliest ones."""
    return Evidence(
        count=overdue.total,
        first_seen=overdue.first,
        last_seen=overdue.last,
        message_ids=tuple(message_id for _, message_id in overdue.earliest),
        details=(("accepted, no lifecycle", str(overdue.total)), ("accepted", str(accepted))),
    )
