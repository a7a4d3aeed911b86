"""The HTML timeline's geometry, computed from plain report data."""

from __future__ import annotations

from typing import Any

from escalate._render._timeline import timeline_layout

STAGES = {stage: {"id": stage} for stage in ("token", "whoami", "numbers", "send", "webhooks")}


def _report(buckets: list[dict[str, Any]], slice_s: float = 30.0) -> dict[str, Any]:
    """A minimal report dict holding only what the layout reads."""
    return {"stages": STAGES, "timeline": buckets, "timeline_slice_s": slice_s}


def _bucket(start: str, stage: str, ok: int, failed: int) -> dict[str, Any]:
    """One timeline bucket as report_to_dict writes it."""
    return {"start": start, "stage": stage, "ok": ok, "failed": failed}


def test_empty_timeline_has_no_layout() -> None:
    """No buckets: nothing to draw."""
    assert timeline_layout(_report([])) is None


def test_rows_follow_the_debugging_order() -> None:
    """Lanes are the report's stages, top to bottom in the debugging order."""
    layout = timeline_layout(_report([_bucket("2026-11-27T10:00:00Z", "send", 1, 0)]))
    assert layout is not None
    assert [row.stage for row in layout.rows] == list(STAGES)
    assert [row.mid for row in layout.rows] == sorted(row.mid for row in layout.rows)


def test_ok_bars_rise_and_failed_bars_hang_from_the_lane() -> None:
    """An ok bar ends on its lane's midline, a failed bar starts on it."""
    layout = timeline_layout(_report([_bucket("2026-11-27T10:00:00Z", "send", 3, 2)]))
    assert layout is not None
    lane = next(row for row in layout.rows if row.stage == "send")
    ok, failed = sorted(layout.marks, key=lambda mark: mark.kind != "ok")
    assert (ok.kind, failed.kind) == ("ok", "failed")
    assert ok.y + ok.height == lane.mid
    assert failed.y == lane.mid


def test_columns_are_ordered_by_time_not_by_input_order() -> None:
    """Buckets given out of order land in chronological columns."""
    buckets = [
        _bucket("2026-11-27T10:01:00Z", "token", 1, 0),
        _bucket("2026-11-27T10:00:00Z", "token", 0, 1),
    ]
    layout = timeline_layout(_report(buckets, 60))
    assert layout is not None
    failed = next(mark for mark in layout.marks if mark.kind == "failed")
    ok = next(mark for mark in layout.marks if mark.kind == "ok")
    assert failed.x < ok.x


def test_failing_slices_are_shaded() -> None:
    """Each slice with a failure in any stage gets one band."""
    buckets = [
        _bucket("2026-11-27T10:00:00Z", "token", 1, 0),
        _bucket("2026-11-27T10:00:30Z", "send", 0, 4),
        _bucket("2026-11-27T10:00:30Z", "webhooks", 0, 1),
    ]
    layout = timeline_layout(_report(buckets))
    assert layout is not None
    assert len(layout.bands) == 1


def test_axis_labels_span_the_whole_input() -> None:
    """The first tick is the first slice start, the last is the end of the last slice."""
    buckets = [_bucket(f"2026-11-27T10:0{m}:00Z", "send", 1, 0) for m in range(8)]
    layout = timeline_layout(_report(buckets, 60))
    assert layout is not None
    assert layout.ticks[0].label == "10:00:00"
    assert layout.ticks[-1].label == "10:08:00"
    assert layout.ticks[-1].x == layout.plot_right
    assert layout.axis_note == "time, UTC, 2026-11-27"


def test_tooltip_gives_the_slice_and_both_counts() -> None:
    """Hovering a bar tells the stage, the slice and its counts."""
    layout = timeline_layout(_report([_bucket("2026-11-27T10:00:00Z", "send", 3, 2)]))
    assert layout is not None
    assert layout.marks[0].title == "send, 10:00:00–10:00:30 UTC: 3 ok, 2 failed"


def test_unparseable_start_does_not_crash() -> None:
    """A bucket start that is not a timestamp is kept as text, sorted after real times."""
    buckets = [
        _bucket("not a time", "send", 1, 1),
        _bucket("2026-11-27T10:00:00Z", "send", 1, 0),
    ]
    layout = timeline_layout(_report(buckets))
    assert layout is not None
    assert layout.columns == 2
    assert layout.axis_note == "time (as recorded)"
    assert any("not a time" in mark.title for mark in layout.marks)


def test_bars_stay_inside_the_plot() -> None:
    """With 60 slices and skewed counts every bar is inside the plot area."""
    buckets = [
        _bucket(f"2026-11-27T10:{index:02d}:00Z", stage, index * 50, index % 2)
        for index in range(60)
        for stage in STAGES
    ]
    layout = timeline_layout(_report(buckets, 60))
    assert layout is not None
    for mark in layout.marks:
        assert layout.plot_left <= mark.x and mark.x + mark.width <= layout.plot_right
        assert mark.y >= 0 and mark.y + mark.height <= layout.plot_bottom
