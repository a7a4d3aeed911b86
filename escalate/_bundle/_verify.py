"""`verify_bundle`: re-check a bundle's checksums and re-run the secret scan on every file.

Every member must be listed in manifest.json with its size and SHA-256 (the manifest itself
excepted), and no listed file may be missing. Every member must be UTF-8 text that the scan leaves
unchanged; `.jsonl` and `.har` members are also scanned as JSON, so a secret under a secret-ish
key name is found too. Problems name the file and the rule, never the secret.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from escalate._bundle._archive import read_members
from escalate._bundle._manifest import MANIFEST_NAME, sha256_hex
from escalate._scan import ScanConfig, SecretScanner


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of `verify_bundle`: `ok` when `problems` is empty."""

    files_checked: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when every checksum matched and the scan found nothing."""
        return not self.problems


def verify_bundle(path: Path, *, scan_config: ScanConfig | None = None) -> VerifyResult:
    """Verify the bundle at `path`; raises `OSError` when it cannot be read at all."""
    try:
        members = read_members(path)
    except zipfile.BadZipFile as exc:
        return VerifyResult(0, (f"{path}: not a zip archive ({exc})",))
    problems = list(_checksum_problems(members))
    for name in sorted(members):
        problems.extend(_scan_problems(name, members[name], scan_config))
    return VerifyResult(len(members), tuple(problems))


def _checksum_problems(members: dict[str, bytes]) -> Iterator[str]:
    """Compare every member with the manifest's list."""
    listed = _listed_files(members)
    if listed is None:
        yield f"{MANIFEST_NAME}: missing or not a valid manifest"
        return
    for name in sorted(set(listed) | set(members) - {MANIFEST_NAME}):
        yield from _file_problems(name, listed.get(name), members.get(name))


def _listed_files(members: dict[str, bytes]) -> dict[str, Any] | None:
    """The manifest's `files` object, or None when there is no usable manifest."""
    try:
        files = orjson.loads(members[MANIFEST_NAME])["files"]
    except (KeyError, TypeError, orjson.JSONDecodeError):
        return None
    return files if isinstance(files, dict) else None


def _file_problems(name: str, entry: Any, data: bytes | None) -> Iterator[str]:
    """Problems of one file: not listed, missing, or a size or checksum mismatch."""
    if data is None:
        yield f"{name}: listed in {MANIFEST_NAME} but missing from the archive"
    elif not isinstance(entry, dict):
        yield f"{name}: in the archive but not listed in {MANIFEST_NAME}"
    elif entry.get("sha256") != sha256_hex(data) or entry.get("size") != len(data):
        yield f"{name}: checksum mismatch (the file was changed after the bundle was made)"


def _scan_problems(name: str, data: bytes, scan_config: ScanConfig | None) -> Iterator[str]:
    """Re-run the secret scan on one member."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        yield f"{name}: not UTF-8 text"
        return
    text_scan, json_scan = SecretScanner(scan_config), SecretScanner(scan_config)
    text_scan.scan_text(text)
    for document in _json_documents(name, text):
        json_scan.scan_value(document)
    # a secret both scans find (a secret-ish key quoted in JSON text) is one secret
    found = dict(text_scan.summary())
    for rule, count in json_scan.summary():
        found[rule] = max(found.get(rule, 0), count)
    if found:
        rules = ", ".join(f"{rule} x{count}" for rule, count in sorted(found.items()))
        yield f"{name}: the secret scan found {rules}"


def _json_documents(name: str, text: str) -> Iterator[Any]:
    """The JSON values of a `.jsonl` (one a line) or `.har` member; nothing for other files."""
    if name.endswith(".jsonl"):
        lines = text.splitlines()
    else:
        lines = [text] if name.endswith(".har") else []
    for line in lines:
        try:
            yield orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
