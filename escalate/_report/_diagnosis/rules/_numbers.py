"""Join failing sends' `sendFrom` and `messageType` with the numbers list seen in the logs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from escalate._report._aggregation._shapes import SendShape
from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._select import Selected, shapes_of, successes
from escalate._schema import STAGE_NUMBERS


@dataclass(frozen=True)
class SendFromCounts:
    """How many sends broke each `sendFrom` rule (ownership ones only when a list was seen)."""

    total: int
    phone_number: int  #: E.164 or another phone-like value instead of a numberId
    listed_known: bool  #: a numbers list was captured
    not_listed: int  #: a numberId absent from the numbers list (ownership mismatch)
    not_active: int
    not_enabled: int  #: smsEnabled/mmsEnabled does not match messageType
    no_campaign: int
    checked: int  #: sends whose numberId was found in the list


def numbers_by_id(state: AggregateState) -> dict[str, dict[str, Any]]:
    """The last numbers list, keyed by numberId."""
    if state.numbers is None:
        return {}
    return {n["numberId"]: n for n in state.numbers[1] if isinstance(n.get("numberId"), str)}


def send_from_counts(state: AggregateState, shapes: dict[SendShape, int]) -> SendFromCounts:
    """Count the `sendFrom` problems of the sends summarised by `shapes`."""
    numbers = numbers_by_id(state)
    phone = not_listed = not_active = not_enabled = no_campaign = checked = 0
    for shape, n in shapes.items():
        if shape.send_from_kind in ("e164", "phone"):
            phone += n
        if shape.send_from is None or not numbers:
            continue
        number = numbers.get(shape.send_from)
        if number is None:
            not_listed += n
            continue
        checked += n
        not_active += n * (number.get("status") != "ACTIVE")
        not_enabled += n * (not enabled_for(number, shape.message_type))
        no_campaign += n * (number.get("campaignRegistered") is False)
    return SendFromCounts(
        sum(shapes.values()),
        phone,
        bool(numbers),
        not_listed,
        not_active,
        not_enabled,
        no_campaign,
        checked,
    )


def send_from_broken(state: AggregateState, shapes: dict[SendShape, int]) -> int:
    """Sends breaking at least one `sendFrom` check: a phone number, or a numberId not in the
    numbers list, not ACTIVE or not enabled for the message type."""
    numbers = numbers_by_id(state)
    return sum(n for shape, n in shapes.items() if _breaks_send_from(shape, numbers))


def see_also_send_from(state: AggregateState, groups: Selected) -> str:
    """ "; 2 of these sends broke a `sendFrom` check: see ..." when some of them did.

    The `send_failed_after_numbers_ok` finding then covers those sends (numbers succeeded): it is
    the specific finding, the status rule the generic one; when it covers every send of the
    status, the status rule's finding is left out (see `Finding.covers`).
    """
    if not successes(state, STAGE_NUMBERS):
        return ""
    broken = send_from_broken(state, shapes_of(groups, SendShape))
    if not broken:
        return ""
    return (
        f"; {broken} of these sends broke a `sendFrom` check: see the finding "
        '"/api/core/numbers succeeds but sends fail"'
    )


def _breaks_send_from(shape: SendShape, numbers: dict[str, dict[str, Any]]) -> bool:
    if shape.send_from_kind in ("e164", "phone"):
        return True
    if shape.send_from is None or not numbers:
        return False
    number = numbers.get(shape.send_from)
    if number is None:
        return True
    return number.get("status") != "ACTIVE" or not enabled_for(number, shape.message_type)


def enabled_for(number: dict[str, Any], message_type: str | None) -> bool:
    if message_type == "MMS":
        return number.get("mmsEnabled") is not False
    if message_type == "SMS":
        return number.get("smsEnabled") is not False
    return True
