"""The `sendFrom` fix: the failing send as it was and as it should be, from shapes only."""

from __future__ import annotations

from typing import Any

import orjson

from escalate._report._aggregation._shapes import send_shape
from escalate._report._diagnosis.rules._send_from_fix import eligible_numbers, fix_for_send

OWN_FINGERPRINT = "fp_0123456789ab"
OTHER_FINGERPRINT = "fp_ba9876543210"
NUMBERS = (
    {"numberId": "num_abc123", "status": "ACTIVE", "smsEnabled": True, "mmsEnabled": True,
     "e164_fingerprint": OWN_FINGERPRINT},
    {"numberId": "num_sms_only", "status": "ACTIVE", "smsEnabled": True, "mmsEnabled": False,
     "e164_fingerprint": "fp_111111111111"},
    {"numberId": "num_inactive", "status": "INACTIVE", "smsEnabled": True, "mmsEnabled": True,
     "e164_fingerprint": "fp_222222222222"},
)


def send(send_from: str, message_type: str = "SMS") -> dict[str, Any]:
    """A send's shape descriptor, as capture writes it."""
    return {"sendFrom": send_from, "to": ["<e164>"], "messageType": message_type,
            "text": "<text:len=12>"}


def fix_of(payload: dict[str, Any], numbers: Any = NUMBERS) -> Any:
    """The fix for one send against `numbers`."""
    return fix_for_send(payload, send_shape(payload, True), numbers)


def test_own_phone_number_maps_to_its_number_id() -> None:
    """An E.164 `sendFrom` that fingerprints like a listed number becomes that numberId."""
    fix = fix_of(send(f"<e164:{OWN_FINGERPRINT}>"))
    assert fix.field == "sendFrom"
    assert orjson.loads(fix.should_be)["sendFrom"] == "num_abc123"
    assert orjson.loads(fix.was)["sendFrom"] == f"<e164:{OWN_FINGERPRINT}>"
    assert "use `sendFrom: num_abc123`" in fix.why


def test_unmatched_phone_number_is_not_one_of_yours() -> None:
    """A phone number matching none of the listed numbers is said not to be the client's."""
    fix = fix_of(send(f"<e164:{OTHER_FINGERPRINT}>"))
    assert "this number is not one of yours" in fix.why
    assert "`num_abc123`, `num_sms_only`" in fix.why
    assert "num_inactive" not in fix.why


def test_only_the_changed_field_differs() -> None:
    """`should_be` is `was` with `sendFrom` alone changed."""
    fix = fix_of(send(f"<e164:{OWN_FINGERPRINT}>"))
    was, should_be = orjson.loads(fix.was), orjson.loads(fix.should_be)
    assert {key for key in was if was[key] != should_be[key]} == {"sendFrom"}


def test_number_not_listed_names_the_owned_number_ids() -> None:
    """A numberId the list lacks: the numberIds that are the client's and can send."""
    fix = fix_of(send("num_other_client"))
    assert "`num_other_client` is not one of the numbers" in fix.why
    assert orjson.loads(fix.should_be)["sendFrom"] == "num_abc123"


def test_inactive_number_names_the_active_ones() -> None:
    """A listed number that is not ACTIVE: the ACTIVE numbers enabled for the type."""
    fix = fix_of(send("num_inactive"))
    assert "INACTIVE, not ACTIVE" in fix.why
    assert "num_inactive`" not in fix.why.split(":", 1)[1]


def test_number_not_enabled_for_mms_names_the_mms_ones() -> None:
    """An SMS-only number sending MMS: only numbers enabled for MMS are offered."""
    fix = fix_of(send("num_sms_only", "MMS"))
    assert "not enabled for MMS" in fix.why
    assert eligible_numbers(NUMBERS, "MMS") == ["num_abc123"]


def test_good_number_needs_no_fix() -> None:
    """An ACTIVE listed number enabled for the type has nothing to fix."""
    assert fix_of(send("num_abc123")) is None


def test_phone_number_without_numbers_list_says_what_to_fetch() -> None:
    """No numbers list captured: the fix says to fetch it, and names no number."""
    fix = fix_of(send(f"<e164:{OWN_FINGERPRINT}>"), numbers=())
    assert "no numbers list" in fix.why
    assert orjson.loads(fix.should_be)["sendFrom"] == "<numberId from /api/core/numbers>"


def test_no_eligible_number_says_so() -> None:
    """When none of the client's numbers can send the type, the fix says to enable one."""
    fix = fix_of(send(f"<e164:{OTHER_FINGERPRINT}>", "MMS"), numbers=NUMBERS[1:])
    assert "none of the 2 numbers" in fix.why


def test_number_id_without_numbers_list_says_what_to_fetch() -> None:
    """A numberId the report cannot check: the fix says to fetch the list and use one of it."""
    fix = fix_of(send("num_other_client"), numbers=())
    assert "`num_other_client` could not be checked" in fix.why
    assert orjson.loads(fix.should_be)["sendFrom"] == "<numberId from /api/core/numbers>"


def test_phone_number_recorded_without_fingerprint_names_no_number() -> None:
    """Records from before sendFrom was fingerprinted (`<e164>`): the numberIds that can send."""
    fix = fix_of(send("<e164>"))
    assert "no fingerprint of the number was captured" in fix.why
    assert "`num_abc123`, `num_sms_only`" in fix.why
