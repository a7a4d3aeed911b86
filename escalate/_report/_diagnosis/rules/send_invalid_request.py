"""`send_invalid_request`: the send returns 400 INVALID_REQUEST."""

from __future__ import annotations

from escalate._report._aggregation._shapes import SendShape
from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._base import BaseRule, RuleContext
from escalate._report._diagnosis.rules._numbers import see_also_send_from, send_from_counts
from escalate._report._diagnosis.rules._package import cause, check
from escalate._report._diagnosis.rules._request_fixes import invalid_send_fix
from escalate._report._diagnosis.rules._select import (
    attempts,
    count,
    count_shapes,
    error_text_hits,
    select,
    sends_answered,
    shapes_of,
)
from escalate._report._model import Finding
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
        total = count(groups)
        shapes = shapes_of(groups, SendShape)
        no_key = count_shapes(shapes, lambda s: s.idempotency_present is False)
        bad_to = count_shapes(shapes, lambda s: s.invalid_recipients > 0 or s.recipients == 0)
        media = count_shapes(shapes, _media_mismatch)
        body = count_shapes(shapes, _bad_body)
        campaign = error_text_hits(groups, "campaign") + send_from_counts(state, shapes).no_campaign
        checks = (
            check(
                "`Idempotency-Key` is present",
                no_key,
                total,
                f"{no_key} of {total} rejected sends had no Idempotency-Key header",
            ),
            check(
                "`to[]` contains valid E.164 values",
                bad_to,
                total,
                f"{bad_to} of {total} rejected sends had a recipient that is not E.164 (or none)",
            ),
            check(
                "`text` and `media` rules match the message type",
                media,
                total,
                f"{media} of {total} rejected sends were SMS with media or MMS without media",
            ),
            check(
                "the body shape matches the reference",
                body,
                total,
                f"{body} of {total} rejected sends missed sendFrom/to/messageType or were not JSON",
            ),
        )
        causes = (
            cause(
                "missing `Idempotency-Key`",
                no_key,
                f"{no_key} rejected sends had no Idempotency-Key header",
                action=(
                    "Send an `Idempotency-Key` header with every send: one key per business "
                    "operation, stored before sending and reused on every retry."
                ),
                contradicts="`Idempotency-Key` is present",
            ),
            cause(
                "invalid recipient format",
                bad_to,
                f"{bad_to} rejected sends had a recipient that is not E.164 (or none)",
                contradicts="`to[]` contains valid E.164 values",
            ),
            cause(
                "invalid request shape",
                body,
                f"{body} rejected sends missed sendFrom/to/messageType or were not JSON",
                contradicts="the body shape matches the reference",
            ),
            cause(
                "`SMS` request including media / `MMS` request missing media",
                media,
                f"{media} rejected sends were SMS with media or MMS without media",
                contradicts="`text` and `media` rules match the message type",
            ),
            cause(
                "`sendFrom` has no `campaignregId` configured",
                campaign,
                f"{campaign} rejected sends used a number without a campaign (number list or "
                "error text)",
            ),
        )
        return self.call_finding(
            state,
            groups,
            summary=(
                f"{total} of {attempts(state, STAGE_SEND)} sends were rejected (400)"
                + see_also_send_from(state, groups)
            ),
            checks=checks,
            causes=causes,
            next_action="Correct the payload; do not blindly retry unchanged invalid requests.",
            fix=invalid_send_fix(groups),
        )
