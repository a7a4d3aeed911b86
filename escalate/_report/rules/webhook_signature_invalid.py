"""`webhook_signature_invalid`: webhook requests fail signature verification."""

from __future__ import annotations

from escalate._report._aggregate import AggregateState
from escalate._report._model import Finding
from escalate._report.rules._base import BaseRule, RuleContext
from escalate._report.rules._package import cause, check
from escalate._report.rules._webhooks import hook_count, hook_evidence, hook_package, select_hooks
from escalate._schema import SIGNATURE_INVALID, SIGNATURE_MISSING, SIGNATURE_VALID, STAGE_WEBHOOKS

#: a skew this large breaks any replay window a receiver is likely to enforce
LARGE_SKEW_S = 300.0


class WebhookSignatureInvalidRule(BaseRule):
    """Receipts whose HMAC did not match, or that lacked a signing header."""

    id = "webhook_signature_invalid"
    title = "Webhook signature verification fails"
    stage = STAGE_WEBHOOKS

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when any receipt was `invalid` or `missing` a signature."""
        groups = select_hooks(state, lambda k: k[0] in (SIGNATURE_INVALID, SIGNATURE_MISSING))
        if not groups:
            return None
        invalid = hook_count([(k, g) for k, g in groups if k[0] == SIGNATURE_INVALID])
        missing = hook_count(groups) - invalid
        valid = hook_count(select_hooks(state, lambda k: k[0] == SIGNATURE_VALID))
        skews = [g.max_skew_s for _, g in groups if g.max_skew_s is not None]
        skewed = sum(g.count for _, g in groups if (g.max_skew_s or 0) > LARGE_SKEW_S)
        total = state.webhooks
        checks = (
            check(
                "HMAC_SHA256(secret, `timestamp.rawBody`) over the exact raw body bytes",
                invalid,
                total,
                f"{invalid} of {total} webhook requests had a signature that did not match",
            ),
            check(
                "both `X-RedCloud-Timestamp` and `X-RedCloud-Signature` are present",
                missing,
                total,
                f"{missing} of {total} webhook requests lacked a signing header",
            ),
            check(
                "clocks agree (only matters if you enforce a replay window)",
                skewed,
                total,
                f"largest timestamp skew {max(skews):.0f}s"
                if skews
                else "no timestamp skew recorded",
            ),
        )
        mixed = (
            " (other requests verified fine: suspect the secret or body handling per route)"
            if valid
            else ""
        )
        causes = (
            cause(
                "HMAC computed over re-serialised JSON instead of the raw body",
                invalid,
                f"{invalid} mismatches{mixed}",
            ),
            cause("wrong or rotated signing secret", invalid // 2),
            cause(
                "signing headers missing (stripped by a proxy, or not sent by Red Cloud)",
                missing,
            ),
            cause("a replay window rejecting skewed timestamps", skewed),
        )
        return self.finding(
            summary=f"{hook_count(groups)} of {total} webhook requests failed verification",
            checks=checks,
            causes=causes,
            next_action=(
                "Verify the HMAC over the exact raw body bytes and the exact "
                "`X-RedCloud-Timestamp` "
                "value before parsing; compare in constant time."
            ),
            evidence=hook_evidence(groups),
            package=hook_package(state, groups),
        )
