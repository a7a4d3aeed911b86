"""The last secret scan: each rule, the safe values it must leave alone, the markers it writes."""

from __future__ import annotations

import base64

import pytest

from escalate._scan import SecretScanner, marker

BASIC = base64.b64encode(b"rc_test_client_123:hunter2hunter2").decode()


@pytest.mark.parametrize(
    ("text", "secret", "rule"),
    [
        ("Authorization: Bearer abcDEF123456", "abcDEF123456", "bearer"),
        (f"Authorization: Basic {BASIC}", BASIC, "basic"),
        ("tok eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig_part-1 end",
         "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig_part-1", "jwt"),
        ("got rc_token_example back", "rc_token_example", "rc_token"),
        ("got rc_tok_9f8e7d back", "rc_tok_9f8e7d", "rc_token"),
        ("secret rc_secret_abc123.", "rc_secret_abc123.", "rc_secret"),
        ("hook whsec_AbC123+/= signing", "whsec_AbC123+/=", "webhook_secret"),
        ("dial +15551234567 now", "+15551234567", "e164"),
        ("https://bob:pa55@api.example.com/x", "bob:pa55", "url_userinfo"),
        ("retry with password=hunter2&x=1", "hunter2", "password"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----",
         "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----",
         "pem_private_key"),
    ],
    ids=["bearer", "basic", "jwt", "rc_token", "rc_tok", "rc_secret", "whsec", "e164",
         "userinfo", "key_value", "pem"],
)
def test_value_pattern_is_replaced_by_its_marker(text: str, secret: str, rule: str) -> None:
    """Each value pattern replaces exactly the secret with `[redacted:<rule>:<hex>]`."""
    scanner = SecretScanner()
    assert scanner.scan_text(text) == text.replace(secret, marker(rule, secret))
    assert scanner.summary() == ((rule, 1),)


def test_truncated_pem_key_is_redacted_to_the_end() -> None:
    """A PEM private key cut before its END line is still removed entirely."""
    text = "key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
    assert "MIIE" not in SecretScanner().scan_text(text)


@pytest.mark.parametrize(
    "prose",
    [
        "Basic authentication is not used",
        "a bearer token was sent",
        "Token acquisition: 3 of 3 failed with 401 invalid_client",
        "token=fp_0123456789ab",
        "expires_in=3600",
        "+1 555 123",
        "at 2026-11-27T11:08:55.123456+00:00",
    ],
)
def test_prose_and_safe_values_survive_text_scan(prose: str) -> None:
    """Words that only resemble credentials are left alone."""
    assert SecretScanner().scan_text(prose) == prose


def test_marker_is_deterministic_across_scanners_and_rules() -> None:
    """The same secret gives the same hex whichever scanner or rule finds it."""
    first = SecretScanner().scan_text("Bearer rc_token_example")
    second = SecretScanner().scan_value({"access_token": "rc_token_example"})
    assert first == "Bearer " + marker("rc_token", "rc_token_example")
    assert second == {"access_token": marker("rc_token", "rc_token_example")}


def test_record_fields_with_secretish_names_survive() -> None:
    """A capture record's token, signature and idempotency objects are safe as they are."""
    record = {
        "schema": "escalate.evidence/1",
        "token": {"fingerprint": "fp_0123456789ab", "source": "acquired", "age_s": 2.5,
                  "expires_in": 3600, "fresh": True, "expired": False},
        "auth": {"scheme": "bearer", "fingerprint": "fp_aaaaaaaaaaaa"},
        "idempotency": {"present": True, "fingerprint": None},
        "signature": "not_checked",
        "response": {"token_type": "bearer", "expires_in": 3600,
                     "token_fingerprint": "fp_bbbbbbbbbbbb"},
        "payload": {"grant_type": "client_credentials", "client_secret": "<str:len=16>",
                    "client_id": "<fp:fp_cccccccccccc>", "to": ["<e164>", "<phone:not_e164>"]},
    }
    scanner = SecretScanner()
    assert scanner.scan_value(record) == record
    assert scanner.summary() == ()


@pytest.mark.parametrize(
    ("key", "rule"),
    [("client_secret", "secret"), ("X-Api-Key", "api_key"), ("sessionId", "session"),
     ("Cookie", "cookie"), ("db_password", "password"), ("credentials", "credential")],
)
def test_secretish_key_replaces_unsafe_value(key: str, rule: str) -> None:
    """A string under a secret-ish key name (case-insensitive substring) is replaced whole."""
    assert SecretScanner().scan_value({key: "hunter2"}) == {key: marker(rule, "hunter2")}


def test_secretish_key_applies_to_nested_values() -> None:
    """Strings nested anywhere below a secret-ish key are replaced, safe leaves kept."""
    value = {"credentials": {"user": "bob", "n": 3, "ok": True, "fp": "fp_0123456789ab"}}
    assert SecretScanner().scan_value(value) == {
        "credentials": {"user": marker("credential", "bob"), "n": 3, "ok": True,
                        "fp": "fp_0123456789ab"}
    }


def test_long_random_value_under_secret_key_is_high_entropy() -> None:
    """A long random string under a secret-ish key is reported under `high_entropy`."""
    scanner = SecretScanner()
    scanner.scan_value({"api_key": "Zq8Xv2Lm9Pw4Rt7Yk3Hn6Bj1"})
    assert scanner.summary() == (("high_entropy", 1),)


def test_shape_lookalike_under_secret_key_is_replaced() -> None:
    """Angle brackets alone do not make a value safe: only the documented descriptors do."""
    assert SecretScanner().scan_value({"password": "<hunter2>"}) == {
        "password": marker("password", "<hunter2>")
    }


def test_header_pair_value_is_judged_by_header_name() -> None:
    """`{"name": "Authorization", "value": ...}` is treated like an `Authorization` key."""
    scanner = SecretScanner()
    assert scanner.scan_value([{"name": "Authorization", "value": "s3cr3t"}]) == [
        {"name": "Authorization", "value": marker("authorization", "s3cr3t")}
    ]


def test_bearer_header_value_keeps_scheme_and_marks_credential() -> None:
    """Under a secret key, a value that patterns fully explain keeps its pattern markers."""
    out = SecretScanner().scan_value({"Authorization": "Bearer rc_token_example"})
    assert out == {"Authorization": "Bearer " + marker("rc_token", "rc_token_example")}


def test_keys_themselves_are_scanned() -> None:
    """A phone number used as an object key does not survive."""
    out = SecretScanner().scan_value({"+15551234567": 1})
    assert out == {marker("e164", "+15551234567"): 1}


def test_scan_strings_rebuilds_frozen_dataclasses() -> None:
    """`scan_strings` scans every string field of nested frozen dataclasses and tuples."""
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Row:
        token_fresh: str
        notes: tuple[str, ...]

    row = SecretScanner().scan_strings(Row("yes (age 2s)", ("to +15551234567",)))
    assert row == Row("yes (age 2s)", ("to " + marker("e164", "+15551234567"),))


def test_summary_counts_by_rule_without_values() -> None:
    """The summary has rule names and counts, never a secret."""
    scanner = SecretScanner()
    scanner.scan_text("+15551234567 +15551234568 rc_secret_zzz")
    assert scanner.summary() == (("e164", 2), ("rc_secret", 1))


def test_repeated_text_is_counted_every_time() -> None:
    """Scanning the same text twice counts its secrets twice (results are cached, counts not)."""
    scanner = SecretScanner()
    first = scanner.scan_text("call +15551234567")
    assert scanner.scan_text("call +15551234567") == first
    assert scanner.summary() == (("e164", 2),)
