"""Fingerprints: keyed BLAKE2b under a key of this installation that readers do not have."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import escalate
from escalate._capture import _keys, _settings
from escalate._capture._record import build_call_record
from escalate._capture._settings import fingerprint

from ._evidence import Evidence
from ._exchanges import exchange

#: The public constant earlier versions keyed every installation's fingerprints with.
_OLD_PUBLIC_KEY = b"escalate.evidence/1 fingerprint key"


@given(st.binary(min_size=1, max_size=200),
       st.one_of(st.binary(max_size=100), st.text(max_size=40)))
@example(b"k" * 64, "at the limit")
@example(b"k" * 65, "one byte over: the key is hashed")
def test_fingerprint_is_keyed_blake2b(key: bytes, value: bytes | str) -> None:
    """A fingerprint is `fp_` + keyed BLAKE2b with a 6-byte digest (docs/record-schema.md), for
    any key: one over 64 bytes is first replaced by its BLAKE2b-512 digest."""
    fingerprinter = _settings.Fingerprinter(_settings.Settings(key))
    raw = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    mac_key = key if len(key) <= 64 else hashlib.blake2b(key).digest()
    assert fingerprinter(value) == "fp_" + hashlib.blake2b(raw, key=mac_key,
                                                           digest_size=6).hexdigest()


def test_fingerprints_depend_on_the_key() -> None:
    """Two keys, two fingerprints of the same value."""
    first = _settings.Fingerprinter(_settings.Settings(b"team key one"))
    second = _settings.Fingerprinter(_settings.Settings(b"team key two"))
    assert first("tok_same_value") != second("tok_same_value")


def test_installation_key_is_created_owner_only(tmp_path: Path) -> None:
    """With no key configured, a random key is created on first use, readable by its owner only."""
    path = tmp_path / "state" / "escalate" / "fingerprint.key"
    key = _keys.installation_key(path)
    assert len(bytes.fromhex(key.decode())) == _keys.KEY_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert _keys.installation_key(path) == key


def test_two_installations_get_two_keys(tmp_path: Path) -> None:
    """Keys are random, never a constant of the code."""
    first = _keys.installation_key(tmp_path / "a" / "fingerprint.key")
    second = _keys.installation_key(tmp_path / "b" / "fingerprint.key")
    assert first != second and _OLD_PUBLIC_KEY not in (first, second)


def test_processes_racing_to_create_the_key_agree(tmp_path: Path) -> None:
    """Threads creating the key file at once all read one key."""
    path = tmp_path / "fingerprint.key"
    found: list[bytes] = []
    threads = [threading.Thread(target=lambda: found.append(_keys.installation_key(path)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(found) == 8 and len(set(found)) == 1


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    """A key file readable by the group or others is not used (and says how to fix it)."""
    path = tmp_path / "fingerprint.key"
    path.write_text("00" * 32)
    path.chmod(0o644)
    with pytest.raises(_keys.KeyFileError, match="chmod 600"):
        _keys.installation_key(path)


def test_unusable_key_file_falls_back_to_a_process_key(tmp_path: Path) -> None:
    """When the key file cannot be used, fingerprints use a random key of this process, and
    capture_stats counts why."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    code = ("import escalate; from escalate._capture._settings import fingerprint;"
            "a = fingerprint('v'); print(a, escalate.capture_stats()['errors'])")
    env = {**os.environ, _keys.KEY_FILE_ENV: str(blocker / "fingerprint.key")}
    output = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=60, check=True).stdout
    assert "fingerprint_key.KeyFileError" in output


def test_a_fleet_shares_one_key_through_the_environment(tmp_path: Path) -> None:
    """Two processes given the same `ESCALATE_FINGERPRINT_KEY` (and different homes) agree."""
    code = "from escalate._capture._settings import fingerprint; print(fingerprint('tok_1'))"
    outputs = set()
    for home in ("one", "two"):
        env = {**os.environ, _keys.KEY_ENV: "fleet secret", "XDG_STATE_HOME": str(tmp_path / home)}
        outputs.add(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                   text=True, timeout=60, check=True).stdout)
    assert len(outputs) == 1
    assert not (tmp_path / "one").exists()


def test_records_cannot_be_checked_with_a_public_key() -> None:
    """A guessed one-time code cannot be confirmed against a record without the key: the
    send's `operation` is no fingerprint a reader could compute from the code of escalate."""
    body = b'{"sendFrom":"num_1","to":["+15557654321"],"text":"Your code is 123456"}'
    record = build_call_record(exchange("/api/core/messages/send", method="POST", body=body,
                                        headers={"Content-Type": "application/json"}))
    canonical = b'{"sendFrom":"num_1","text":"Your code is 123456","to":["+15557654321"]}'
    for key in (_OLD_PUBLIC_KEY, b""):
        guess = "fp_" + hashlib.blake2b(canonical, key=key, digest_size=6).hexdigest()
        assert record["operation"] != guess
    assert record["operation"] == fingerprint(canonical)


def test_new_fingerprint_key_reaches_every_record(evidence: Evidence) -> None:
    """After configure(fingerprint_key=...), records use the new key."""
    call = exchange(headers={"Authorization": "Bearer tok_site_1"})
    first = build_call_record(call)["auth"]["fingerprint"]
    escalate.configure(path=evidence.path, fingerprint_key=b"another key")
    try:
        second = build_call_record(call)["auth"]["fingerprint"]
        assert second == fingerprint("tok_site_1") != first
    finally:
        escalate.configure(path=evidence.path)


def test_records_written_counts_every_thread(evidence: Evidence) -> None:
    """capture_stats() counts every record exactly, from eight threads at once."""
    before = escalate.capture_stats()["records_written"]

    def write(count: int) -> None:
        for _ in range(count):
            escalate.record_webhook({}, b'{"type":"message.sent"}', response_status=200)

    threads = [threading.Thread(target=write, args=(250,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert escalate.capture_stats()["records_written"] == before + 2000
    assert len(evidence.path.read_bytes().splitlines()) == 2000
