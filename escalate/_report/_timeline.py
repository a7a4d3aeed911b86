"""Re-bucket the per-minute counts of the state into at most 60 equal slices for the timeline."""

from __future__ import annotations

from datetime import timedelta

from escalate._report._aggregate import TIMELINE_SLOT, AggregateState
from escalate._report._model import TimelineBucket
from escalate._report._records import format_ts, parse_ts
from escalate._schema import STAGES

MAX_SLICES = 60


def build_timeline(state: AggregateState) -> tuple[tuple[TimelineBucket, ...], float]:
    """Buckets for every stage in every slice, and the slice length in seconds."""
    if state.first is None or state.last is None or not state.timeline:
        return (), 0.0
    start = parse_ts(state.first[:16] + ":00.000000Z")
    minutes = int((parse_ts(state.last) - start).total_seconds() // 60) + 1
    per_slice = -(-minutes // MAX_SLICES)  # ceiling: whole minutes per slice
    slices = -(-minutes // per_slice)
    counts = [[[0, 0] for _ in STAGES] for _ in range(slices)]
    for minute, row in state.timeline.items():
        offset = int((parse_ts(minute + ":00.000000Z") - start).total_seconds() // 60)
        cells = counts[min(offset // per_slice, slices - 1)]
        for index, stage in enumerate(STAGES):
            slot = TIMELINE_SLOT[stage]
            cells[index][0] += row[slot]
            cells[index][1] += row[slot + 1]
    buckets = tuple(
        TimelineBucket(format_ts(start + timedelta(minutes=index * per_slice)), stage, ok, failed)
        for index, row in enumerate(counts)
        for stage, (ok, failed) in zip(STAGES, row, strict=True)
    )
    return buckets, per_slice * 60.0
