"""Envelopes: every sample wrapped the way a log platform stores it gives the bare log's report."""

from __future__ import annotations

import re
from functools import reduce
from pathlib import Path
from typing import Any

import orjson
import pytest
import structlog
from click.testing import CliRunner

import escalate
from escalate._cli import main
from escalate._render import FORMATS, Format
from escalate._report import ReportOptions, build_report
from escalate._report._aggregation._state import AggregateState
from escalate._report._build import report_from_state
from escalate._report._engine import aggregate_source, aggregate_sources, usable_cpus
from escalate._report._model import report_to_dict
from escalate._report._reading._envelopes import ENVELOPES
from escalate._report._reading._framing import Layout, sniff
from escalate._report._reading._inputs import resolve_sources
from escalate._report._reading._reader import MAX_LINE
from escalate._report._reading._sources import ByteRange, FileSource
from escalate.sandbox import RedCloudSandbox, WebhookSink
from tests.report.envelopes import WRAPPERS, opentelemetry

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
MANIFEST: dict[str, dict[str, Any]] = orjson.loads((SAMPLES / "manifest.json").read_bytes())
#: where each format's Inputs section starts (what was read differs; the diagnosis may not)
INPUTS_HEADING = {
    Format.MARKDOWN: "\n## Inputs",
    Format.HTML: '<h2 id="inputs">',
    Format.JSON: None,
    Format.TEXT: "\nINPUTS",
}


