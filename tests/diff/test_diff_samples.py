"""`escalate diff` on the shipped samples: healthy against each, each against itself and back."""

from __future__ import annotations

import orjson
import pytest

from escalate._render import FORMATS, Format

from .conftest import MANIFEST, RunDiff, sample_args

FAILING = sorted(name for name, expected in MANIFEST.items() if expected["findings"])


def test_healthy_then_send_forbidden_shows_send_as_a_new_failure(run_diff: RunDiff) -> None:
    """The issue's canary case: send fails only after, its findings are new, exit status 1."""
    result = run_diff("--before", "samples/healthy", "--after", "samples/send_forbidden",
                      "--format", "json")  # fmt: skip
    diff = orjson.loads(result.output)
    assert result.exit_code == 1
    assert diff["stages"]["send"]["change"] == "new_failure"
    assert diff["stages"]["send"]["after"] == {"count": 3, "total": 3, "rate": 1.0}
    new = {f["symptom"] for f in diff["findings"] if f["change"] == "new"}
    assert new == set(MANIFEST["send_forbidden"]["findings"])  # type: ignore[arg-type]


@pytest.mark.parametrize("name", FAILING)
def test_every_failing_sample_is_new_after_healthy(name: str, run_diff: RunDiff) -> None:
    """Each sample's findings are new after healthy, its failing stage a new failure; exit 1."""
    result = run_diff("--before", "samples/healthy", "--after", f"samples/{name}",
                      *sample_args(name), "--format", "json")  # fmt: skip
    diff = orjson.loads(result.output)
    assert result.exit_code == 1, result.output
    new = {f["symptom"] for f in diff["findings"] if f["change"] == "new"}
    assert new == set(MANIFEST[name]["findings"])  # type: ignore[arg-type]
    first = MANIFEST[name]["first_failing_stage"]
    if first is not None:
        assert diff["stages"][first]["change"] == "new_failure"


@pytest.mark.parametrize("name", FAILING)
def test_every_failing_sample_is_gone_before_healthy(name: str, run_diff: RunDiff) -> None:
    """Healthy after a failing sample: its findings are gone, nothing new fails, exit 0."""
    result = run_diff("--before", f"samples/{name}", "--after", "samples/healthy",
                      *sample_args(name), "--format", "json")  # fmt: skip
    diff = orjson.loads(result.output)
    assert result.exit_code == 0, result.output
    assert {f["change"] for f in diff["findings"]} <= {"gone", "no_evidence_after"}
    assert diff["new_failures"] is False


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_a_sample_against_itself_changes_nothing(name: str, run_diff: RunDiff) -> None:
    """The same evidence on both sides: every stage and finding unchanged or without evidence
    (exit 0; 1 for the sample without evidence: an after window without evidence never passes)."""
    result = run_diff("--before", f"samples/{name}", "--after", f"samples/{name}",
                      *sample_args(name), "--format", "json")  # fmt: skip
    diff = orjson.loads(result.output)
    assert result.exit_code == (1 if MANIFEST[name]["exit_code"] == 4 else 0), result.output
    assert {s["change"] for s in diff["stages"].values()} <= {"unchanged", "no_evidence"}
    assert {f["change"] for f in diff["findings"]} <= {"unchanged"}


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.value)
def test_every_format_names_the_new_failure_and_both_sizes(fmt: Format, run_diff: RunDiff) -> None:
    """Markdown, HTML, JSON and text each say what is new, with both windows' sizes."""
    result = run_diff("--before", "samples/healthy", "--after", "samples/send_forbidden",
                      "--format", fmt.value)  # fmt: skip
    assert result.exit_code == 1
    assert "send_forbidden" in result.output
    assert "0% → 100% of 2 vs 3 calls" in result.output


def test_html_diff_is_self_contained(run_diff: RunDiff) -> None:
    """The HTML diff loads nothing: a CSP that blocks all, no script, no external reference."""
    result = run_diff("--before", "samples/healthy", "--after", "samples/mixed", "--format", "html")
    page = result.output
    assert "Content-Security-Policy\" content=\"default-src 'none'" in page
    assert "<script" not in page and "src=" not in page and "href=" not in page
