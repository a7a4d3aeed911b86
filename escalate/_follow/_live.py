"""The live aggregate: whole lines folded into one `AggregateState` as they arrive.

Nothing of a line is kept once folded: the state is the report engine's, which grows with the
number of distinct failures and pending messages, not with lines. Line counts are kept per file
generation and summed when a report is built.
"""

from __future__ import annotations

from escalate._follow._tail import Block
from escalate._report import AggregateState, LineStats, ReportOptions, report_from_state
from escalate._report._aggregation._fast_path import folder
from escalate._report._filters import RecordFilter, build_filter
from escalate._report._model import Report
from escalate._report._reading._reader import MAX_EXAMPLES, scan_chunks, scan_into


class LiveState:
    """One aggregate over every followed file, and the line counts of each file generation."""

    def __init__(self, options: ReportOptions) -> None:
        self.options = options
        self.record_filter: RecordFilter | None = build_filter(options)
        self.state = AggregateState()
        self.live: dict[int, tuple[str, LineStats]] = {}  #: id(generation) -> its name, counts
        self.retired = LineStats()  #: counts of generations that ended, summed
        self.retired_examples: list[tuple[str, str, int, int]] = []
        #: every name read, in order, with the [calls, webhooks] its lines gave (the report tells an
        #: empty receiver log from a missing one by them, as `escalate report` does)
        self.files: dict[str, list[int]] = {}

    def add(self, block: Block) -> None:
        """Fold a block's whole lines into the state; note a generation that ended."""
        generation = block.generation
        if block.retired is not None:
            self._retire(generation.name, block.retired)
        if block.event == "rotated":
            self.live.pop(id(generation), None)
            return
        if block.event == "compressed":
            return
        counts = self.files.setdefault(generation.name, [0, 0])
        self.live[id(generation)] = (generation.name, generation.stats)
        if block.data:
            calls, webhooks = self.state.calls, self.state.webhooks
            self._fold(block.data, generation.stats)
            counts[0] += self.state.calls - calls
            counts[1] += self.state.webhooks - webhooks

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

    def _retire(self, name: str, stats: LineStats) -> None:
        self.retired.lines += stats.lines
        self.retired.not_evidence += stats.not_evidence
        for reason, count in stats.broken.items():
            self.retired.broken[reason] = self.retired.broken.get(reason, 0) + count
        for envelope, records in stats.envelopes.items():
            self.retired.count_unwrapped(envelope, records)
        room = MAX_EXAMPLES - len(self.retired_examples)
        self.retired_examples += [(r, name, 0, line) for r, line in stats.examples[:room]]

    def report(self) -> Report:
        """The report of everything read so far (the same as `escalate report` of those lines)."""
        state = self.state
        every = [stats for _, stats in self.live.values()] + [self.retired]
        state.lines = sum(stats.lines for stats in every)
        state.not_evidence = sum(stats.not_evidence for stats in every)
        state.broken = {}
        for stats in every:
            for reason, count in stats.broken.items():
                state.broken[reason] = state.broken.get(reason, 0) + count
        state.examples = self.retired_examples + [
            (reason, name, 0, line)
            for name, stats in self.live.values()
            for reason, line in stats.examples
        ]
        state.envelopes = {}
        for stats in every:
            for envelope, records in stats.envelopes.items():
                state.envelopes[envelope] = state.envelopes.get(envelope, 0) + records
        state.segments = {}
        state.file_records = {name: list(counts) for name, counts in self.files.items()}
        return report_from_state(state, self.options, tuple(self.files))
