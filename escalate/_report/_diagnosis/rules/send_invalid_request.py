"""`send_invalid_request`: the send returns 400 INVALID_REQUEST."""

from __future__ import annotations

from dataclasses import dataclass

from escalate._report._aggregation._shapes import SendShape
from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext
from escalate._report._diagnosis.rules._numbers import see_also_send_from, send_from_counts
from escalate._report._diagnosis.rules._package import cause, check
from escalate._report._diagnosis.rules._request_fixes import invalid_send_fix
from escalate._report._diagnosis.rules._select import (
    Selected,
    attempts,
    count,
    count_shapes,
    error_text_hits,
    select,
    sends_answered,
    shapes_of,
)
from escalate._report._model import Cause, Check, Finding
from escalate._schema import STAGE_SEND


def _media_mismatch(shape: SendShape) -> bool:
    if shape.message_type == "SMS":
        return shape.has_media
    if shape.message_type == "MMS":
        return not shape.has_media
    return False


def _bad_body(shape: SendShape) -> bool:
    return not shape.parsed or bool(shape.missing_keys) or shape.message_type not in ("SMS", "MMS")


class SendInvalidRequestRule(BaseRule):
    """Sends rejected as invalid: the payload, not the platform, needs fixing."""

    id = "send_invalid_request"
    title = "Send request returns 400 INVALID_REQUEST"
    stage = STAGE_SEND

    def evaluate(self, state: AggregateState, context: RuleContext) -> Finding | None:
        """Fire on any send answered 400 or INVALID_REQUEST."""
        groups = select(state, sends_answered(400, "INVALID_REQUEST"))
        if not groups:
            return None
        c = _payload_counts(state, groups)
        return self.call_finding(
            state,
            groups,
            summary=(
                f"{c.total} of {attempts(state, STAGE_SEND)} sends were rejected (400)"
                + see_also_send_from(state, groups)
            ),
            checks=_checks(c),
            causes=(_missing_key(c), *_payload_causes(c), _no_campaign(c)),
            next_action="Correct the payload; do not blindly retry unchanged invalid requests.",
            fix=invalid_send_fix(groups),
        )


@dataclass(frozen=True)
class PayloadCounts:
    """How many rejected sends broke each payload rule of the reference."""

    total: int  #: rejected sends
    no_key: int  #: no `Idempotency-Key` header
    bad_to: int  #: a recipient that is not E.164, or none
    media: int  #: SMS with media or MMS without media
    body: int  #: missing sendFrom/to/messageType, or not JSON
    campaign: int  #: a `sendFrom` without a campaign (numbers list or error text)


def _payload_counts(state: AggregateState, groups: Selected) -> PayloadCounts:
    """Count the payload problems of the rejected sends in `groups`."""
    shapes = shapes_of(groups, SendShape)
    return PayloadCounts(
        total=count(groups),
        no_key=count_shapes(shapes, lambda s: s.idempotency_present is False),
        bad_to=count_shapes(shapes, lambda s: s.invalid_recipients > 0 or s.recipients == 0),
        media=count_shapes(shapes, _media_mismatch),
        body=count_shapes(shapes, _bad_body),
        campaign=error_text_hits(groups, "campaign") + send_from_counts(state, shapes).no_campaign,
    )


def _checks(c: PayloadCounts) -> tuple[Check, ...]:
    """The guide's four: the key, the recipients, text/media per type, the body shape."""
    return (
        check(
            "`Idempotency-Key` is present",
            c.no_key,
            c.total,
            f"{c.no_key} of {c.total} rejected sends had no Idempotency-Key header",
        ),
        check(
            "`to[]` contains valid E.164 values",
            c.bad_to,
            c.total,
            f"{c.bad_to} of {c.total} rejected sends had a recipient that is not E.164 (or none)",
        ),
        check(
            "`text` and `media` rules match the message type",
            c.media,
            c.total,
            f"{c.media} of {c.total} rejected sends were SMS with media or MMS without media",
        ),
        check(
            "the body shape matches the reference",
            c.body,
            c.total,
            f"{c.body} of {c.total} rejected sends missed sendFrom/to/messageType or were not JSON",
        ),
    )


def _missing_key(c: PayloadCounts) -> Cause:
    """Likely cause "missing `Idempotency-Key`", with the guide's way to send one."""
    return cause(
        "missing `Idempotency-Key`",
        c.no_key,
        f"{c.no_key} rejected sends had no Idempotency-Key header",
        action=(
            "Send an `Idempotency-Key` header with every send: one key per business "
            "operation, stored before sending and reused on every retry."
        ),
        contradicts="`Idempotency-Key` is present",
    )


def _payload_causes(c: PayloadCounts) -> tuple[Cause, ...]:
    """Likely causes in the body: recipient format, request shape, SMS/MMS media."""
    return (
        cause(
            "invalid recipient format",
            c.bad_to,
            f"{c.bad_to} rejected sends had a recipient that is not E.164 (or none)",
            contradicts="`to[]` contains valid E.164 values",
        ),
        cause(
            "invalid request shape",
            c.body,
            f"{c.body} rejected sends missed sendFrom/to/messageType or were not JSON",
            contradicts="the body shape matches the reference",
        ),
        cause(
            "`SMS` request including media / `MMS` request missing media",
            c.media,
            f"{c.media} rejected sends were SMS with media or MMS without media",
            contradicts="`text` and `media` rules match the message type",
        ),
    )


def _no_campaign(c: PayloadCounts) -> Cause:
    """Not in the guide's list: the reference's 400 for a number without a campaign."""
    return cause(
        "`sendFrom` has no `campaignregId` configured",
        c.campaign,
        f"{c.campaign} rejected sends used a number without a campaign (number list or error text)",
    )
