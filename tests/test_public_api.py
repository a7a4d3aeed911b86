"""The public facade: names pinned, importable without any HTTP client library."""

from __future__ import annotations

import subprocess
import sys

import pytest

import escalate

PUBLIC_NAMES = [
    "WSGIWebhookMiddleware",
    "WebhookMiddleware",
    "__version__",
    "aiohttp_trace_config",
    "capture_stats",
    "configure",
    "flush",
    "instrument",
    "record_webhook",
    "verify_signature",
]


def test_all_is_pinned() -> None:
    """`escalate.__all__` is exactly the documented public API."""
    assert escalate.__all__ == PUBLIC_NAMES


def test_all_is_sorted() -> None:
    """`__all__` is kept sorted."""
    assert escalate.__all__ == sorted(escalate.__all__)


def test_every_public_name_exists_and_is_documented() -> None:
    """Each public callable has a docstring."""
    for name in PUBLIC_NAMES[3:] + PUBLIC_NAMES[:2]:
        assert getattr(escalate, name).__doc__, name


_BLOCKER = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('httpx', 'requests', 'aiohttp'):
            raise ImportError('blocked: ' + name)
sys.meta_path.insert(0, Block())
import escalate
escalate.configure(path='/dev/null')
escalate.record_webhook({}, b'{}', response_status=200)
print(sorted(m for m in ('httpx', 'requests', 'aiohttp') if m in sys.modules))
"""


def test_import_without_client_libraries() -> None:
    """`import escalate` and webhook capture work with httpx, requests and aiohttp absent."""
    result = subprocess.run([sys.executable, "-c", _BLOCKER], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_every_public_name_is_importable_by_name() -> None:
    """`from escalate import NAME` works for every name, lazily imported or not."""
    namespace: dict[str, object] = {}
    exec(f"from escalate import {', '.join(PUBLIC_NAMES)}", namespace)
    assert all(namespace[name] is getattr(escalate, name) for name in PUBLIC_NAMES)


def test_unknown_name_is_an_attribute_error() -> None:
    """A name escalate does not have raises AttributeError, as for any module."""
    with pytest.raises(AttributeError, match="no_such_name"):
        escalate.no_such_name  # type: ignore[attr-defined]  # noqa: B018
