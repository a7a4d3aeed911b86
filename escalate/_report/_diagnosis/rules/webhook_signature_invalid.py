"""`webhook_signature_invalid`: webhook requests fail signature verification."""

from __future__ import annotations

from dataclasses import dataclass

from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext
from escalate._report._diagnosis.rules._package import cause, check
from escalate._report._diagnosis.rules._webhooks import (
    SelectedHooks,
    badly_signed,
    hook_count,
    hook_evidence,
    hook_package,
    select_hooks,
)
from escalate._report._model import Cause, Check, Finding
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
        c = _signature_counts(state, groups)
        return self.finding(
            summary=f"{hook_count(groups)} of {c.total} webhook requests failed verification",
            checks=_checks(c),
            causes=_causes(c),
            next_action=(
                "Verify the HMAC over the exact raw body bytes and the exact "
                "`X-RedCloud-Timestamp` value before parsing; compare in constant time."
            ),
            evidence=hook_evidence(groups),
            package=hook_package(state, groups),
        )


@dataclass(frozen=True)
class SignatureCounts:
    """What the badly signed webhook requests looked like, against every request received."""

    total: int  #: webhook requests received
    invalid: int  #: a signature that did not match
    missing: int  #: a signing header missing
    valid: int  #: requests that verified
    skewed: int  #: requests whose timestamp was more than LARGE_SKEW_S off
    largest_skew: float | None  #: seconds, when a skew was recorded


def _signature_counts(state: AggregateState, groups: SelectedHooks) -> SignatureCounts:
    """Count the badly signed requests in `groups` by what was wrong."""
    invalid = hook_count([(k, g) for k, g in groups if k.signature == SIGNATURE_INVALID])
    skews = [g.max_skew_s for _, g in groups if g.max_skew_s is not None]
    return SignatureCounts(
        total=state.webhooks,
        invalid=invalid,
        missing=hook_count(groups) - invalid,
        valid=hook_count(select_hooks(state, lambda k: k.signature == SIGNATURE_VALID)),
        skewed=sum(g.count for _, g in groups if (g.max_skew_s or 0) > LARGE_SKEW_S),
        largest_skew=max(skews) if skews else None,
    )


def _checks(c: SignatureCounts) -> tuple[Check, ...]:
    """The HMAC over the raw body, both signing headers, and the clocks."""
    return (
        check(
            HMAC_CHECK,
            c.invalid,
            c.total,
            f"{c.invalid} of {c.total} webhook requests had a signature that did not match",
        ),
        check(
            HEADERS_CHECK,
            c.missing,
            c.total,
            f"{c.missing} of {c.total} webhook requests lacked a signing header",
        ),
        check(
            CLOCK_CHECK,
            c.skewed,
            c.total,
            f"largest timestamp skew {c.largest_skew:.0f}s"
            if c.largest_skew is not None
            else "no timestamp skew recorded",
        ),
    )


def _causes(c: SignatureCounts) -> tuple[Cause, ...]:
    """The secret, what altered the request on the way, or its timestamp.

    escalate checked the raw bytes as received: re-serialised JSON cannot explain these.
    """
    mixed = (
        " (other requests verified fine: suspect the secret or body handling per route)"
        if c.valid
        else ""
    )
    return (
        cause(
            "wrong or rotated signing secret",
            c.invalid,
            f"{c.invalid} raw-body HMAC mismatches{mixed}" if c.invalid else "",
            action=SECRET_ACTION,
            contradicts=HMAC_CHECK,
        ),
        cause(
            "a proxy or middleware altering the body or stripping the signing headers",
            c.missing,
            f"{c.missing} requests lacked a signing header" if c.missing else "",
            action=PROXY_ACTION,
            contradicts=HEADERS_CHECK,
        ),
        cause(
            "a timestamp problem: a skewed clock or a replay window rejecting it",
            c.skewed,
            f"{c.skewed} requests skewed by more than {LARGE_SKEW_S:g}s" if c.skewed else "",
            contradicts=CLOCK_CHECK,
        ),
    )
