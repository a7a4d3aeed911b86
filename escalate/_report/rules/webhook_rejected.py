"""`webhook_rejected`: the receiver answered a verified webhook with a non-2xx status."""

from __future__ import annotations

from escalate._report._aggregate import AggregateState, webhook_failed
from escalate._report._model import Finding
from escalate._report.rules._base import BaseRule, RuleContext
from escalate._report.rules._package import cause, check
from escalate._report.rules._webhooks import hook_count, hook_evidence, hook_package, select_hooks
from escalate._schema import SIGNATURE_NOT_CHECKED, SIGNATURE_VALID, STAGE_WEBHOOKS


class WebhookRejectedRule(BaseRule):
    """Receipts that passed (or skipped) verification and were still answered non-2xx."""

    id = "webhook_rejected"
    title = "Webhook receiver answers non-2xx"
    stage = STAGE_WEBHOOKS

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when a receipt with a good (or unchecked) signature was answered non-2xx."""
        groups = select_hooks(
            state,
            lambda k: (
                k[0] in (SIGNATURE_VALID, SIGNATURE_NOT_CHECKED) and webhook_failed(k[0], k[1])
            ),
        )
        if not groups:
            return None
        rejected = hook_count(groups)
        server = sum(g.count for k, g in groups if (k[1] or 0) >= 500)
        unparsed = sum(g.parse_errors for _, g in groups)
        total = state.webhooks
        checks = (
            check(
                "your handler returns `2xx` only after successful acceptance",
                rejected,
                total,
                f"{rejected} of {total} webhook requests were answered non-2xx",
            ),
            check(
                "the handler accepts every event type it receives",
                rejected - server,
                rejected,
                f"{rejected - server} answered 4xx, {server} answered 5xx",
            ),
            check(
                "event bodies parse as JSON objects",
                unparsed,
                rejected,
                f"{unparsed} of {rejected} rejected bodies were not a JSON object",
            ),
        )
        causes = (
            cause("webhook processing bug (the handler failed)", server, f"{server} 5xx answers"),
            cause(
                "the handler rejects valid traffic",
                rejected - server,
                f"{rejected - server} 4xx answers",
            ),
            cause("unexpected payload shape", unparsed),
        )
        return self.finding(
            summary=f"{rejected} of {total} verified webhook requests were answered non-2xx",
            checks=checks,
            causes=causes,
            next_action=(
                "Fix the handler so valid events get 2xx after durable acceptance; "
                "Red Cloud retries "
                "after 1, 5, 15 and 60 minutes, then fails terminally."
            ),
            evidence=hook_evidence(groups),
            package=hook_package(state, groups),
        )
