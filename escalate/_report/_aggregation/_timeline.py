"""Re-bucket the timeline rows of the state into at most 60 equal slices for the timeline."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from escalate._report._aggregation._state import MINUTE_KEY, TIMELINE_SLOT, AggregateState
from escalate._report._model import TimelineBucket
from escalate._report._reading._records import format_ts
from escalate._schema import STAGES

MAX_SLICES = 60
#: slice lengths in seconds, smallest first: round numbers a reader can take in at a glance
NICE_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
              43200, 86400)  # fmt: skip
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def build_timeline(state: AggregateState) -> tuple[tuple[TimelineBucket, ...], float]:
    """Buckets for every stage in every slice, and the slice length in seconds."""
    if not state.timeline:
        return (), 0.0
    rows = [(_key_time(key), row) for key, row in state.timeline.items()]
    per_minute = any(len(key) == MINUTE_KEY for key in state.timeline)
    first = min(moment for moment, _ in rows)
    last = max(moment for moment, _ in rows)
    step = slice_seconds((last - first).total_seconds() + 1, per_minute)
    start = _floor(first, step)
    slices = int((last - start).total_seconds() // step) + 1
    counts = [[[0, 0] for _ in STAGES] for _ in range(slices)]
    for moment, row in rows:
        cells = counts[int((moment - start).total_seconds() // step)]
        for index, stage in enumerate(STAGES):
            slot = TIMELINE_SLOT[stage]
            cells[index][0] += row[slot]
            cells[index][1] += row[slot + 1]
    buckets = tuple(
        TimelineBucket(format_ts(start + timedelta(seconds=index * step)), stage, ok, failed)
        for index, row in enumerate(counts)
        for stage, (ok, failed) in zip(STAGES, row, strict=True)
    )
    return buckets, float(step)


def slice_seconds(span_s: float, per_minute: bool) -> int:
    """The smallest round slice length that covers `span_s` in at most MAX_SLICES slices.

    Per-minute rows need whole minutes; the slice is one longer than the span needs, since a
    span aligned down to the slice can reach into one more slice.
    """
    for step in NICE_STEPS:
        if (per_minute and step % 60) or span_s / step > MAX_SLICES - 1:
            continue
        return step
    days = -(-span_s // (86400 * (MAX_SLICES - 1)))
    return int(days) * 86400


def _key_time(key: str) -> datetime:
    """The start of a per-second (`...THH:MM:SS`) or per-minute (`...THH:MM`) row."""
    text = key + ":00" if len(key) == MINUTE_KEY else key
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)


def _floor(moment: datetime, step: int) -> datetime:
    """`moment` rounded down to a multiple of `step` seconds since the epoch."""
    seconds = int((moment - _EPOCH).total_seconds())
    return _EPOCH + timedelta(seconds=seconds - seconds % step)
