"""`verify_bundle`: re-check a bundle's checksums and re-run the secret scan on every file.

Every member must be listed in manifest.json with its size and SHA-256 (the manifest itself
excepted), and no listed file may be missing. Every member must be UTF-8 text that the scan leaves
unchanged; `.jsonl` and `.har` members are also scanned as JSON, so a secret under a secret-ish
key name is found too. Problems name the file and the rule, never the secret.

An archive `escalate bundle` never makes fails, whatever its checksums say: a member name twice
(a reader would see one copy, the scan another), a name with `..`, an absolute or a Windows
path, a symlink, an encrypted member, a compression other than stored or deflate, more than
`MAX_MEMBERS` members (counted from the archive's end record, before zipfile reads its
directory). Nothing is ever written to disk. Members are read in chunks, hashed as they
come, and never past the size the manifest gives them (`MAX_MEMBER_SIZE` at most): a member that
expands further is reported, not read.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson

from escalate._bundle._manifest import MANIFEST_NAME
from escalate._report._reading._records import within_depth
from escalate._scan import ScanConfig, SecretScanner

#: No bundle escalate writes comes near these; they bound what a hostile archive can cost.
MAX_MEMBERS: Final = 64
MAX_MEMBER_SIZE: Final = 256 * 1024 * 1024
MAX_MANIFEST_SIZE: Final = 1024 * 1024
#: escalate's JSON is at most 64 levels deep (records) plus the HAR's few
MAX_JSON_DEPTH: Final = 100
_CHUNK: Final = 1024 * 1024
#: the end-of-central-directory record (22 bytes) and the longest archive comment after it
_EOCD_SEARCH: Final = 22 + 65535
_SYMLINK: Final = 0o120000
_COMPRESSIONS: Final = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
#: what reading a damaged member raises (a bad CRC, a corrupt deflate stream, a cut archive)
_READ_ERRORS: Final = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)


class NotABundle(Exception):
    """The file cannot be read as a zip archive at all: an input error, not a failed check."""


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
    """Verify the bundle at `path`; raises `NotABundle` (or `OSError`) when it is not a zip."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise NotABundle(f"{path}: not a regular file")
    declared = _declared_members(path)
    if declared > MAX_MEMBERS:  # refused before zipfile builds a ZipInfo for each of them
        message = f"the archive declares {declared} members: escalate writes at most {MAX_MEMBERS}"
        return VerifyResult(0, (message,))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise NotABundle(f"{path}: not a zip archive ({exc})") from None
    with archive:
        return _verify_archive(archive, scan_config)


def _declared_members(path: Path) -> int:
    """The member count the end-of-central-directory record declares (0 when there is none: then
    zipfile says it is no zip). Zip64's marker 0xFFFF counts as more than escalate writes."""
    with open(path, "rb") as handle:
        handle.seek(max(0, os.fstat(handle.fileno()).st_size - _EOCD_SEARCH))
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at == -1 or len(tail) < at + 12:
        return 0
    return int.from_bytes(tail[at + 10 : at + 12], "little")


def _verify_archive(archive: zipfile.ZipFile, scan_config: ScanConfig | None) -> VerifyResult:
    """Check the archive's shape, then each member against the manifest and the scan."""
    infos = archive.infolist()
    problems = list(_shape_problems(infos))
    if problems:
        return VerifyResult(len(infos), tuple(problems))
    listed = _listed_files(archive, infos)
    if listed is None:
        return VerifyResult(len(infos), (f"{MANIFEST_NAME}: missing or not a valid manifest",))
    members = {info.filename: info for info in infos}
    for name in sorted(set(listed) | set(members) - {MANIFEST_NAME}):
        problems.extend(_member_problems(name, members.get(name), listed.get(name)))
    if MANIFEST_NAME in members:
        data = _read_capped(archive, members[MANIFEST_NAME], MAX_MANIFEST_SIZE)
        problems.extend(_scan_problems(MANIFEST_NAME, data[0], scan_config) if data else ())
    for name in sorted(set(members) & set(listed)):
        problems.extend(_checked_scan(archive, members[name], listed[name], scan_config))
    return VerifyResult(len(infos), tuple(problems))


