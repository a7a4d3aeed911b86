"""The hostile-input corpus: logs, directories and archives built to break `escalate`.

Built by code into a folder (large inputs are generated, nothing big is committed). Each entry
says which commands run over it and, where the README's table fixes it, the exit status they
must end with. Used by tests/hostile/test_corpus.py and benchmarks/hostile_bounds.py.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import socket
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson
import zstandard

from escalate._bundle._archive import archive_bytes
from escalate._render._format import FORMAT_NAMES
from escalate._report._reading._reader import MAX_LINE

#: Values that must appear in no output, no stderr and no file written.
SECRETS = ("hunter2", "CANARYsecret99", "customer@example.com", "rc_secret_CANARY77")
#: Characters no output or stderr may carry raw.
RAW_CONTROLS = ("\x1b", "\u202e", "\x07")
#: What every log line of the corpus may hold: a route with a terminal escape and a bidi override.
EVIL_NAME = "evil\x1b[2J\x1b]8;;https:evil.example\x07x\u202egnp.jsonl"
BASE_CALL = {
    "schema": "escalate.evidence/1", "kind": "call", "ts": "2026-11-27T11:08:55.123456Z",
    "client": "httpx", "method": "POST", "host": "api.example.com",
    "route": "/api/core/messages/send", "stage": "send", "duration_ms": 12.5, "status": 403,
    "outcome": "http_error", "exception": None, "request_id": "req_hostile_1",
    "error_code": "FORBIDDEN", "error_message": "numberId does not belong to this client",
    "auth": {"scheme": "bearer", "fingerprint": "fp_0123456789ab"}, "token": None,
    "content_type": "application/json",
    "payload": {"sendFrom": "num_1", "to": ["<e164>"], "messageType": "SMS",
                "text": "<text:len=5>", "client_secret": "hunter2"},
    "idempotency": {"present": True, "fingerprint": "fp_aaaaaaaaaaaa"},
    "operation": "fp_bbbbbbbbbbbb", "response": None,
}  # fmt: skip
BASE_HOOK = {
    "schema": "escalate.evidence/1", "kind": "webhook", "ts": "2026-11-27T11:08:56.000000Z",
    "receiver": "asgi", "route": "/hooks", "event": "message.delivery", "message_id": "msg_1",
    "signature": "valid", "response_status": 200, "body_size": 10, "body_sha256": "00",
    "parse_error": False,
}  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """One hostile input: a log path (file or directory) or an archive for `--verify`."""

    name: str
    path: Path
    verify: bool = False  #: an archive: only `bundle --verify` runs over it
    expected: int | None = None  #: the exit status every command must end with, when fixed


def _line(**changes: object) -> bytes:
    """One call record line (the json module: orjson cannot write 255 levels)."""
    record = {**BASE_CALL, **changes}
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def _hooks_with_bad_times() -> bytes:
    """Healthy receipts (the fast path's records) with timestamps of the canonical length that
    are no date, or whose fraction holds other digits (JSON-escaped, so the line is ASCII)."""
    times = ["2026-13-45T99:99:99.999999Z", "xxxxxxxxxxxxxxxxxxxxxxxxxxZ",
             "2026-11-27T11:08:56.\\u0660\\u0661\\u0662\\u0663\\u0664\\u0665Z",
             "2026-11-27T11:08:56.12345xZ"]  # fmt: skip
    lines = [orjson.dumps({**BASE_HOOK, "ts": "TS"}).replace(b"TS", ts.encode()) for ts in times]
    return b"\n".join(lines) + b"\n"


def _deep(levels: int) -> object:
    value: object = "x"
    for _ in range(levels):
        value = {"a": value}
    return value


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _logs(folder: Path, large: bool) -> list[Entry]:
    """Logs whose records or bytes are hostile."""
    zstd = zstandard.ZstdCompressor()
    good = _line() + orjson.dumps(BASE_HOOK) + b"\n"
    long_run = "a" * 16_000
    line_size = (256 if large else 1) * MAX_LINE + 10
    bomb = b"\0" * ((256 if large else 8) * 1024 * 1024)
    compressed = zstd.compress(good * 50)
    gzipped = gzip.compress(b"".join(_line(request_id=f"req_{n}") for n in range(200)))
    logs = {
        "deep_255.jsonl": _line(payload=_deep(255)) + good,
        "year_1.jsonl": _line(ts="0001-01-01T00:00:00+05:00")
        + _line(ts="0001-01-01T00:00:00.000000Z"),
        "year_9999.jsonl": _line(ts="9999-12-31T23:59:59.999999-05:00")
        + _line(ts="9999-12-31T23:59:59.999999Z"),
        "garbage_ts.jsonl": _line(ts="xxxxxxxxxxxxxxxxxxxxxxxxxxZ")
        + _line(ts="2027-02-29T00:00:00.000000Z") + good + _hooks_with_bad_times(),
        "message_id_list.jsonl": _line(status=202, outcome="ok", error_code=None,
            response={"results": [{"messageId": ["m"], "status": "QUEUED"}]})
        + orjson.dumps({**BASE_HOOK, "message_id": ["m"]}) + b"\n",
        "token_fingerprint_list.jsonl": _line(
            route="/api/core/whoami", stage="whoami", method="GET", status=200, outcome="ok",
            error_code=None, token={"fingerprint": ["fp"]}, response={"apiClientId": "c"})
        + _line(token={"fingerprint": {"a": 1}}) + good,
        "payload_secret.jsonl": _line(customer_email="customer@example.com",
                                      notes="CANARYsecret99") + good,
        "quadratic_route.jsonl": _line(route="/" + long_run + "=" + long_run,
                                       stage="other", error_message="x=" + "eyJ" * 5000),
        "escapes_and_bidi.jsonl": _line(route="/\x1b[2J\x1b]8;;https://evil.example\x07\u202e",
            error_message="see https://evil.example and www.evil.example \u202e"),
        "long_line.jsonl": good + b'{"schema":"escalate.evidence/1","x":"' + b"a" * line_size
        + b'"}\n' + good,
        "corrupt.jsonl.zst": compressed[:12] + b"\xff" * 32 + compressed[44:],
        "truncated.jsonl.zst": compressed[: len(compressed) // 2],
        "corrupt.jsonl.gz": gzipped[:40] + b"\x00" * 40 + gzipped[80:],
        "truncated.jsonl.gz": gzipped[: len(gzipped) // 2],
        "zstd_bomb.jsonl.zst": zstd.compress(good + bomb + b"\n" + good),
        "not_utf8.jsonl": b'{"schema":"escalate.evidence/1","kind":"call","route":"\xff"}\n'
        + good,
    }  # fmt: skip
    expected = dict.fromkeys(
        ("corrupt.jsonl.zst", "truncated.jsonl.zst", "corrupt.jsonl.gz", "truncated.jsonl.gz"), 2
    )
    return [Entry(name, _write(folder, name, data), expected=expected.get(name))
            for name, data in logs.items()]  # fmt: skip


def _special_directory(folder: Path) -> Entry:
    """A directory with a good log beside a FIFO, a /dev/zero symlink, a socket, a dangling
    symlink and a file whose name holds terminal escapes."""
    directory = folder / "special_dir"
    directory.mkdir()
    (directory / "good.jsonl").write_bytes(_line() + orjson.dumps(BASE_HOOK) + b"\n")
    (directory / EVIL_NAME).write_bytes(_line())
    os.mkfifo(directory / "fifo")
    os.symlink("/dev/zero", directory / "zero")
    os.symlink(directory / "missing", directory / "dangling")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(directory / "sock"))
    server.close()
    return Entry("special_dir", directory)


def _zip_with(infos: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    """An archive of exactly these members (zipfile warns about a duplicate name: wanted here)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore", UserWarning)
        for info, data in infos:
            archive.writestr(info, data)
    return buffer.getvalue()


def _info(name: str, **attributes: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    for key, value in attributes.items():
        setattr(info, key, value)
    return info


def _patched(data: bytes, old: bytes, new: bytes) -> bytes:
    """Rewrite bytes of an archive (a flag or a method the zipfile writer will not set)."""
    return data.replace(old, new)


def _archives(folder: Path, large: bool) -> list[Entry]:
    """Archives `escalate bundle` never makes; each must fail `--verify` (3) or be refused (2)."""
    manifest = orjson.dumps({"files": {"report.md": {"size": 5, "sha256": "0" * 64}}})
    secret = b"token rc_secret_CANARY77\n"
    member_size = (256 if large else 8) * 1024 * 1024
    builders: dict[str, Callable[[], bytes]] = {
        "duplicate_names.zip": lambda: _zip_with(
            [(_info("manifest.json"), manifest), (_info("report.md"), secret),
             (_info("report.md"), b"hello")]),
        "parent_name.zip": lambda: archive_bytes({"manifest.json": manifest, "../evil.md": secret}),
        "absolute_name.zip": lambda: archive_bytes(
            {"manifest.json": manifest, "/tmp/evil.md": secret}),
        "symlink_member.zip": lambda: _zip_with(
            [(_info("manifest.json"), manifest),
             (_info("report.md", external_attr=0o120777 << 16), b"/etc/passwd")]),
        "encrypted_member.zip": lambda: _zip_with(
            [(_info("manifest.json"), manifest), (_info("report.md", flag_bits=0x1), secret)]),
        "unknown_compression.zip": lambda: _zip_with(
            [(_info("manifest.json"), manifest),
             (_info("report.md", compress_type=zipfile.ZIP_STORED), secret)]),
        "oversized_member.zip": lambda: archive_bytes(
            {"manifest.json": manifest, "report.md": b"\n" * member_size}),
        "manifest_bomb.zip": lambda: archive_bytes({"manifest.json": b" " * member_size}),
        "escape_member.zip": lambda: archive_bytes({"manifest.json": manifest, EVIL_NAME: secret}),
        "many_members.zip": lambda: archive_bytes(
            {f"m{n}.txt": b"" for n in range(200_000 if large else 5_000)}),
    }  # fmt: skip
    entries = [Entry(name, _write(folder, name, build()), verify=True, expected=3)
               for name, build in builders.items()]  # fmt: skip
    _set_method(folder / "unknown_compression.zip", 99)
    entries.append(Entry("not_a_zip.zip", _write(folder, "not_a_zip.zip", b"PK\x03\x04junk"),
                         verify=True, expected=2))  # fmt: skip
    fifo = folder / "fifo.zip"
    os.mkfifo(fifo)
    entries.append(Entry("fifo.zip", fifo, verify=True, expected=2))
    return entries


def _set_method(path: Path, method: int) -> None:
    """Give the archive's report.md member compression `method` in both of its headers."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (found := data.find(signature, start)) != -1:
            name_at = found + (30 if offset == 8 else 46)
            if data[name_at : name_at + 9] == b"report.md":
                data[found + offset : found + offset + 2] = method.to_bytes(2, "little")
            start = found + 4
    path.write_bytes(bytes(data))


def build_corpus(folder: Path, *, large: bool = False) -> list[Entry]:
    """Write the corpus into `folder`; `large` makes the bombs and long lines 256 MiB."""
    folder.mkdir(parents=True, exist_ok=True)
    return [*_logs(folder, large), _special_directory(folder), *_archives(folder, large)]


def commands_for(entry: Entry, out: Path) -> list[tuple[str, list[str]]]:
    """(label, argv after `escalate`) of every command that runs over an entry."""
    if entry.verify:
        return [("bundle --verify", ["bundle", "--verify", str(entry.path)])]
    path = str(entry.path)
    formats = [(f"report {fmt}", ["report", path, "--format", fmt, "-o", str(out / f"r.{fmt}")])
               for fmt in FORMAT_NAMES]  # fmt: skip
    bundle = str(out / f"{entry.name}.zip")
    return [
        *formats,
        ("bundle", ["bundle", path, "-o", bundle]),
        ("har", ["har", path, "-o", str(out / "out.har")]),
        ("verify own bundle", ["bundle", "--verify", bundle]),
    ]
