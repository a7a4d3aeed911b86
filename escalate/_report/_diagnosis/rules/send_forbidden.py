"""`send_forbidden`: the send returns 403 FORBIDDEN."""

from __future__ import annotations

from escalate._report._aggregation._shapes import SendShape
from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext, whoami_value
from escalate._report._diagnosis.rules._numbers import (
    SendFromCounts,
    see_also_send_from,
    send_from_counts,
)
from escalate._report._diagnosis.rules._package import cause, check, observed_evidence
from escalate._report._diagnosis.rules._select import (
    Selected,
    attempts,
    count,
    error_text_hits,
    select,
    sends_answered,
    shapes_of,
)
from escalate._report._diagnosis.rules._send_from_fix import send_from_fix
from escalate._report._model import Cause, Check, Finding
from escalate._schema import STAGE_SEND

OWNER_CHECK = "`sendFrom` belongs to the authenticated API client"
CLIENT_CHECK = "the token belongs to the client you think it does"


class SendForbiddenRule(BaseRule):
    """Sends refused as forbidden: the client context or the number ownership is wrong."""

    id = "send_forbidden"
    title = "Send request returns 403 FORBIDDEN"
    stage = STAGE_SEND

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire on any send answered 403 or FORBIDDEN."""
        groups = select(state, sends_answered(403, "FORBIDDEN"))
        if not groups:
            return None
        total = count(groups)
        c = send_from_counts(state, shapes_of(groups, SendShape))
        other_token, known_token = _token_mismatch(state, groups)
        return self.call_finding(
            state,
            groups,
            summary=(
                f"{total} of {attempts(state, STAGE_SEND)} sends were refused (403 FORBIDDEN)"
                + see_also_send_from(state, groups)
            ),
            checks=(
                _owner_check(c, total),
                _client_check(state, other_token, known_token),
            ),
            causes=_causes(c, other_token, error_text_hits(groups, "not owned")),
            next_action=(
                "Confirm /whoami, then confirm /numbers, then retry with the correct `numberId`."
            ),
            fix=send_from_fix(state, groups),
        )


def _owner_check(c: SendFromCounts, total: int) -> Check:
    """Does `sendFrom` belong to the client? Judged only when a numbers list was captured."""
    return check(
        OWNER_CHECK,
        c.not_listed + c.phone_number,
        total if c.listed_known else 0,
        f"{c.not_listed} of {total} sends used a numberId missing from /api/core/numbers; "
        f"{c.phone_number} used a phone number",
    )


def _client_check(state: AggregateState, other_token: int, known_token: int) -> Check:
    """Is the token the one whoami identified? Judged on the sends whose token is known."""
    client = whoami_value(state, "apiClientId") or "unknown (no whoami captured)"
    return check(
        CLIENT_CHECK,
        other_token,
        known_token,
        f"{other_token} of {known_token} sends used a token other than the one whoami "
        f"identified as {client}",
    )


def _causes(c: SendFromCounts, other_token: int, said_not_owned: int) -> tuple[Cause, ...]:
    """The guide's three: the wrong client context, the wrong `sendFrom`, another's number."""
    return (
        cause(
            "wrong API client context",
            other_token,
            f"{other_token} sends used a token other than whoami's",
            contradicts=CLIENT_CHECK,
        ),
        cause(
            "wrong `sendFrom`",
            c.phone_number,
            f"{c.phone_number} sends had a phone number in sendFrom",
            contradicts=OWNER_CHECK,
        ),
        _ownership_mismatch(c, said_not_owned),
    )


def _ownership_mismatch(c: SendFromCounts, said_not_owned: int) -> Cause:
    """Not in the numbers list, or the API said so in its error text."""
    return cause(
        "number ownership mismatch",
        c.not_listed + said_not_owned,
        observed_evidence(
            (c.not_listed, f"{c.not_listed} sends used a numberId missing from /api/core/numbers"),
            (
                said_not_owned,
                f"the API said the number is not owned by this API client {said_not_owned} times",
            ),
        ),
        contradicts=OWNER_CHECK,
    )


def _token_mismatch(state: AggregateState, groups: Selected) -> tuple[int, int]:
    """(sends with a token other than whoami's, sends whose token is known)."""
    if state.whoami is None or state.whoami[2] is None:
        return 0, 0
    whoami_token = state.whoami[2]
    other = known = 0
    for _, group in groups:
        for fingerprint, n in group.token_fps.items():
            known += n
            other += n * (fingerprint != whoami_token)
    return other, known
