"""What each input held: its line counts and records, added to the state source by source.

One definition for every reader: the engine adds each file (or byte range) it scanned, `--follow`
adds each generation of a followed file when it builds a report. Broken-line examples keep
their line number within their source, made absolute per file when the report is built.
"""

from __future__ import annotations

from escalate._report._aggregation._groups import _sum_into
from escalate._report._aggregation._state import AggregateState
from escalate._report._reading._reader import LineStats


def add_line_stats(state: AggregateState, stats: LineStats, name: str, offset: int = 0) -> None:
    """Add the line counts of one source (a file, a byte range of it from `offset`, a followed
    file's generation) to `state`: lines, skipped lines by reason, envelopes, examples."""
    state.lines += stats.lines
    state.not_evidence += stats.not_evidence
    _sum_into(state.broken, stats.broken)
    _sum_into(state.envelopes, stats.envelopes)
    state.examples += [(reason, name, offset, line) for reason, line in stats.examples]
    segment = (name, offset)
    state.segments[segment] = state.segments.get(segment, 0) + stats.lines


def count_file_records(state: AggregateState, name: str, before: tuple[int, int]) -> None:
    """Add the calls and webhooks counted since `before` (`(state.calls, state.webhooks)` then) to
    what the input `name` held: the report tells an empty log from a missing one by them."""
    counts = state.file_records.setdefault(name, [0, 0])
    counts[0] += state.calls - before[0]
    counts[1] += state.webhooks - before[1]


def absolute_examples(state: AggregateState, limit: int = 10) -> tuple[tuple[str, str, int], ...]:
    """Broken-line examples with line numbers counted from the start of each file."""
    examples = []
    ordered = sorted(state.examples, key=lambda e: (e[1], e[2], e[3]))
    for reason, name, start, line in ordered[:limit]:
        before = sum(n for (other, s), n in state.segments.items() if other == name and s < start)
        examples.append((reason, name, before + line))
    return tuple(examples)
