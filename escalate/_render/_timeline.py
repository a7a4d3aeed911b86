"""Geometry of the HTML report's timeline: stages as rows, time slices as columns.

The template only draws what `timeline_layout` computes, so the SVG stays declarative and the
arithmetic is testable without a browser. Successful calls rise above a row's midline and failed
ones hang below it, so the marks read correctly without colour.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

WIDTH = 960
PLOT_LEFT = 96
PLOT_RIGHT = 16
PLOT_TOP = 12
ROW_HEIGHT = 46
AXIS_HEIGHT = 40
BAR_MAX = 17.0
BAR_MIN = 3.0
#: Few slices would otherwise make slabs, not bars.
BAR_WIDTH_MAX = 36.0
TICKS = 6
TICK_LABEL_WIDTH = 72


@dataclass(frozen=True)
class TimelineMark:
    """One bar: the ok or failed calls of one stage in one slice."""

    x: float
    y: float
    width: float
    height: float
    kind: Literal["ok", "failed"]
    title: str


@dataclass(frozen=True)
class TimelineRow:
    """One stage's lane; `mid` is the y of the line ok bars rise from and failed bars hang from."""

    stage: str
    label: str
    top: float
    mid: float


@dataclass(frozen=True)
class TimelineBand:
    """A slice that holds at least one failure, shaded behind every row."""

    x: float
    width: float


@dataclass(frozen=True)
class TimelineTick:
    """An axis label at a slice boundary."""

    x: float
    label: str


@dataclass(frozen=True)
class TimelineLayout:
    """Everything the template needs to draw the timeline SVG."""

    width: int
    height: int
    plot_left: int
    plot_right: float
    plot_bottom: float
    rows: tuple[TimelineRow, ...]
    marks: tuple[TimelineMark, ...]
    bands: tuple[TimelineBand, ...]
    ticks: tuple[TimelineTick, ...]
    axis_note: str
    columns: int


def timeline_layout(report: Mapping[str, Any]) -> TimelineLayout | None:
    """Lay out `report["timeline"]` (plain data from `report_to_dict`); None when it is empty."""
    buckets: Sequence[Mapping[str, Any]] = report.get("timeline") or ()
    if not buckets:
        return None
    starts = sorted({str(bucket["start"]) for bucket in buckets}, key=_sort_key)
    stages = _row_stages(report, buckets)
    column_width = (WIDTH - PLOT_LEFT - PLOT_RIGHT) / len(starts)
    rows = tuple(_row(stage, index) for index, stage in enumerate(stages))
    plot_bottom = PLOT_TOP + ROW_HEIGHT * len(rows)
    return TimelineLayout(
        width=WIDTH,
        height=int(plot_bottom + AXIS_HEIGHT),
        plot_left=PLOT_LEFT,
        plot_right=WIDTH - PLOT_RIGHT,
        plot_bottom=plot_bottom,
        rows=rows,
        marks=_marks(buckets, starts, rows, column_width, float(report.get("timeline_slice_s", 0))),
        bands=_bands(buckets, starts, column_width),
        ticks=_ticks(starts, column_width, float(report.get("timeline_slice_s", 0))),
        axis_note=_axis_note(starts),
        columns=len(starts),
    )


def _row_stages(report: Mapping[str, Any], buckets: Sequence[Mapping[str, Any]]) -> list[str]:
    """The report's stages in the debugging order, then any stage only the timeline names."""
    stages = list(report.get("stages", {}))
    stages += sorted({str(b["stage"]) for b in buckets} - set(stages))
    return stages


def _row(stage: str, index: int) -> TimelineRow:
    """The lane of `stage`, the `index`-th from the top."""
    top = PLOT_TOP + ROW_HEIGHT * index
    return TimelineRow(stage=stage, label=stage, top=top, mid=top + ROW_HEIGHT / 2)


