"""Every command over every hostile input: an exit status of the README's table, no traceback,
no secret and no raw control character in any output, stderr or file written.

Time and memory are not asserted here: benchmarks/hostile_bounds.py runs the same corpus with
256 MiB bombs and lines under GNU time and checks the bounds.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from escalate._cli import main
from escalate._cli._exit import ExitCode

from .corpus import RAW_CONTROLS, SECRETS, Entry, build_corpus, commands_for

EXIT_TABLE = {int(code) for code in ExitCode} - {int(ExitCode.INTERNAL)}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Entry]:
    """The corpus, built once (small sizes)."""
    return build_corpus(tmp_path_factory.mktemp("hostile"))


def _written(out: Path) -> list[tuple[str, str]]:
    """(name, text) of every file the commands wrote, bundle members included."""
    texts = []
    for path in sorted(out.iterdir()):
        if path.suffix == ".zip" and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                texts += [(f"{path.name}/{i.filename}", archive.read(i).decode("utf-8", "replace"))
                          for i in archive.infolist()]  # fmt: skip
        else:
            texts.append((path.name, path.read_text("utf-8", "replace")))
    return texts


def _entry(corpus: list[Entry], name: str) -> Entry:
    return next(entry for entry in corpus if entry.name == name)


def test_every_command_over_every_hostile_input(corpus: list[Entry], tmp_path: Path) -> None:
    """Each command over each input ends with a documented exit status (the entry's own when it
    is fixed), no traceback, and nothing secret or obeyed by a terminal in what it wrote."""
    failures = []
    for entry in corpus:
        out = tmp_path / entry.name.replace(".", "_")
        out.mkdir()
        for label, argv in commands_for(entry, out):
            result = CliRunner().invoke(main, argv)
            crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
            code_ok = result.exit_code in EXIT_TABLE and (
                entry.expected is None or label == "verify own bundle"
                or result.exit_code == entry.expected)  # fmt: skip
            texts = [("output", result.output), *_written(out)]
            leaks = [(name, s) for name, text in texts for s in (*SECRETS, *RAW_CONTROLS)
                     if (s in text and not name.endswith("evidence.har"))
                     or (s in SECRETS and s in text)]  # fmt: skip
            if crashed or not code_ok or leaks or "Traceback" in result.output:
                failures.append((entry.name, label, result.exit_code, repr(result.exception),
                                 leaks[:3], result.output[-300:]))  # fmt: skip
    assert failures == []


@pytest.mark.parametrize(
    "name",
    ["duplicate_names.zip", "parent_name.zip", "absolute_name.zip", "symlink_member.zip",
     "encrypted_member.zip", "unknown_compression.zip", "oversized_member.zip",
     "manifest_bomb.zip", "many_members.zip", "escape_member.zip"],
)  # fmt: skip
def test_verify_refuses_archives_escalate_never_makes(corpus: list[Entry], name: str) -> None:
    """`--verify` fails (exit 3) on an archive escalate never writes, naming why on stderr."""
    result = CliRunner().invoke(main, ["bundle", "--verify", str(_entry(corpus, name).path)])
    assert result.exit_code == ExitCode.VERIFY_FAILED, result.output
    assert "FAIL " in result.output
    assert not any(char in result.output for char in RAW_CONTROLS)


def test_verify_of_a_fifo_or_a_non_zip_is_an_input_error(corpus: list[Entry]) -> None:
    """A FIFO or a file that is not a zip is an input error (exit 2), and nothing waits."""
    for name in ("fifo.zip", "not_a_zip.zip"):
        result = CliRunner().invoke(main, ["bundle", "--verify", str(_entry(corpus, name).path)])
        assert result.exit_code == ExitCode.USAGE, result.output


def test_special_entries_are_skipped_with_a_warning_and_shown(corpus: list[Entry]) -> None:
    """FIFO, /dev/zero symlink, socket and dangling symlink are each skipped: a warning on
    stderr with the name escaped, a count in the report, and the good logs still read."""
    directory = _entry(corpus, "special_dir").path
    result = CliRunner().invoke(main, ["report", str(directory), "--format", "text"])
    assert result.exit_code == ExitCode.FINDINGS, result.output
    for name in ("fifo", "zero", "sock", "dangling"):
        assert f"warning: skipped {directory / name}:" in result.output
    assert "not_a_regular_file: 3" in result.output
    assert "unreadable_entry: 1" in result.output
    assert "\x1b" not in result.output


@pytest.mark.parametrize(
    "name", ["corrupt.jsonl.zst", "truncated.jsonl.zst", "corrupt.jsonl.gz", "truncated.jsonl.gz"]
)
def test_damaged_compressed_log_is_an_input_error_naming_it(corpus: list[Entry], name: str) -> None:
    """A corrupt or truncated .zst or .gz is an input error: exit 2, the file named."""
    result = CliRunner().invoke(main, ["report", str(_entry(corpus, name).path)])
    assert result.exit_code == ExitCode.USAGE
    assert name in result.output


@pytest.mark.parametrize(
    "name", ["deep_255.jsonl", "year_1.jsonl", "year_9999.jsonl", "garbage_ts.jsonl",
             "message_id_list.jsonl"],
)  # fmt: skip
def test_unusable_records_are_counted_not_crashed_on(corpus: list[Entry], name: str) -> None:
    """Records too deep, dated outside 1970-2999 or with a list for a messageId are counted as
    wrong_types in the report; the commands go on (a log of nothing else has no evidence: 4)."""
    result = CliRunner().invoke(main, ["report", str(_entry(corpus, name).path), "--format",
                                       "json"])  # fmt: skip
    assert result.exit_code in (ExitCode.OK, ExitCode.FINDINGS, ExitCode.NO_EVIDENCE), result.output
    assert '"wrong_types"' in result.output


@pytest.mark.parametrize(
    "option", [["--since", "99999999h"], ["--delivery-grace", "99999999999999h"],
               ["--until", "0001-01-01T00:00:00+05:00"]],
)  # fmt: skip
def test_out_of_range_times_are_usage_errors(corpus: list[Entry], option: list[str]) -> None:
    """A duration or time no date can hold is a usage error (exit 2), not an internal one."""
    path = str(_entry(corpus, "payload_secret.jsonl").path)
    for command in (["report", path], ["bundle", path, "-o", "/dev/null"]):
        result = CliRunner().invoke(main, [*command, *option])
        assert result.exit_code == ExitCode.USAGE, result.output


def test_bundle_evidence_ships_schema_fields_only(corpus: list[Entry], tmp_path: Path) -> None:
    """Keys no schema field names (a customer's e-mail in structlog context) stay out."""
    output = tmp_path / "ticket.zip"
    path = str(_entry(corpus, "payload_secret.jsonl").path)
    assert CliRunner().invoke(main, ["bundle", path, "-o", str(output)]).exit_code == 0
    with zipfile.ZipFile(output) as archive:
        evidence = archive.read("evidence.jsonl").decode()
    assert evidence and "customer_email" not in evidence and "notes" not in evidence


def test_filters_over_every_hostile_log(corpus: list[Entry], tmp_path: Path) -> None:
    """`--client`, `--message-id`, `--request-id` and `--since` over each log end with a
    documented exit status and no traceback (`--client` reads tokens a second time)."""
    filters = ["--client", "c", "--message-id", "msg_1", "--request-id", "req_hostile_1",
               "--since", "2026-01-01T00:00:00Z", "--delivery-grace", "0"]  # fmt: skip
    failures = []
    bundle = str(tmp_path / "filtered.zip")
    for entry in (entry for entry in corpus if not entry.verify):
        path = str(entry.path)
        for command in (["report", path, "--format", "json"], ["bundle", path, "-o", bundle]):
            result = CliRunner().invoke(main, [*command, *filters])
            if result.exit_code not in EXIT_TABLE or "Traceback" in result.output:
                failures.append((entry.name, command[0], result.exit_code, result.output[-200:]))
    assert failures == []