def _shape_problems(infos: list[zipfile.ZipInfo]) -> Iterator[str]:
    """What no archive `escalate bundle` writes has: reported before any member is read."""
    if len(infos) > MAX_MEMBERS:
        yield f"the archive holds {len(infos)} members: escalate writes at most {MAX_MEMBERS}"
        return
    for name, count in sorted(Counter(info.filename for info in infos).items()):
        if count > 1:
            yield f"{name}: {count} members have this name (escalate writes each name once)"
    for info in infos:
        problem = _member_shape_problem(info)
        if problem:
            yield f"{info.filename}: {problem}"


def _member_shape_problem(info: zipfile.ZipInfo) -> str | None:
    """Why one member is not one escalate writes, or None."""
    name = info.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts:
        return "an absolute or parent-relative name (escalate writes plain file names)"
    if "/" in name or "\\" in name:
        return "a name with a folder (escalate writes plain file names)"
    if (info.external_attr >> 16) & 0o170000 == _SYMLINK:
        return "a symbolic link (escalate writes regular files)"
    if info.flag_bits & 0x1:
        return "an encrypted member (escalate writes none)"
    if info.compress_type not in _COMPRESSIONS:
        return f"compression method {info.compress_type} (escalate writes deflate)"
    return None


def _listed_files(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> dict[str, Any] | None:
    """The manifest's `files` object, or None when there is no usable manifest."""
    manifest = next((info for info in infos if info.filename == MANIFEST_NAME), None)
    read = _read_capped(archive, manifest, MAX_MANIFEST_SIZE) if manifest else None
    if read is None or read[1]:
        return None
    try:
        files = orjson.loads(read[0])["files"]
    except (KeyError, TypeError, orjson.JSONDecodeError):
        return None
    if not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values()):
        return None
    return files


def _member_problems(name: str, info: zipfile.ZipInfo | None, entry: Any) -> Iterator[str]:
    """Problems of one file: not listed, or listed but missing."""
    if info is None:
        yield f"{name}: listed in {MANIFEST_NAME} but missing from the archive"
    elif entry is None:
        yield f"{name}: in the archive but not listed in {MANIFEST_NAME}"


def _checked_scan(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, entry: dict[str, Any],
    scan_config: ScanConfig | None,
) -> Iterator[str]:  # fmt: skip
    """Read a listed member up to its listed size, compare its checksum, scan it."""
    size = entry.get("size")
    if not isinstance(size, int) or not 0 <= size <= MAX_MEMBER_SIZE:
        yield f"{info.filename}: {MANIFEST_NAME} gives it no size escalate writes"
        return
    read = _read_capped(archive, info, size)
    if read is None:
        yield f"{info.filename}: cannot be read (a damaged member)"
        return
    data, over = read
    if over or entry.get("sha256") != hashlib.sha256(data).hexdigest():
        yield f"{info.filename}: checksum mismatch (the file was changed after the bundle was made)"
    yield from _scan_problems(info.filename, data, scan_config)


def _read_capped(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int
) -> tuple[bytes, bool] | None:
    """The member's bytes (at most `cap`) and whether it holds more; None when unreadable."""
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as member:
            while size <= cap and (chunk := member.read(min(_CHUNK, cap + 1 - size))):
                chunks.append(chunk)
                size += len(chunk)
    except _READ_ERRORS:
        return None
    data = b"".join(chunks)
    return data[:cap], size > cap


def _scan_problems(name: str, data: bytes, scan_config: ScanConfig | None) -> Iterator[str]:
    """Re-run the secret scan on one member, as text and (`.jsonl`, `.har`) as JSON."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        yield f"{name}: not UTF-8 text"
        return
    text_scan, json_scan = SecretScanner(scan_config), SecretScanner(scan_config)
    text_scan.scan_text(text)
    for document in _json_documents(name, text):
        if not within_depth(document, MAX_JSON_DEPTH):
            yield f"{name}: JSON nested deeper than escalate writes"
            return
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
