"""Fix-it on the shipped samples: the corrected request beside the failing one, leak-free."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest

from escalate._render import FORMATS, Format
from escalate._scan import SecretScanner

from .test_samples import MANIFEST, SECRETS, readable, run_report

#: A phone number in any spelling: 7 or more digits, maybe with separators.
PHONE_LIKE = re.compile(r"\+?\d(?:[\s().-]?\d){6,}")


def fixes(name: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """The fix of each finding of the sample's JSON report that has one, by rule id."""
    _, output = run_report(name, Format.JSON, monkeypatch)
    findings = orjson.loads(output)["findings"]
    return {f["symptom"]: f["fix"] for f in findings if f["fix"] is not None}


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_fixes_hold_no_phone_number_token_or_secret(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every part of every fix passes the secret scan and holds no phone number or canary."""
    for fix in fixes(name, monkeypatch).values():
        for text in fix.values():
            assert text and SecretScanner().scan_text(text) == text
            assert PHONE_LIKE.search(text) is None
            assert [secret for secret in SECRETS if secret.decode() in text] == []


#: the JSON report is where `fixes` reads them from
OTHER_FORMATS = [fmt for fmt in FORMATS if fmt is not Format.JSON]


@pytest.mark.parametrize("fmt", OTHER_FORMATS, ids=lambda f: f.value)
@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_fixes_are_shown_in_every_format(
    name: str, fmt: Format, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The explanation and both requests of each fix of the JSON report are in every format."""
    _, output = run_report(name, fmt, monkeypatch)
    words = readable(output, fmt)
    for fix in fixes(name, monkeypatch).values():
        for part in ("why", "was", "should_be"):
            assert " ".join(fix[part].replace("`", "").split()) in words


def test_phone_number_in_send_from_maps_to_its_number_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """The E.164 `sendFrom` of send_failed_after_numbers_ok is named by its numberId."""
    fix = fixes("send_failed_after_numbers_ok", monkeypatch)["send_failed_after_numbers_ok"]
    assert fix["field"] == "sendFrom"
    assert orjson.loads(fix["was"])["sendFrom"].startswith("<e164:fp_")
    assert orjson.loads(fix["should_be"])["sendFrom"] == "num_abc123"
    assert "use `sendFrom: num_abc123`" in fix["why"]


def test_missing_idempotency_key_fix_adds_the_header(monkeypatch: pytest.MonkeyPatch) -> None:
    """missing_idempotency_key: the same send with an Idempotency-Key header."""
    fix = fixes("missing_idempotency_key", monkeypatch)["send_invalid_request"]
    assert fix["field"] == "Idempotency-Key header"
    assert "(no Idempotency-Key header)" in fix["was"]
    assert "Idempotency-Key: <one key per business operation" in fix["should_be"]


def test_duplicate_messages_fix_reuses_one_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """duplicate_messages: the retry under a new key, and the one-key-reused pattern."""
    fix = fixes("duplicate_messages", monkeypatch)["duplicate_messages"]
    assert "under 2 different Idempotency-Key values" in fix["was"]
    assert '"Idempotency-Key": key' in fix["should_be"]


def test_reserialized_handler_fix_verifies_the_raw_body(monkeypatch: pytest.MonkeyPatch) -> None:
    """webhook_handler_reserialized: the corrected verification over the raw bytes."""
    fix = fixes("webhook_handler_reserialized", monkeypatch)["webhook_rejected"]
    assert "hmac.compare_digest" in fix["should_be"]
    assert "json.dumps" in fix["was"]


def test_forbidden_send_from_fix_without_numbers_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """send_forbidden (never fetched /numbers): the fix says to fetch the list, names none."""
    fix = fixes("send_forbidden", monkeypatch)["send_forbidden"]
    assert "no /api/core/numbers list was captured" in fix["why"]
    assert orjson.loads(fix["should_be"])["sendFrom"] == "<numberId from /api/core/numbers>"
