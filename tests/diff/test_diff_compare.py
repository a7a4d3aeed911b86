"""Stage changes: the label follows the verdicts and never contradicts the rates shown beside it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from escalate._diff._compare import percent, stage_change
from escalate._diff._model import Rate
from escalate._report._model import StageVerdict


def verdict(failures: int, attempts: int) -> StageVerdict:
    """A send stage verdict as the diagnosis gives it: fail when any call failed."""
    word = "fail" if failures else ("pass" if attempts else "unknown")
    return StageVerdict("send", "Send", word, "", attempts, failures)  # type: ignore[arg-type]


#: (failures, attempts) of one window
counts = st.integers(0, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@given(counts, counts)
def test_label_agrees_with_the_rates_shown(before: tuple[int, int], after: tuple[int, int]) -> None:
    """worse means a higher shown rate, better a lower one, unchanged the same shown rate."""
    change = stage_change(verdict(*before), verdict(*after))
    old, new = Rate(*before), Rate(*after)
    if change == "worse":
        assert new.value > old.value and percent(new) != percent(old)
    if change == "better":
        assert new.value < old.value and percent(new) != percent(old)
    if change == "unchanged":
        assert percent(new) == percent(old)


@given(counts, counts)
def test_a_failure_only_after_is_always_new(
    before: tuple[int, int], after: tuple[int, int]
) -> None:
    """A stage failing after and not before is a new failure, whatever the window sizes."""
    change = stage_change(verdict(*before), verdict(*after))
    assert (change == "new_failure") == (after[0] > 0 and before[0] == 0)


@given(counts)
def test_a_window_without_attempts_is_never_unchanged(window: tuple[int, int]) -> None:
    """No attempt in one window: said to have no evidence, never unchanged, worse or better."""
    assert stage_change(verdict(0, 0), verdict(*window)) in ("no_evidence", "no_evidence_before",
                                                            "new_failure")  # fmt: skip
    assert stage_change(verdict(*window), verdict(0, 0)) in ("no_evidence", "no_evidence_after")
