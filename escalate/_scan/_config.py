"""Extending the scan from a TOML file: extra secret-ish key names and extra value patterns.

```toml
[scan]
keys = ["ssn", "x_acme_auth"]

[scan.patterns]
acme_key = "acme_[a-z0-9]{16}"
```

The file can add rules; nothing in it can remove one.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: The environment variable naming a scan config file when `--scan-config` is not given.
SCAN_CONFIG_ENV: Final = "ESCALATE_SCAN_CONFIG"
_RULE_NAME_RE: Final = re.compile(r"[a-z][a-z0-9_]{0,31}")


class ScanConfigError(ValueError):
    """The scan config file cannot be read or holds an invalid rule."""


@dataclass(frozen=True)
class ScanConfig:
    """Rules added to the built-in ones: key-name terms and named regular expressions."""

    extra_keys: tuple[str, ...] = ()
    extra_patterns: tuple[tuple[str, str], ...] = ()


def load_scan_config(path: str | os.PathLike[str] | None) -> ScanConfig:
    """Read a scan config; `None` falls back to $ESCALATE_SCAN_CONFIG, then to no extra rules."""
    chosen = path if path is not None else os.environ.get(SCAN_CONFIG_ENV) or None
    if chosen is None:
        return ScanConfig()
    try:
        data = tomllib.loads(Path(chosen).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScanConfigError(f"cannot read scan config {os.fspath(chosen)}: {exc}") from exc
    return _config_from_table(data.get("scan", {}))


def _config_from_table(table: Any) -> ScanConfig:
    """Validate the `[scan]` table and turn it into a `ScanConfig`."""
    if not isinstance(table, dict):
        raise ScanConfigError("[scan] must be a table")
    keys = table.get("keys", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
        raise ScanConfigError("scan.keys must be a list of non-empty strings")
    patterns = table.get("patterns", {})
    if not isinstance(patterns, dict):
        raise ScanConfigError("[scan.patterns] must be a table of name = regex")
    checked = tuple(_checked_pattern(name, regex) for name, regex in sorted(patterns.items()))
    return ScanConfig(tuple(k.lower().replace("-", "_") for k in keys), checked)


def _checked_pattern(name: str, regex: object) -> tuple[str, str]:
    """Return `(name, regex)` after checking the name and that the regex compiles."""
    if not _RULE_NAME_RE.fullmatch(name):
        raise ScanConfigError(f"scan pattern name {name!r}: use [a-z][a-z0-9_]*, 32 chars max")
    if not isinstance(regex, str):
        raise ScanConfigError(f"scan pattern {name}: the regex must be a string")
    try:
        compiled = re.compile(regex)
    except re.error as exc:
        raise ScanConfigError(f"scan pattern {name}: {exc}") from exc
    if compiled.fullmatch(""):
        raise ScanConfigError(f"scan pattern {name}: matches the empty string")
    return name, regex
