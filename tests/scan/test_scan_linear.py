"""The last scan is linear in its input: long adversarial strings finish, whatever they repeat.

No timing is asserted here (benchmarks/hostile_bounds.py prints the time per KiB and checks it
stays flat). A quadratic rule takes minutes on 64 KiB (the old `key_value` regex: 26 s on 16k
characters), so a guard turns a hang into a failure after a minute, far above the ~10 ms a linear
scan of 64 KiB takes on a loaded machine.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from types import FrameType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalate._scan import MARKER_RE, SecretScanner

#: Pieces of every rule's syntax (triggers, separators, quotes, class characters): repeated,
#: they make a match attempt scan far and then fail, the shape of catastrophic backtracking.
FRAGMENTS = (
    "a", "A9", "=", ":", "@", "(", ".", "-", "_", "/", "://", '"', "'", "\\\"", "&#34;", "&quot;",
    " ", "\n", "eyJ", "eyJhbGci", "token", "secret=", '"token":', "Bearer ", "Basic ", "QUJD",
    "rc_tok_", "rc_secret_", "whsec_", "+1", "5", "-----BEGIN ", "-----END ", "PRIVATE KEY-----",
    "RSA ", "<str:len=3>", "[redacted:jwt:0a1b]",
)  # fmt: skip
SIZE_64_KIB = 64 * 1024
HANG_GUARD_S = 60


@pytest.fixture(autouse=True)
def hang_guard() -> Iterator[None]:
    """Fail a test that runs for a minute: a quadratic scan would run for many."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise AssertionError(f"the scan ran for {HANG_GUARD_S} s: not linear in its input")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(HANG_GUARD_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _repeated(pattern: list[str], size: int) -> str:
    """`pattern` joined and repeated up to `size` characters."""
    unit = "".join(pattern) or "a"
    return (unit * (size // len(unit) + 1))[:size]


ADVERSARIAL = st.builds(
    _repeated,
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4),
    st.integers(min_value=1024, max_value=SIZE_64_KIB),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ADVERSARIAL)
def test_text_scan_of_long_adversarial_strings_finishes(text: str) -> None:
    """Up to 64 KiB of any repeated rule syntax is scanned, and scanning the result again
    changes nothing (the fixed point `--verify` relies on)."""
    scanner = SecretScanner()
    cleaned = scanner.scan_text(text)
    assert SecretScanner().scan_text(cleaned) == cleaned


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ADVERSARIAL, st.sampled_from(["client_secret", "route", "token", "payload"]))
def test_value_scan_of_long_adversarial_strings_finishes(text: str, key: str) -> None:
    """The same strings as JSON values, under a secret-ish key or not, finish too."""
    cleaned = SecretScanner().scan_value({key: text, text[:64]: [text]})
    assert isinstance(cleaned, dict)


@pytest.mark.parametrize(
    "text",
    [
        "a" * SIZE_64_KIB + "=",  # the old key_value regex: quadratic on a name run
        "eyJ" * (SIZE_64_KIB // 3),  # the old jwt regex: every `eyJ` scanned to the run's end
        "=a:" * (SIZE_64_KIB // 3) + "@",  # the old userinfo regex: every `=` a start
        "=a" * (SIZE_64_KIB // 2),
        "token=" * (SIZE_64_KIB // 6),
        '"token":' * (SIZE_64_KIB // 8),
    ],
    ids=["name-run", "eyJ-run", "userinfo-starts", "assignments", "secret-names", "quoted-names"],
)
def test_known_quadratic_shapes_finish(text: str) -> None:
    """The shapes that were quadratic before (issue 15) are scanned; markers are well formed."""
    cleaned = SecretScanner().scan_text(text)
    assert all(MARKER_RE.fullmatch(m.group()) for m in MARKER_RE.finditer(cleaned))