def _marks(
    buckets: Sequence[Mapping[str, Any]],
    starts: list[str],
    rows: tuple[TimelineRow, ...],
    column_width: float,
    slice_s: float,
) -> tuple[TimelineMark, ...]:
    """One bar per non-zero ok or failed count, its height growing with the square root."""
    column = {start: index for index, start in enumerate(starts)}
    lane = {row.stage: row for row in rows}
    largest = max(max(int(b["ok"]), int(b["failed"])) for b in buckets) or 1
    bar_width = min(BAR_WIDTH_MAX, max(1.5, column_width * 0.7))
    marks: list[TimelineMark] = []
    for bucket in buckets:
        row = lane[str(bucket["stage"])]
        x = PLOT_LEFT + column[str(bucket["start"])] * column_width + (column_width - bar_width) / 2
        title = _mark_title(bucket, slice_s)
        for kind in ("ok", "failed"):
            count = int(bucket[kind])
            if count <= 0:
                continue
            height = BAR_MIN + (BAR_MAX - BAR_MIN) * math.sqrt(count / largest)
            y = row.mid - height if kind == "ok" else row.mid
            marks.append(TimelineMark(x, y, bar_width, height, kind, title))
    return tuple(marks)


def _mark_title(bucket: Mapping[str, Any], slice_s: float) -> str:
    """The tooltip of a bar: stage, slice and both counts."""
    start = str(bucket["start"])
    moment = _parse(start)
    span = f"{start} + {slice_s:g}s" if moment is None else _span_label(moment, slice_s)
    return f"{bucket['stage']}, {span}: {bucket['ok']} ok, {bucket['failed']} failed"


def _span_label(moment: datetime, slice_s: float) -> str:
    """`10:02:00–10:02:30 UTC`-style label of one slice."""
    end = moment + timedelta(seconds=slice_s)
    return f"{_clock(moment)}–{_clock(end)} UTC"


def _bands(
    buckets: Sequence[Mapping[str, Any]], starts: list[str], column_width: float
) -> tuple[TimelineBand, ...]:
    """Shade every slice that holds a failure, so a burst shows across all stages."""
    failing = {str(b["start"]) for b in buckets if int(b["failed"]) > 0}
    return tuple(
        TimelineBand(PLOT_LEFT + index * column_width, column_width)
        for index, start in enumerate(starts)
        if start in failing
    )


def _ticks(starts: list[str], column_width: float, slice_s: float) -> tuple[TimelineTick, ...]:
    """Labels at evenly spaced slice boundaries (at most `TICKS`), always at both ends."""
    count = len(starts)
    step = max(1, math.ceil(count / (TICKS - 1)))
    # A label needs about TICK_LABEL_WIDTH pixels: drop the last regular tick if it would touch
    # the end label.
    indexes = [
        index
        for index in range(0, count, step)
        if index == 0 or (count - index) * column_width >= TICK_LABEL_WIDTH
    ]
    return tuple(
        TimelineTick(PLOT_LEFT + index * column_width, _boundary_label(starts, index, slice_s))
        for index in (*indexes, count)
    )


def _boundary_label(starts: list[str], index: int, slice_s: float) -> str:
    """The time at the left edge of column `index` (or the end of the last column)."""
    moment = _parse(starts[min(index, len(starts) - 1)])
    if moment is None:
        return "?"
    if index >= len(starts):
        moment += timedelta(seconds=slice_s)
    return _clock(moment)


def _axis_note(starts: list[str]) -> str:
    """What the axis shows: the UTC date (or dates) the timeline covers."""
    first, last = _parse(starts[0]), _parse(starts[-1])
    if first is None or last is None:
        return "time (as recorded)"
    if first.date() == last.date():
        return f"time, UTC, {first.date().isoformat()}"
    return f"time, UTC, {first.date().isoformat()} to {last.date().isoformat()}"


def _clock(moment: datetime) -> str:
    """`HH:MM:SS`, with tenths when the moment is not on a whole second."""
    if moment.microsecond:
        return moment.strftime("%H:%M:%S.") + str(moment.microsecond // 100_000)
    return moment.strftime("%H:%M:%S")


def _parse(timestamp: str) -> datetime | None:
    """Parse an ISO timestamp (`Z` allowed, as Python 3.10 does not); None when it is not one."""
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def _sort_key(timestamp: str) -> tuple[int, str]:
    """Sort parsed timestamps by time, unparseable ones after them by text."""
    moment = _parse(timestamp)
    if moment is None:
        return (1, timestamp)
    return (0, f"{moment.timestamp():020.6f}")
