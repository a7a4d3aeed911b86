"""Fix-it for `sendFrom`: the failing send as it was and as it should be.

A phone number in `sendFrom` is told apart from the client's own numbers by keyed fingerprints
(capture writes `<e164:fp_...>` for it and an `e164_fingerprint` per listed number), so the fix can
name the numberId to use without the number ever being written. Recipients are never matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from escalate._report._aggregation._shapes import SendShape, send_shape
from escalate._report._aggregation._state import AggregateState
from escalate._report._diagnosis.rules._numbers import enabled_for
from escalate._report._diagnosis.rules._package import payload_text, representative_calls
from escalate._report._diagnosis.rules._select import Selected
from escalate._report._model import Fix

Numbers = Sequence[dict[str, Any]]
#: numberIds named in one fix at most
MAX_LISTED = 10
_NUMBERS = "/api/core/numbers"


def send_from_fix(state: AggregateState, groups: Selected) -> Fix | None:
    """The `sendFrom` fix of the first example send that breaks a `sendFrom` check, or None."""
    numbers: Numbers = state.numbers[1] if state.numbers is not None else ()
    for call in representative_calls(groups):
        if isinstance(call.payload, dict):
            fix = fix_for_send(call.payload, send_shape(call.payload, None), numbers)
            if fix is not None:
                return fix
    return None


def fix_for_send(payload: dict[str, Any], shape: SendShape, numbers: Numbers) -> Fix | None:
    """The fix for one send's `sendFrom` against the numbers list (empty: none captured)."""
    if shape.send_from_kind in ("e164", "phone"):
        return _phone_fix(payload, shape, numbers)
    if shape.send_from is None:
        return None
    if not numbers:
        return _eligible_fix(
            payload, shape, numbers,
            f"`{shape.send_from}` could not be checked: no {_NUMBERS} list was captured",
        )
    number = next((n for n in numbers if n.get("numberId") == shape.send_from), None)
    if number is None:
        problem = f"`{shape.send_from}` is not one of the numbers {_NUMBERS} returned"
    elif number.get("status") != "ACTIVE":
        status = number.get("status") or "of unknown status"
        problem = f"`{shape.send_from}` is {status}, not ACTIVE"
    elif not enabled_for(number, shape.message_type):
        problem = f"`{shape.send_from}` is not enabled for {shape.message_type}"
    else:
        return None
    return _eligible_fix(payload, shape, numbers, problem)


def eligible_numbers(numbers: Numbers, message_type: str | None) -> list[str]:
    """The numberIds that can send `message_type`: ACTIVE and enabled for it."""
    return [
        n["numberId"]
        for n in numbers
        if isinstance(n.get("numberId"), str)
        and n.get("status") == "ACTIVE"
        and enabled_for(n, message_type)
    ]


def _phone_fix(payload: dict[str, Any], shape: SendShape, numbers: Numbers) -> Fix:
    """A phone number in `sendFrom`: the numberId of that number, when it is one of the client's."""
    if shape.send_from_fingerprint is None or not numbers:
        unknown = "no numbers list" if not numbers else "no fingerprint of the number"
        return _eligible_fix(
            payload, shape, numbers,
            f"`sendFrom` held a phone number, not a numberId ({unknown} was captured to tell "
            "which of your numbers it was)",
        )
    match = next(
        (n for n in numbers if n.get("e164_fingerprint") == shape.send_from_fingerprint), None
    )
    if match is None or not isinstance(match.get("numberId"), str):
        return _eligible_fix(
            payload, shape, numbers,
            f"`sendFrom` held a phone number, and this number is not one of yours: it matches none "
            f"of the {len(numbers)} numbers {_NUMBERS} returned",
        )
    number_id = match["numberId"]
    why = (
        f"`sendFrom` held the phone number of your number `{number_id}` (matched by keyed "
        f"fingerprint with {_NUMBERS}); the API takes its numberId, not the phone number: "
        f"use `sendFrom: {number_id}`."
    )
    if number_id not in eligible_numbers(numbers, shape.message_type):
        why += f" Note: `{number_id}` is not ACTIVE or not enabled for {shape.message_type}."
    return _changed(payload, number_id, why)


def _eligible_fix(
    payload: dict[str, Any], shape: SendShape, numbers: Numbers, problem: str
) -> Fix:
    """Use a numberId that can send this message type; list those that can."""
    eligible = eligible_numbers(numbers, shape.message_type)
    if not numbers:
        return _changed(
            payload, f"<numberId from {_NUMBERS}>",
            f"{problem}. Fetch {_NUMBERS} and put the `numberId` of an ACTIVE number enabled for "
            f"{shape.message_type or 'the message type'} in `sendFrom`.",
        )
    if not eligible:
        return _changed(
            payload, "<none of your numbers can send this>",
            f"{problem}; none of the {len(numbers)} numbers {_NUMBERS} returned is ACTIVE and "
            f"enabled for {shape.message_type or 'the message type'}: enable one first.",
        )
    listed = ", ".join(f"`{number_id}`" for number_id in eligible[:MAX_LISTED])
    more = f" (and {len(eligible) - MAX_LISTED} more)" if len(eligible) > MAX_LISTED else ""
    return _changed(
        payload, eligible[0],
        f"{problem}. The numberIds that are yours, ACTIVE and enabled for "
        f"{shape.message_type or 'the message type'}: {listed}{more}.",
    )


def _changed(payload: dict[str, Any], send_from: str, why: str) -> Fix:
    return Fix(
        field="sendFrom",
        was=payload_text(payload),
        should_be=payload_text({**payload, "sendFrom": send_from}),
        why=why,
    )
