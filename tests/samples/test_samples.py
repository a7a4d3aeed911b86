"""The shipped samples: each report names the right stage and findings, pinned by golden files."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from escalate._cli import main
from escalate._render import FORMATS, Format
from escalate._report import RULES

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
GOLDEN = Path(__file__).resolve().parent / "golden"
MANIFEST: dict[str, dict[str, object]] = orjson.loads((SAMPLES / "manifest.json").read_bytes())
#: Values the sample generator used that must never reach a sample.
SECRETS = (b"rc_secret_abc123", b"whsec_samples_receiver_secret", b"rc_tok_",
           b"+1555", b"Your order 789 has shipped", b"idem_")  # fmt: skip


def run_report(name: str, fmt: Format, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """`escalate report samples/NAME` as the README runs it, from the project folder."""
    monkeypatch.chdir(ROOT)
    args = [str(arg) for arg in MANIFEST[name]["report_args"]]  # type: ignore[attr-defined]
    result = CliRunner().invoke(main, ["report", f"samples/{name}", *args, "--format", fmt.value])
    return result.exit_code, result.output


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_sample_report_names_stage_and_findings(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The report names the manifest's first failing stage and exactly its findings."""
    code, output = run_report(name, Format.JSON, monkeypatch)
    report = orjson.loads(output)
    expected = MANIFEST[name]
    assert report["first_failing_stage"] == expected["first_failing_stage"]
    found = sorted(f["symptom"] for f in report["findings"])
    assert found == sorted(expected["findings"])  # type: ignore[call-overload]
    assert code == expected["exit_code"]


def readable(output: str, fmt: Format) -> str:
    """The words of a report, whatever its markup: tags, escapes and line wrapping removed."""
    if fmt is Format.HTML:
        output = html.unescape(re.sub(r"<[^>]+>", "", output))
    elif fmt is Format.MARKDOWN:
        output = re.sub(r"\\(.)", r"\1", output).replace("`", "")
    elif fmt is Format.JSON:
        output = orjson.dumps(orjson.loads(output)).decode().replace('\\"', '"')
    return " ".join(output.replace("`", "").split())


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.value)
@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_sample_report_says_what_support_needs(
    name: str, fmt: Format, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every format names the stage, the findings and the manifest's words, and leaks nothing."""
    code, output = run_report(name, fmt, monkeypatch)
    words = readable(output, fmt)
    expected = MANIFEST[name]
    assert code == expected["exit_code"]
    stage = expected["first_failing_stage"]
    assert stage is None or str(stage) in words
    titles = {rule.id: rule.title for rule in RULES}
    wanted = [titles[symptom] for symptom in expected["findings"]]  # type: ignore[attr-defined]
    wanted += list(expected["expect_text"])  # type: ignore[call-overload]
    assert [text for text in wanted if " ".join(text.replace("`", "").split()) not in words] == []
    assert [secret for secret in SECRETS if secret.decode() in output] == []


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.value)
@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_sample_report_matches_golden(
    name: str, fmt: Format, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each sample's report in each format is its golden file (ESCALATE_UPDATE_GOLDEN=1)."""
    _, output = run_report(name, fmt, monkeypatch)
    golden = GOLDEN / f"{name}.{fmt.extension}"
    if os.environ.get("ESCALATE_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(output, encoding="utf-8")
    assert output == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "path", sorted(SAMPLES.glob("*/*.jsonl")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_samples_hold_no_secret(path: Path) -> None:
    """Credentials, tokens, message text, phone numbers and keys used for a sample are absent."""
    data = path.read_bytes()
    assert [secret for secret in SECRETS if secret in data] == []


def test_mixed_sample_counts_other_and_broken_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mixed sample's other services' lines and broken records are counted, not fatal."""
    _, output = run_report("mixed", Format.JSON, monkeypatch)
    inputs = orjson.loads(output)["inputs"]
    assert inputs["lines"] >= 2000
    assert inputs["skipped"]["not_evidence"] > 500
    assert {"truncated", "invalid_utf8", "wrong_types"} <= set(inputs["skipped"]["by_reason"])


def test_manifest_covers_every_rule() -> None:
    """Every rule of the registry is shown by at least one sample."""
    findings = [sample["findings"] for sample in MANIFEST.values()]
    shown = {symptom for listed in findings for symptom in listed}  # type: ignore[attr-defined]
    assert {rule.id for rule in RULES} <= shown


def test_duplicate_filtered_on_its_accepted_message_is_still_a_duplicate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--message-id of the retry's message keeps the timed-out attempt: duplicate_messages."""
    sends = [orjson.loads(line) for line in (SAMPLES / "duplicate_messages" / "app.jsonl")
             .read_bytes().splitlines() if b'"stage":"send"' in line]  # fmt: skip
    accepted = [r["messageId"] for s in sends for r in (s["response"] or {}).get("results", [])]
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["report", "samples/duplicate_messages", "--message-id",
                                       accepted[-1], "--format", "json"])  # fmt: skip
    report = orjson.loads(result.output)
    assert [f["symptom"] for f in report["findings"]] == ["duplicate_messages"]
    assert report["inputs"]["calls"] == len(sends)
