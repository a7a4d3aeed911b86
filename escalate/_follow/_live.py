"""The live aggregate: whole lines folded into one `AggregateState` as they arrive.

Nothing of a line is kept once folded: the state is the report engine's, which grows with the
number of distinct failures and pending messages, not with lines. Line counts are kept per file
generation and added up (`_input_counts.add_line_stats`, as the engine does) when a report is built.
"""

from __future__ import annotations

from escalate._follow._tail import Block
from escalate._report import AggregateState, LineStats, ReportOptions, report_from_state
from escalate._report._aggregation._fast_path import folder
from escalate._report._filters import RecordFilter, build_filter
from escalate._report._input_counts import add_line_stats, count_file_records
from escalate._report._model import Report
from escalate._report._reading._reader import scan_chunks, scan_into


class LiveState:
    """One aggregate over every followed file, and the line counts of each file generation."""

    def __init__(self, options: ReportOptions) -> None:
        self.options = options
        self.record_filter: RecordFilter | None = build_filter(options)
        self.state = AggregateState()
        self.live: dict[int, tuple[str, LineStats]] = {}  #: id(generation) -> its name, counts
        #: counts of the generations that ended, summed by name
        self.retired: dict[str, LineStats] = {}

    def add(self, block: Block) -> None:
        """Fold a block's whole lines into the state; note a generation that ended."""
        generation = block.generation
        if block.retired is not None:
            self.retired.setdefault(generation.name, LineStats()).absorb(block.retired)
        if block.event == "rotated":
            self.live.pop(id(generation), None)
            return
        if block.event == "compressed":
            return
        # every name read, in order: the report tells an empty receiver log from a missing one
        state = self.state
        state.file_records.setdefault(generation.name, [0, 0])
        self.live[id(generation)] = (generation.name, generation.stats)
        if block.data:
            before = (state.calls, state.webhooks)
            self._fold(block.data, generation.stats)
            count_file_records(state, generation.name, before)

    def _fold(self, data: bytes, stats: LineStats) -> None:
        if self.record_filter is None:
            scan_into((data,), stats, folder(self.state, stats))
            return
        accepts, add = self.record_filter.accepts, self.state.add
        for record in scan_chunks((data,), stats):
            if accepts(record):
                add(record)
            else:
                self.state.filtered_out += 1

    def report(self) -> Report:
        """The report of everything read so far (the same as `escalate report` of those lines)."""
        state = self.state
        state.lines = state.not_evidence = 0
        state.broken, state.envelopes, state.examples, state.segments = {}, {}, [], {}
        for name, stats in [*self.retired.items(), *self.live.values()]:
            add_line_stats(state, stats, name)
        return report_from_state(state, self.options, tuple(state.file_records))