def _report(root: Path, name: str, fmt: Format, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(root)
    args = [str(arg) for arg in MANIFEST[name]["report_args"]]
    result = CliRunner().invoke(main, ["report", f"samples/{name}", *args, "--format", fmt.value])
    assert result.exit_code == MANIFEST[name]["exit_code"], result.output
    return result.output


def _wrapped_copy(tmp_path: Path, name: str, envelope: str) -> Path:
    """samples/NAME with every log wrapped, under the same relative names."""
    _, wrap = WRAPPERS[envelope]
    target = tmp_path / "samples" / name
    target.mkdir(parents=True)
    for log in sorted((SAMPLES / name).glob("*.jsonl")):
        (target / log.name).write_bytes(wrap(log.read_bytes().splitlines()))
    return tmp_path


#: envelopes that keep a line's bytes as they are: its broken records stay broken the same way
#: (a JSON envelope holds text, where invalid UTF-8 became U+FFFD; `jq` drops non-JSON lines)
BYTES_KEPT = {"cri", "cloudwatch-s3", "nested", "spaced"}


def _without_reading(report: dict[str, Any], envelope: str) -> dict[str, Any]:
    """The report without what depends on how the bytes were laid out (lines, examples)."""
    inputs = report["inputs"]
    del inputs["lines"], inputs["envelopes"], inputs["skipped"]["not_evidence"]
    del inputs["skipped"]["examples"]
    if envelope not in BYTES_KEPT:
        del inputs["skipped"]
    return report


#: samples with evidence: an empty log wrapped is an envelope without records, whose no-evidence
#: reason ("only other services' lines") rightly differs from the bare one's ("nothing in the
#: input")
WITH_EVIDENCE = sorted(name for name in MANIFEST if MANIFEST[name]["exit_code"] != 4)


@pytest.mark.parametrize("envelope", sorted(WRAPPERS))
@pytest.mark.parametrize("name", WITH_EVIDENCE)
def test_wrapped_sample_reports_as_bare(
    name: str, envelope: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrapped sample's JSON report equals the bare one's, but for how it was laid out."""
    bare = orjson.loads(_report(ROOT, name, Format.JSON, monkeypatch))
    wrapped = orjson.loads(_report(_wrapped_copy(tmp_path, name, envelope), name, Format.JSON,
                                   monkeypatch))  # fmt: skip
    label, _ = WRAPPERS[envelope]
    expected = {label: bare["inputs"]["records"]} if label and bare["inputs"]["records"] else {}
    assert wrapped["inputs"]["envelopes"] == expected
    assert _without_reading(wrapped, envelope) == _without_reading(bare, envelope)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if INPUTS_HEADING[f]], ids=lambda f: f.value)
@pytest.mark.parametrize("envelope", sorted(WRAPPERS))
def test_wrapped_sample_diagnosis_reads_the_same(
    envelope: str, fmt: Format, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In every format, all before the Inputs section is the bare report's, and it is named."""
    name = "send_forbidden"
    bare = _report(ROOT, name, fmt, monkeypatch)
    wrapped = _report(_wrapped_copy(tmp_path, name, envelope), name, fmt, monkeypatch)
    heading = INPUTS_HEADING[fmt]
    assert heading and heading in bare
    assert wrapped.split(heading)[0] == bare.split(heading)[0]
    label, _ = WRAPPERS[envelope]
    assert label is None or label in wrapped.split(heading)[1]


def _mixed_log() -> list[bytes]:
    return [line for log in sorted((SAMPLES / "mixed").glob("*.jsonl"))
            for line in log.read_bytes().splitlines()]  # fmt: skip


def _state_report(state: AggregateState, files: tuple[str, ...]) -> dict[str, Any]:
    report = report_to_dict(report_from_state(state, ReportOptions(), files))
    del report["inputs"]["skipped"]["examples"]  # numbered within each byte range's values
    return report


@pytest.mark.parametrize("envelope", sorted(WRAPPERS))
def test_jobs_read_wrapped_logs_as_one_process(envelope: str, tmp_path: Path) -> None:
    """--jobs 2 over byte ranges of a wrapped log gives the one-process state; a JSON
    document (values over many lines) is never cut into ranges."""
    path = tmp_path / "wrapped.log"
    path.write_bytes(WRAPPERS[envelope][1](_mixed_log()))
    sources = resolve_sources([str(path)])
    one = aggregate_sources(sources, None, jobs=1)
    two = aggregate_sources(sources, None, jobs=2, min_range_bytes=4096)
    document = sniff(path.read_bytes()[:65536]) is Layout.DOCUMENT
    compressed = envelope == "cloudwatch-s3"
    assert (len(two.segments) == 1) == (document or compressed or usable_cpus() < 2)
    assert _state_report(two, (str(path),)) == _state_report(one, (str(path),))
    assert two.envelopes == one.envelopes


def test_records_through_structlog_stock_renderer_are_read(tmp_path: Path) -> None:
    """The documented logger target with structlog's stock JSONRenderer (`"schema": "..."`,
    other keys first) gives the report a file target gives."""
    from tests.report.test_end_to_end import _SECRET, _session

    reports = []
    for target in ("path", "logger"):
        log = tmp_path / f"{target}.jsonl"
        with log.open("w") as stream:
            logger = structlog.wrap_logger(structlog.WriteLogger(stream), processors=[
                structlog.processors.add_log_level, structlog.processors.TimeStamper(fmt="iso"),
                structlog.processors.JSONRenderer()])  # fmt: skip
            escalate.configure(**({"path": log} if target == "path" else {"logger": logger}))
            try:
                with WebhookSink() as sink, RedCloudSandbox(
                    webhook_url=sink.url, webhook_secret=_SECRET
                ) as rc:
                    _session(rc, sink, "+15551234567", sends=3)
                escalate.flush()
            finally:
                escalate.configure(path=tmp_path / "after.jsonl")
        reports.append(build_report([str(log)], options=ReportOptions(delivery_grace_s=0)))
    by_file, by_logger = reports
    assert b'"schema": "escalate.evidence/1"' in (tmp_path / "logger.jsonl").read_bytes()
    assert by_logger.inputs.records == by_file.inputs.records > 0
    assert by_logger.first_failing_stage == by_file.first_failing_stage == "send"
    assert [f.symptom for f in by_logger.findings] == [f.symptom for f in by_file.findings]


@pytest.mark.parametrize("envelope", ["jq", "gcloud", "cri", "journald"])
def test_wrapped_log_on_stdin_reads_as_the_file(
    envelope: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`escalate report -` sniffs stdin's layout as it does a file's."""
    monkeypatch.chdir(tmp_path)
    data = WRAPPERS[envelope][1](_mixed_log())
    Path("wrapped.log").write_bytes(data)
    runner = CliRunner()
    from_file = runner.invoke(main, ["report", "wrapped.log", "--format", "json"])
    from_stdin = runner.invoke(main, ["report", "-", "--format", "json"], input=data)
    file_report, stdin_report = orjson.loads(from_file.output), orjson.loads(from_stdin.output)
    assert file_report["inputs"]["envelopes"] == stdin_report["inputs"]["envelopes"] != {}
    assert file_report["findings"] == stdin_report["findings"]


def test_byte_range_reads_as_its_file(tmp_path: Path) -> None:
    """A range of a line log whose first line looks like a document's start still reads lines."""
    lines = _mixed_log()
    middle = len(lines) // 2
    path = tmp_path / "lines.log"
    path.write_bytes(b"\n".join([*lines[:middle], b"{", b'  "note": "a stray block"', b"}",
                                 *lines[middle:]]) + b"\n")  # fmt: skip
    data = path.read_bytes()
    start = data.index(b"\n{\n") + 1
    whole_file = FileSource(str(path))
    sources = (ByteRange(whole_file, 0, start), ByteRange(whole_file, start, len(data)))
    merged = reduce(AggregateState.merge, (aggregate_source(s, None) for s in sources))
    whole = aggregate_source(whole_file, None)
    assert (merged.lines, merged.records, merged.envelopes) == (whole.lines, whole.records, {})


def test_every_envelope_is_documented() -> None:
    """docs/inputs.md lists every envelope name a report may show; the fixtures cover them."""
    table = (ROOT / "docs" / "inputs.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", table, flags=re.MULTILINE))
    assert documented == set(ENVELOPES)
    tested = {label for label, _ in WRAPPERS.values() if label}
    assert tested == set(ENVELOPES)


def test_otlp_batches_over_a_mebibyte_are_read(tmp_path: Path) -> None:
    """The collector's file exporter writes thousands of records a line: none is lost."""
    bare, batched = tmp_path / "bare.log", tmp_path / "otlp.json"
    bare.write_bytes(b"\n".join(_mixed_log() * 2) + b"\n")
    batched.write_bytes(opentelemetry(_mixed_log() * 2, batch=4096))
    assert max(map(len, batched.read_bytes().splitlines())) > MAX_LINE
    expected = aggregate_sources(resolve_sources([str(bare)]), None)
    state = aggregate_sources(resolve_sources([str(batched)]), None)
    assert "line_too_long" not in state.broken
    assert state.envelopes == {"opentelemetry": state.records}
    assert state.records == expected.records > 0
