"""`escalate bundle`: contents, determinism, the secret scan over every file, `--verify`."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from escalate._bundle import build_bundle, verify_bundle, write_bundle
from escalate._bundle._archive import archive_bytes, read_members
from escalate._cli import main
from escalate._cli._exit import ExitCode
from escalate._report import ReportOptions
from escalate._scan import ScanConfig
from tests.report.envelopes import WRAPPERS

from ._logs import FORBIDDEN, read_records

EXPECTED_FILES = (
    "README.txt", "evidence.har", "evidence.jsonl", "manifest.json",
    "report.html", "report.json", "report.md",
)  # fmt: skip


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _escalate() -> str:
    """The installed `escalate` command next to this interpreter."""
    return str(Path(sys.executable).with_name("escalate"))


def test_bundle_holds_every_documented_file(traffic_log: Path) -> None:
    """The archive has the three reports, evidence as JSONL and HAR, manifest and README."""
    data, _ = build_bundle([str(traffic_log)])
    assert tuple(sorted(_members(data))) == EXPECTED_FILES


def test_same_inputs_give_byte_identical_bundles(traffic_log: Path, tmp_path: Path) -> None:
    """Two runs of the installed command on the same log write the same bytes."""
    outputs = [tmp_path / "a.zip", tmp_path / "b.zip"]
    for output in outputs:
        subprocess.run([_escalate(), "bundle", str(traffic_log), "-o", str(output)],
                       check=True, capture_output=True, timeout=120)  # fmt: skip
    assert outputs[0].read_bytes() == outputs[1].read_bytes()


def test_archive_members_have_fixed_metadata(traffic_log: Path) -> None:
    """Every member is dated 1980-01-01, mode 0644, in sorted order."""
    data, _ = build_bundle([str(traffic_log)])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {(i.date_time, i.external_attr >> 16) for i in infos} == {
        ((1980, 1, 1, 0, 0, 0), 0o100644)
    }


def test_evidence_holds_cited_and_stage_defining_records_only(traffic_log: Path) -> None:
    """Repeated successful whoami calls are not all copied: only the stage-defining ones."""
    data, _ = build_bundle([str(traffic_log)])
    lines = _members(data)["evidence.jsonl"].splitlines()
    stages = [orjson.loads(line).get("stage") for line in lines]
    logged = [record.get("stage") for record in read_records(traffic_log)]
    assert logged.count("whoami") == 5
    assert stages.count("whoami") == 2
    assert stages.count("send") == logged.count("send")


def test_evidence_respects_report_filters(traffic_log: Path) -> None:
    """`--route` narrows the evidence the same way it narrows the report."""
    options = ReportOptions(route="/api/core/numbers")
    data, summary = build_bundle([str(traffic_log)], options=options)
    lines = _members(data)["evidence.jsonl"].splitlines()
    assert {orjson.loads(line)["route"] for line in lines} == {"/api/core/numbers"}
    assert summary.evidence_records == len(lines)


def test_manifest_lists_inputs_files_and_counts(traffic_log: Path) -> None:
    """The manifest has input checksums, per-file checksums, counts and provenance."""
    import hashlib

    members = _members(build_bundle([str(traffic_log)])[0])
    manifest = orjson.loads(members["manifest.json"])
    assert manifest["inputs"] == [{
        "path": str(traffic_log), "size": traffic_log.stat().st_size,
        "sha256": hashlib.sha256(traffic_log.read_bytes()).hexdigest(),
    }]  # fmt: skip
    assert set(manifest["files"]) == set(EXPECTED_FILES) - {"manifest.json"}
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256(members[name]).hexdigest()
    assert manifest["counts"]["records"] == len(read_records(traffic_log))
    assert manifest["counts"]["skipped_not_evidence"] == 2
    assert manifest["record_schema"] == "escalate.evidence/1"
    assert manifest["time_window"]["first_seen"] <= manifest["time_window"]["last_seen"]


def test_report_files_agree_on_the_first_failing_stage(traffic_log: Path) -> None:
    """The JSON report and the manifest name the same first failing stage (send: 403)."""
    members = _members(build_bundle([str(traffic_log)])[0])
    report = orjson.loads(members["report.json"])
    assert report["first_failing_stage"] == "send"
    assert orjson.loads(members["manifest.json"])["first_failing_stage"] == "send"
    assert b"send" in members["report.md"] and b"<html" in members["report.html"].lower()


@pytest.mark.parametrize("name", EXPECTED_FILES)
def test_no_canary_survives_in_any_file(salted: Path, name: str) -> None:
    """A log salted with canaries in every field and in free text leaks none into `name`."""
    text = _members(build_bundle([str(salted)])[0])[name].decode()
    leaked = [canary for canary in FORBIDDEN if canary in text]
    assert leaked == []


def test_manifest_and_report_count_redactions_by_rule(salted: Path) -> None:
    """What was redacted is summarised by rule, in the manifest and in the report."""
    members = _members(build_bundle([str(salted)])[0])
    manifest = orjson.loads(members["manifest.json"])["redactions"]
    report = orjson.loads(members["report.json"])["redactions"]
    for rule in ("rc_token", "rc_secret", "webhook_secret", "e164", "jwt", "bearer", "basic"):
        assert manifest[rule] > 0 and report[rule] > 0


def test_scan_cannot_be_switched_off(salted: Path) -> None:
    """Even with an empty scan config the built-in rules run (there is no off switch)."""
    members = _members(build_bundle([str(salted)], scan_config=ScanConfig())[0])
    assert all(b"CANARY" not in data for data in members.values())


def test_verify_accepts_an_untouched_bundle(salted: Path, tmp_path: Path) -> None:
    """A fresh bundle verifies: checksums match and a rescan finds nothing."""
    output = tmp_path / "ticket.zip"
    write_bundle([str(salted)], output)
    result = CliRunner().invoke(main, ["bundle", "--verify", str(output)])
    assert result.exit_code == ExitCode.OK, result.output


def _tampered(bundle: Path, name: str, data: bytes, fix_manifest: bool) -> Path:
    """Rewrite one member; optionally update the manifest so checksums still match."""
    import hashlib

    members = read_members(bundle)
    members[name] = data
    if fix_manifest:
        manifest = orjson.loads(members["manifest.json"])
        manifest["files"][name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        members["manifest.json"] = orjson.dumps(manifest)
    bundle.write_bytes(archive_bytes(members))
    return bundle


def test_verify_catches_a_tampered_file(traffic_log: Path, tmp_path: Path) -> None:
    """Changing one byte of a report makes `--verify` exit 3 naming the file."""
    output = tmp_path / "ticket.zip"
    write_bundle([str(traffic_log)], output)
    original = read_members(output)["report.md"]
    _tampered(output, "report.md", original.replace(b"send", b"sEnd", 1), fix_manifest=False)
    result = CliRunner().invoke(main, ["bundle", "--verify", str(output)])
    assert result.exit_code == ExitCode.VERIFY_FAILED
    assert "report.md: checksum mismatch" in result.output


def test_verify_catches_a_secret_with_matching_checksums(traffic_log: Path, tmp_path: Path) -> None:
    """A secret added with a re-computed checksum is still found by the rescan (exit 3)."""
    output = tmp_path / "ticket.zip"
    write_bundle([str(traffic_log)], output)
    line = b'{"kind":"call","client_secret":"hunter2-not-redacted"}\n'
    evidence = read_members(output)["evidence.jsonl"] + line
    _tampered(output, "evidence.jsonl", evidence, fix_manifest=True)
    result = verify_bundle(output)
    assert not result.ok
    assert result.problems == ("evidence.jsonl: the secret scan found secret x1",)


def test_verify_catches_added_and_removed_files(traffic_log: Path, tmp_path: Path) -> None:
    """A file not in the manifest, or a listed file missing, fails verification."""
    output = tmp_path / "ticket.zip"
    write_bundle([str(traffic_log)], output)
    members = read_members(output)
    members["extra.txt"] = b"hello\n"
    del members["report.html"]
    output.write_bytes(archive_bytes(members))
    problems = verify_bundle(output).problems
    assert "extra.txt: in the archive but not listed in manifest.json" in problems
    assert "report.html: listed in manifest.json but missing from the archive" in problems


def test_verify_rejects_a_file_that_is_not_a_zip(tmp_path: Path) -> None:
    """A non-zip file is an input error (exit 2, as the README's table says), not a failed
    verification, and not a traceback."""
    bogus = tmp_path / "ticket.zip"
    bogus.write_bytes(b"not a zip")
    result = CliRunner().invoke(main, ["bundle", "--verify", str(bogus)])
    assert result.exit_code == ExitCode.USAGE
    assert "not a zip archive" in result.output


def test_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    """A log that does not exist exits 2 with a message naming it."""
    result = CliRunner().invoke(
        main, ["bundle", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "t.zip")]
    )
    assert result.exit_code == ExitCode.USAGE
    assert "nope.jsonl" in result.output


def test_bundle_without_output_is_a_usage_error(traffic_log: Path) -> None:
    """Writing a bundle needs -o."""
    result = CliRunner().invoke(main, ["bundle", str(traffic_log)])
    assert result.exit_code == ExitCode.USAGE


def test_manifest_command_line_has_no_secret(traffic_log: Path, tmp_path: Path) -> None:
    """The recorded command line goes through the scan like everything else."""
    output = tmp_path / "ticket.zip"
    result = CliRunner().invoke(main, ["bundle", str(traffic_log), "-o", str(output),
                                       "--request-id", "rc_token_CANARYz9"])  # fmt: skip
    assert result.exit_code == ExitCode.OK, result.output
    manifest = orjson.loads(read_members(output)["manifest.json"])
    assert "--request-id [redacted:rc_token:" in manifest["command"]


def test_scan_config_file_adds_rules_to_the_bundle(traffic_log: Path, tmp_path: Path) -> None:
    """`--scan-config` extra patterns apply to the bundle files."""
    config = tmp_path / "scan.toml"
    config.write_text('[scan.patterns]\nnumber_ids = "num_[a-z_]+"\n', encoding="utf-8")
    output = tmp_path / "ticket.zip"
    result = CliRunner().invoke(
        main, ["bundle", str(traffic_log), "-o", str(output), "--scan-config", str(config)]
    )
    assert result.exit_code == ExitCode.OK, result.output
    members = read_members(output)
    assert all(b"num_other_client" not in data for data in members.values())
    assert orjson.loads(members["manifest.json"])["redactions"]["number_ids"] > 0


def test_repeated_citations_select_a_bounded_number_of_records(
    traffic_log: Path, tmp_path: Path
) -> None:
    """A log concatenated 10 times does not put 10 copies of each cited call in the bundle."""
    doubled = tmp_path / "repeated.jsonl"
    doubled.write_bytes(traffic_log.read_bytes() * 10)
    data, _ = build_bundle([str(doubled)])
    lines = _members(data)["evidence.jsonl"].splitlines()
    sends = [line for line in lines if b'"stage":"send"' in line]
    assert 0 < len(sends) <= 5 * 5


def test_captured_records_hold_only_schema_fields(traffic_log: Path) -> None:
    """Every field the capture writes is one the bundle ships (the schema lists are complete)."""
    from escalate._schema import FIELDS_BY_KIND

    for record in read_records(traffic_log):
        assert set(record) <= set(FIELDS_BY_KIND[record["kind"]]), (
            set(record) - set(FIELDS_BY_KIND[record["kind"]])
        )


def test_evidence_pass_skips_a_line_over_the_limit(traffic_log: Path, tmp_path: Path) -> None:
    """A marked line over MAX_LINE between records is left out; the records around it are kept."""
    from escalate._report._reading._reader import MAX_LINE

    lines = traffic_log.read_bytes().splitlines(keepends=True)
    long_line = b'{"schema":"escalate.evidence/1","x":"' + b"a" * MAX_LINE + b'"}\n'
    log = tmp_path / "long.jsonl"
    log.write_bytes(b"".join([*lines[:3], long_line, *lines[3:]]))
    _, with_long = build_bundle([str(log)])
    _, without = build_bundle([str(traffic_log)])
    assert with_long.evidence_records == without.evidence_records > 0


@pytest.mark.parametrize("envelope", sorted(WRAPPERS))
def test_evidence_of_a_wrapped_log_is_the_bare_logs(
    traffic_log: Path, tmp_path: Path, envelope: str
) -> None:
    """A log spaced by another JSON encoder or kept in a platform's envelope gives the bundle the
    same evidence records as the bare log: the bundle finds records as the report does."""
    _, wrap = WRAPPERS[envelope]
    wrapped = tmp_path / "wrapped.log"
    wrapped.write_bytes(wrap(traffic_log.read_bytes().splitlines()))
    bare, _ = build_bundle([str(traffic_log)])
    other, _ = build_bundle([str(wrapped)])
    assert _members(other)["evidence.jsonl"] == _members(bare)["evidence.jsonl"]
