"""`token_expired_mid_session`: a CORE call got 401 because its token had aged out."""

from __future__ import annotations

from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext
from escalate._report._diagnosis.rules._package import call_package, cause, check
from escalate._report._diagnosis.rules._select import (
    Selected,
    count,
    first_call,
    select,
    successes_after,
    token_classes,
    unauthorized,
)
from escalate._report._model import Cause, Check, EscalationPackage, Finding
from escalate._schema import STAGE_TOKEN


class TokenExpiredMidSessionRule(BaseRule):
    """401s on CORE calls made with a token older than its lifetime."""

    id = "token_expired_mid_session"
    title = "Token expired mid-session (401 after the token aged out)"
    stage = STAGE_TOKEN

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when a 401 call used a token that was expired at the time of the call."""
        groups = select(state, unauthorized)
        expired = token_classes(groups).get("expired", 0)
        if not expired:
            return None
        refreshed, recovered = _recovery(state, groups)
        package = call_package(state, groups)
        return self.call_finding(
            state,
            groups,
            severity="warning" if refreshed and recovered else "error",
            summary=f"{expired} calls were rejected with 401 because their token had expired",
            checks=_checks(expired, count(groups), refreshed, recovered),
            causes=_causes(expired, refreshed, package),
            next_action=(
                "Cache the token with its expiry and refresh it before it expires; on a 401, "
                "acquire a new token and retry the request once."
            ),
            package=package,
        )


def _recovery(state: AggregateState, groups: Selected) -> tuple[int, int]:
    """(token requests, successful CORE calls) after the first 401: did the client recover?"""
    first_401 = first_call(groups)
    return (
        successes_after(state, first_401, lambda key: key.stage == STAGE_TOKEN),
        successes_after(state, first_401, lambda key: key.stage != STAGE_TOKEN),
    )


def _checks(expired: int, total: int, refreshed: int, recovered: int) -> tuple[Check, ...]:
    """Was the token expired, cached with its expiry, and refreshed on `UNAUTHORIZED`?"""
    return (
        check(
            "whether the token is expired",
            expired,
            total,
            f"{expired} of {total} calls answered 401 used a token past its expires_in",
        ),
        check(
            "the token is cached with its expiry and refreshed proactively",
            expired,
            total,
            "the client kept using a token after it expired",
        ),
        check(
            "on `UNAUTHORIZED`, a new token is acquired and the call retried once",
            0 if refreshed else 1,
            1,
            f"{refreshed} token requests and {recovered} successful calls after the first 401",
        ),
    )


def _causes(expired: int, refreshed: int, package: EscalationPackage) -> tuple[Cause, ...]:
    """A token reused past its lifetime; no refresh after the 401 it earned."""
    ages = "; ".join(sorted({row.token_fresh for row in package.rows}))
    return (
        cause(
            "expired token reused past its `expires_in`",
            expired,
            f"new token or cached? {ages}",
        ),
        cause(
            "no refresh on 401",
            0 if refreshed else expired,
            "no token request after the first 401",
            contradicts="on `UNAUTHORIZED`, a new token is acquired and the call retried once",
        ),
    )
