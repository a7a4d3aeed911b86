"""`webhook_rejected`: the receiver answered a webhook escalate did not find badly signed non-2xx.

How the signature was checked decides the diagnosis: a request escalate verified over the raw
body (`valid`) and the handler still answered 401/403 points at the handler's own HMAC code; a
request escalate did not check (`not_checked`, no secret given) is never called verified.
"""

from __future__ import annotations

from collections.abc import Callable

from escalate._report._aggregation._groups import WebhookKey
from escalate._report._aggregation._state import AggregateState, webhook_failed
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext
from escalate._report._diagnosis.rules._package import cause, check, plural
from escalate._report._diagnosis.rules._request_fixes import raw_body_verification_fix
from escalate._report._diagnosis.rules._webhooks import (
    SelectedHooks,
    hook_count,
    hook_evidence,
    hook_package,
    select_hooks,
    unchecked,
)
from escalate._report._model import Cause, Check, Finding
from escalate._schema import SIGNATURE_NOT_CHECKED, SIGNATURE_VALID, STAGE_WEBHOOKS

_AUTH_STATUSES = (401, 403)
HANDLER_CHECK = "your handler returns `2xx` only after successful acceptance"
VERIFIED_CHECK = "escalate verified the signature over the raw body"
HMAC_ACTION = (
    "Fix the handler's signature check: compute HMAC_SHA256(secret, "
    '`X-RedCloud-Timestamp` + "." + raw body) over the body bytes exactly as received, '
    "before any JSON parsing, with the same secret escalate verified with; compare in "
    "constant time."
)


class WebhookRejectedRule(BaseRule):
    """Receipts that passed (or skipped) escalate's verification and were answered non-2xx."""

    id = "webhook_rejected"
    title = "Webhook receiver answers non-2xx"
    stage = STAGE_WEBHOOKS

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when a receipt with a good (or unchecked) signature was answered non-2xx."""
        groups = select_hooks(
            state,
            lambda k: (
                k.signature in (SIGNATURE_VALID, SIGNATURE_NOT_CHECKED)
                and webhook_failed(k.signature, k.response_status)
            ),
        )
        if not groups:
            return None
        rejected = hook_count(groups)
        verified = _count(groups, lambda k: k.signature == SIGNATURE_VALID)
        return self.finding(
            summary=(
                f"{rejected} of {state.webhooks} webhook requests were answered non-2xx "
                f"({verified} signed correctly as escalate verified over the raw body, "
                f"{rejected - verified} not checked by escalate)"
            ),
            checks=_checks(state, groups),
            causes=_causes(groups),
            next_action=(
                "Fix the handler so valid events get 2xx after durable acceptance; "
                "Red Cloud retries after 1, 5, 15 and 60 minutes, then fails terminally."
            ),
            evidence=hook_evidence(groups),
            package=hook_package(state, groups),
            fix=raw_body_verification_fix() if _verified_rejected(groups) else None,
        )


def _verified_rejected(groups: SelectedHooks) -> int:
    """Requests escalate verified over the raw body that the handler answered 401/403."""
    return _count(
        groups, lambda k: k.signature == SIGNATURE_VALID and k.response_status in _AUTH_STATUSES
    )


def _count(groups: SelectedHooks, match: Callable[[WebhookKey], bool]) -> int:
    return sum(g.count for k, g in groups if match(k))


def _checks(state: AggregateState, groups: SelectedHooks) -> tuple[Check, ...]:
    rejected = hook_count(groups)
    server = _count(groups, lambda k: (k.response_status or 0) >= 500)
    unparsed = sum(g.parse_errors for _, g in groups)
    not_checked = _count(groups, unchecked)
    total = state.webhooks
    return (
        check(HANDLER_CHECK, rejected, total,
              f"{rejected} of {total} webhook requests were answered non-2xx"),
        check("the handler accepts every event type it receives", rejected - server, rejected,
              f"{rejected - server} answered 4xx, {server} answered 5xx"),
        check("event bodies parse as JSON objects", unparsed, rejected,
              f"{unparsed} of {rejected} rejected bodies were not a JSON object"),
        Check(
            VERIFIED_CHECK,
            "unknown" if not_checked else "passed",
            f"{plural(not_checked, 'rejected request')} not checked: escalate had no webhook "
            "secret (give it the secret: secret=... on the middleware or record_webhook)"
            if not_checked
            else f"all {rejected} rejected requests were signed correctly",
        ),
    )  # fmt: skip


def _causes(groups: SelectedHooks) -> tuple[Cause, ...]:
    server = _count(groups, lambda k: (k.response_status or 0) >= 500)
    auth = _verified_rejected(groups)
    unchecked_auth = _count(
        groups,
        lambda k: unchecked(k) and k.response_status in _AUTH_STATUSES,
    )
    other = hook_count(groups) - server - auth - unchecked_auth
    unparsed = sum(g.parse_errors for _, g in groups)
    return (
        cause(
            "your handler verifies something other than the raw body (parsed and re-serialized "
            "JSON) or with another secret",
            auth,
            f"{auth} requests escalate verified over the raw body were answered 401/403"
            if auth
            else "",
            action=HMAC_ACTION,
            contradicts=HANDLER_CHECK,
        ),
        cause("webhook processing bug (the handler failed)", server, f"{server} 5xx answers"
              if server else "", contradicts=HANDLER_CHECK),
        cause(
            "your handler's signature check rejects the requests (escalate did not check them: "
            "give it the secret to tell a bad signature from a bad check)",
            unchecked_auth,
            f"{unchecked_auth} unchecked requests answered 401/403" if unchecked_auth else "",
            contradicts=HANDLER_CHECK,
        ),
        cause("the handler rejects valid traffic", other, f"{other} other 4xx answers"
              if other else "", contradicts=HANDLER_CHECK),
        cause("unexpected payload shape", unparsed, f"{unparsed} bodies not a JSON object"
              if unparsed else ""),
    )  # fmt: skip
