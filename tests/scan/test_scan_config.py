"""Extending the scan from a TOML file."""

from __future__ import annotations

from pathlib import Path

import pytest

from escalate._scan import (
    SCAN_CONFIG_ENV,
    ScanConfig,
    ScanConfigError,
    SecretScanner,
    load_scan_config,
    marker,
)

CONFIG = """
[scan]
keys = ["ssn", "X-Acme-Auth"]

[scan.patterns]
acme_key = "acme_[a-z0-9]{8}"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scan.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_adds_key_names_and_patterns(tmp_path: Path) -> None:
    """Keys and named patterns from the file become rules."""
    config = load_scan_config(_write(tmp_path, CONFIG))
    assert config == ScanConfig(("ssn", "x_acme_auth"), (("acme_key", "acme_[a-z0-9]{8}"),))


def test_config_rules_are_applied(tmp_path: Path) -> None:
    """A scanner built from the config redacts by the extra key and the extra pattern."""
    scanner = SecretScanner(load_scan_config(_write(tmp_path, CONFIG)))
    out = scanner.scan_value({"SSN": "078-05-1120", "note": "key acme_12345678 used"})
    assert out == {
        "SSN": marker("ssn", "078-05-1120"),
        "note": f"key {marker('acme_key', 'acme_12345678')} used",
    }


def test_builtin_rules_stay_on_with_a_config(tmp_path: Path) -> None:
    """A config only adds rules: the built-in ones still apply."""
    scanner = SecretScanner(load_scan_config(_write(tmp_path, CONFIG)))
    assert scanner.scan_text("rc_secret_abc123") == marker("rc_secret", "rc_secret_abc123")


def test_environment_variable_names_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a path, $ESCALATE_SCAN_CONFIG is read."""
    monkeypatch.setenv(SCAN_CONFIG_ENV, str(_write(tmp_path, CONFIG)))
    assert load_scan_config(None).extra_keys == ("ssn", "x_acme_auth")


def test_no_config_means_builtin_rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a path or the environment variable the config is empty."""
    monkeypatch.delenv(SCAN_CONFIG_ENV, raising=False)
    assert load_scan_config(None) == ScanConfig()


@pytest.mark.parametrize(
    "text",
    [
        "[scan\n",
        '[scan]\nkeys = "ssn"\n',
        '[scan.patterns]\nBad-Name = "x"\n',
        '[scan.patterns]\nbroken = "("\n',
        '[scan.patterns]\nempty = "a*"\n',
    ],
    ids=["toml", "keys-not-list", "bad-name", "bad-regex", "matches-empty"],
)
def test_invalid_config_is_rejected(tmp_path: Path, text: str) -> None:
    """A config that cannot be read or holds a bad rule raises ScanConfigError."""
    with pytest.raises(ScanConfigError):
        load_scan_config(_write(tmp_path, text))


def test_missing_config_file_is_rejected(tmp_path: Path) -> None:
    """A path that does not exist raises ScanConfigError, not OSError."""
    with pytest.raises(ScanConfigError):
        load_scan_config(tmp_path / "nope.toml")
