"""The last secret scan: applied to everything escalate writes (report, bundle, HAR).

Records are redacted at capture, but logs in the wild also hold lines written by other code or by
an older or misconfigured version. This scan finds secrets by key name and by value pattern and
replaces each with a deterministic marker such as `[redacted:rc_token:3f9a]`.
"""

from __future__ import annotations

from escalate._scan._config import SCAN_CONFIG_ENV, ScanConfig, ScanConfigError, load_scan_config
from escalate._scan._rules import SECRET_KEY_TERMS, VALUE_RULES
from escalate._scan._safe import MARKER_RE, is_safe_string
from escalate._scan._scanner import SecretScanner, marker

__all__ = [
    "MARKER_RE",
    "SCAN_CONFIG_ENV",
    "SECRET_KEY_TERMS",
    "VALUE_RULES",
    "ScanConfig",
    "ScanConfigError",
    "SecretScanner",
    "is_safe_string",
    "load_scan_config",
    "marker",
]
