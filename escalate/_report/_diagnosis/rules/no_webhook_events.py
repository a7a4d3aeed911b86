"""`no_webhook_events`: no webhook events arrive at all."""

from __future__ import annotations

from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext, whoami_value
from escalate._report._diagnosis.rules._package import cause
from escalate._report._diagnosis.rules._webhooks import (
    accepted_count,
    overdue_messages,
    overdue_package,
    receiver_log_note,
)
from escalate._report._diagnosis.rules.accepted_not_delivered import delivery_configured_check
from escalate._report._model import Cause, Check, CheckVerdict, Evidence, Finding
from escalate._schema import STAGE_WEBHOOKS

REACHABLE = "endpoint is publicly reachable"


class NoWebhookEventsRule(BaseRule):
    """Accepted messages, yet not one webhook request is in the logs.

    Fires once the messages are past the grace window, or at once when whoami said the delivery
    webhook is not configured: then no lifecycle event can come, however long one waits.
    """

    id = "no_webhook_events"
    title = "No webhook events arrive"
    stage = STAGE_WEBHOOKS

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when accepted messages are overdue (or cannot get webhooks) and none arrived."""
        if state.webhooks or not accepted_count(state):
            return None
        not_configured = whoami_value(state, "deliveryWebhookConfigured") is False
        overdue = overdue_messages(state, 0.0 if not_configured else context.delivery_grace_s)
        if not overdue.total:
            return None
        note = receiver_log_note(state)
        return self.finding(
            summary=_summary(state, context, overdue.total, not_configured) + "; " + note,
            checks=_checks(state, not_configured),
            causes=_causes(state, not_configured),
            next_action=(
                "Test with a temporary endpoint such as webhook.site, then compare behavior."
            ),
            evidence=Evidence(
                count=overdue.total,
                first_seen=overdue.first,
                last_seen=overdue.last,
                message_ids=tuple(m for _, m in overdue.earliest),
                details=(
                    ("webhook records", "0"),
                    ("accepted messages", str(accepted_count(state))),
                    *((("whoami", _whoami_fact(state)),) if not_configured else ()),
                ),
            ),
            package=overdue_package(state, overdue, [note]),
        )


def _summary(state: AggregateState, context: RuleContext, overdue: int, off: bool) -> str:
    accepted = accepted_count(state)
    if off:
        return (
            f"{_whoami_fact(state)}, and {accepted} messages were accepted: no lifecycle "
            "webhook can arrive while the delivery webhook is not configured"
        )
    return (
        f"{overdue} of {accepted} accepted messages are past the {context.delivery_grace_s:g}s "
        "grace window and no webhook request was logged"
    )


def _whoami_fact(state: AggregateState) -> str:
    client = whoami_value(state, "apiClientId") or "the API client"
    when = state.whoami[0] if state.whoami else "unknown time"
    return f"whoami said deliveryWebhookConfigured=false for {client} at {when}"


def _checks(state: AggregateState, not_configured: bool) -> tuple[Check, ...]:
    unknown: CheckVerdict = "unknown"
    configured = delivery_configured_check(state)
    reachable = (
        Check(REACHABLE, unknown, "not judged: Red Cloud has no delivery webhook URL to call")
        if not_configured
        else Check(REACHABLE, "failed", f"0 webhook requests received while "
                   f"{accepted_count(state)} messages were accepted")
    )  # fmt: skip
    return (
        Check("endpoint URL is correct", unknown,
              "not visible in the logs; compare with the portal"),
        reachable,
        Check("your handler returns `2xx` only after successful acceptance", unknown,
              "no webhook request to judge"),
        Check("signature handling is not rejecting valid traffic", unknown,
              "no webhook request to judge"),
        Check("inbound and delivery webhook configuration is actually enabled",
              configured.verdict, configured.evidence),
    )  # fmt: skip


def _causes(state: AggregateState, not_configured: bool) -> tuple[Cause, ...]:
    accepted = accepted_count(state)
    client = whoami_value(state, "apiClientId") or "the API client"
    return (
        cause(
            "unreachable endpoint",
            0 if not_configured else 1,
            "" if not_configured else "no request reached the receiver",
            contradicts=REACHABLE,
        ),
        cause("invalid signature verification logic", 0),
        cause("endpoint returns non-`2xx`", 0),
        cause(
            "webhook configuration issue: the delivery webhook is not configured",
            accepted if not_configured else 0,
            _whoami_fact(state) if not_configured else "",
            action=(
                f"Enable the delivery webhook configuration for API client {client} (a delivery "
                "webhook URL your receiver serves, and its signing secret), then send again: "
                "while it is off, Red Cloud sends no lifecycle event at all."
            ),
            contradicts="inbound and delivery webhook configuration is actually enabled",
        ),
    )
