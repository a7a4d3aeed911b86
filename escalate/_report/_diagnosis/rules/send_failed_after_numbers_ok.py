"""`send_failed_after_numbers_ok`: `/api/core/numbers` succeeds but sends fail."""

from __future__ import annotations

from dataclasses import replace

from escalate._report._aggregation._shapes import SendShape
from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext
from escalate._report._diagnosis.rules._numbers import (
    SendFromCounts,
    send_from_broken,
    send_from_counts,
)
from escalate._report._diagnosis.rules._package import cause, check
from escalate._report._diagnosis.rules._select import (
    Selected,
    answered,
    attempts,
    client_failure,
    count,
    select,
    shapes_of,
    successes,
)
from escalate._report._diagnosis.rules._send_from_fix import send_from_fix
from escalate._report._diagnosis.rules.send_forbidden import SendForbiddenRule
from escalate._report._diagnosis.rules.send_invalid_request import SendInvalidRequestRule
from escalate._report._model import Cause, Check, Finding
from escalate._schema import STAGE_NUMBERS, STAGE_SEND

ID_CHECK = "`sendFrom` uses numberId, not the phone number"
LISTED_CHECK = "`sendFrom` is one of the numbers `/api/core/numbers` returned"


class SendFailedAfterNumbersOkRule(BaseRule):
    """Sends that fail although the numbers list was fetched: a `sendFrom` problem, mostly.

    Fires when the evidence breaks a `sendFrom` check, or when failures are not covered by the
    rule of their status (`send_invalid_request`, `send_forbidden`, `idempotency_conflict`).
    """

    id = "send_failed_after_numbers_ok"
    title = "/api/core/numbers succeeds but sends fail"
    stage = STAGE_SEND

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire when the numbers call succeeded and sends failed with a 4xx or no response."""
        groups = select(state, client_failure(STAGE_SEND))
        if not groups or not successes(state, STAGE_NUMBERS):
            return None
        shapes = shapes_of(groups, SendShape)
        if not send_from_broken(state, shapes) and not _unexplained(groups):
            return None  # the send_* rule of the status explains these failures
        c = send_from_counts(state, shapes)
        covered = covered_status_rules(state, groups)
        finding = self.call_finding(
            state,
            groups,
            summary=(
                f"{count(groups)} of {attempts(state, STAGE_SEND)} sends failed after "
                f"/api/core/numbers succeeded" + _same_sends_text(covered)
            ),
            checks=(*_number_id_checks(c), *_number_state_checks(c)),
            causes=_causes(c),
            next_action="Correct the `sendFrom` source and re-run the send.",
            fix=send_from_fix(state, groups),
        )
        return _covering(finding, covered)


def _number_id_checks(c: SendFromCounts) -> tuple[Check, ...]:
    """Is `sendFrom` a numberId, and one that `/api/core/numbers` returned?"""
    listed = "in the numbers list" if c.listed_known else "(no numbers list captured)"
    return (
        check(
            ID_CHECK,
            c.phone_number,
            c.total,
            f"{c.phone_number} of {c.total} sends had a phone number (E.164) value",
        ),
        check(
            LISTED_CHECK,
            c.not_listed,
            c.total if c.listed_known else 0,
            f"{c.not_listed} of {c.total} sends used a numberId not {listed}",
        ),
    )


def _number_state_checks(c: SendFromCounts) -> tuple[Check, ...]:
    """Is the listed number `ACTIVE`, and enabled for the message type?"""
    return (
        check(
            "the selected number is `ACTIVE`",
            c.not_active,
            c.checked,
            f"{c.not_active} of {c.checked} sends with a listed number used one not ACTIVE",
        ),
        check(
            "`smsEnabled` or `mmsEnabled` matches the message type",
            c.not_enabled,
            c.checked,
            f"{c.not_enabled} of {c.checked} sends used a number not enabled for their messageType",
        ),
    )


def _causes(c: SendFromCounts) -> tuple[Cause, ...]:
    """The guide's three: a phone number, a number not owned, a number not enabled."""
    return (
        cause(
            "using E.164 in `sendFrom`",
            c.phone_number,
            f"{c.phone_number} sends had a phone number in sendFrom",
            action=(
                "Put the `numberId` that /api/core/numbers returned (not its phone number) in "
                "`sendFrom`, and re-run the send."
            ),
            contradicts=ID_CHECK,
        ),
        cause(
            "using a number not owned by the API client",
            c.not_listed,
            f"{c.not_listed} sends used a numberId not in the numbers list",
            action=(
                "Use a `numberId` this API client owns (one /api/core/numbers lists) in "
                "`sendFrom`, and re-run the send."
            ),
            contradicts=LISTED_CHECK,
        ),
        cause(
            "sending with a number not enabled for the intended message type",
            c.not_enabled + c.not_active,
            f"{c.not_enabled} not enabled, {c.not_active} not ACTIVE",
        ),
    )


def _covering(finding: Finding, covered: tuple[str, ...]) -> Finding:
    """The finding standing for the status rules it covers, named in its evidence too."""
    if covered:
        details = (*finding.evidence.details, ("also the symptom of", ", ".join(covered)))
        finding = replace(finding, evidence=replace(finding.evidence, details=details))
    return replace(finding, covers=covered)


def _unexplained(groups: Selected) -> bool:
    """Answered failures no status-specific rule covers (a 404, a 422, ...).

    A send with no answer (timeout, connection error) says nothing about `sendFrom`: its
    outcome is ambiguous, and `duplicate_messages` judges what the client did next.
    """
    statuses = {key.status for key, _ in groups}
    return any(status is not None and status not in _EXPLAINED_STATUSES for status in statuses)


def covered_status_rules(state: AggregateState, groups: Selected) -> tuple[str, ...]:
    """The status rules whose every send broke a `sendFrom` check: the same failed sends.

    One problem is one finding: this, the specific one, is reported, and names the status rule
    it stands for; a status rule whose sends are only partly explained keeps its own finding
    (and says "see also" back).
    """
    covered = []
    for rule, match in _STATUS_RULES:
        sends = [(k, g) for k, g in groups if match(k)]
        if sends and send_from_broken(state, shapes_of(sends, SendShape)) == count(sends):
            covered.append(rule.id)
    return tuple(covered)


def _same_sends_text(covered: tuple[str, ...]) -> str:
    titles = [f'"{rule.title}"' for rule, _ in _STATUS_RULES if rule.id in covered]
    if not titles:
        return ""
    return "; one finding for the same sends as " + " and ".join(titles)


#: the rules that report a send by its status, and which sends they cover
_STATUS_RULES = (
    (SendInvalidRequestRule, answered(400, "INVALID_REQUEST")),
    (SendForbiddenRule, answered(403, "FORBIDDEN")),
)

#: 401 is an authentication problem (token rules), never a `sendFrom` one.
_EXPLAINED_STATUSES = (400, 401, 403, 409)
