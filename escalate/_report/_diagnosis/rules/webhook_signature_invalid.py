"""`webhook_signature_invalid`: webhook requests fail signature verification."""

from __future__ import annotations

from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext
from escalate._report._diagnosis.rules._package import cause, check
from escalate._report._diagnosis.rules._webhooks import (
    badly_signed,
    hook_count,
    hook_evidence,
    hook_package,
    select_hooks,
)
from escalate._report._model import Finding
from escalate._schema import SIGNATURE_INVALID, SIGNATURE_VALID, STAGE_WEBHOOKS

#: a skew this large breaks any replay window a receiver is likely to enforce
LARGE_SKEW_S = 300.0
HMAC_CHECK = "HMAC_SHA256(secret, `timestamp.rawBody`) over the exact raw body bytes"
HEADERS_CHECK = "both `X-RedCloud-Timestamp` and `X-RedCloud-Signature` are present"
CLOCK_CHECK = "clocks agree (only matters if you enforce a replay window)"
SECRET_ACTION = (
    "Compare the webhook signing secret your receiver (and escalate) uses with the one "
    "configured for the API client's delivery webhook, in case it was rotated; update it and "
    "watch the next webhook verify."
)
PROXY_ACTION = (
    "Check what sits between Red Cloud and the handler (proxy, API gateway, framework "
    "middleware): it must pass the raw body unchanged and keep the `X-RedCloud-Timestamp` and "
    "`X-RedCloud-Signature` headers."
)


class WebhookSignatureInvalidRule(BaseRule):
    """Receipts whose HMAC did not match, or that lacked a signing header.

    escalate verified these over the raw bytes as received, so the likely causes are the
    secret, what altered the body or headers on the way, or the timestamp; a handler verifying
    re-serialised JSON shows as `valid` here and is `webhook_rejected`'s diagnosis.
    """

    id = "webhook_signature_invalid"
    title = "Webhook signature verification fails"
    stage = STAGE_WEBHOOKS

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when any receipt was `invalid` or `missing` a signature."""
        groups = select_hooks(state, badly_signed)
        if not groups:
            return None
        invalid = hook_count([(k, g) for k, g in groups if k.signature == SIGNATURE_INVALID])
        missing = hook_count(groups) - invalid
        valid = hook_count(select_hooks(state, lambda k: k.signature == SIGNATURE_VALID))
        skews = [g.max_skew_s for _, g in groups if g.max_skew_s is not None]
        skewed = sum(g.count for _, g in groups if (g.max_skew_s or 0) > LARGE_SKEW_S)
        total = state.webhooks
        checks = (
            check(
                HMAC_CHECK,
                invalid,
                total,
                f"{invalid} of {total} webhook requests had a signature that did not match",
            ),
            check(
                HEADERS_CHECK,
                missing,
                total,
                f"{missing} of {total} webhook requests lacked a signing header",
            ),
            check(
                CLOCK_CHECK,
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
        # escalate checked the raw bytes as received: re-serialised JSON cannot explain these
        causes = (
            cause(
                "wrong or rotated signing secret",
                invalid,
                f"{invalid} raw-body HMAC mismatches{mixed}" if invalid else "",
                action=SECRET_ACTION,
                contradicts=HMAC_CHECK,
            ),
            cause(
                "a proxy or middleware altering the body or stripping the signing headers",
                missing,
                f"{missing} requests lacked a signing header" if missing else "",
                action=PROXY_ACTION,
                contradicts=HEADERS_CHECK,
            ),
            cause(
                "a timestamp problem: a skewed clock or a replay window rejecting it",
                skewed,
                f"{skewed} requests skewed by more than {LARGE_SKEW_S:g}s" if skewed else "",
                contradicts=CLOCK_CHECK,
            ),
        )
        return self.finding(
            summary=f"{hook_count(groups)} of {total} webhook requests failed verification",
            checks=checks,
            causes=causes,
            next_action=(
                "Verify the HMAC over the exact raw body bytes and the exact "
                "`X-RedCloud-Timestamp` value before parsing; compare in constant time."
            ),
            evidence=hook_evidence(groups),
            package=hook_package(state, groups),
        )
