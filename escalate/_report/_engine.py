"""Run the reader and the aggregator over every source, in one process or several.

`--jobs N` splits the work by file and by newline-aligned byte ranges of large plain files, in
at most as many processes as there are usable CPUs (more only compete for the same cores). Workers
are forked; with one range per process, this process reads one range itself rather than wait;
each worker returns a small partial state (pickled: ~4 MB, 0.1 s per 500 MB of mixed log) and the
states are merged. The cyclic GC is paused while scanning: the loop allocates many short-lived
objects and no cycles. Without a record filter the reader hands parsed lines straight to the
aggregator's fast path (`_aggregation._fast_path`); with one, records are built, filtered and added.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import reduce
from typing import TYPE_CHECKING

from escalate._report._aggregation._citable import Citable, Citing
from escalate._report._aggregation._citing import digesting, filtered_consumer
from escalate._report._aggregation._fast_path import folder
from escalate._report._aggregation._state import AggregateState
from escalate._report._filters import RecordFilter
from escalate._report._reading._framing import file_layout
from escalate._report._reading._inputs import STDIN, Source, read_chunks, split_file
from escalate._report._reading._prefetch import prefetched
from escalate._report._reading._reader import ConsumeLine, LineStats, scan_chunks, scan_into

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

#: files smaller than twice this are never split into byte ranges
MIN_RANGE_BYTES = 32 * 1024 * 1024
Progress = Callable[[int], None]


def aggregate_sources(
    sources: Sequence[Source],
    record_filter: RecordFilter | None,
    *,
    jobs: int = 1,
    progress: Progress | None = None,
    min_range_bytes: int = MIN_RANGE_BYTES,
    citing: Citing | None = None,
) -> AggregateState:
    """Aggregate every source into one state, in at most `jobs` processes (never more than CPUs).

    `citing`: also keep the records a finding may cite (`state.citable`), for a bundle or a HAR.
    """
    workers = max(1, min(jobs, usable_cpus()))
    tasks = plan_tasks(sources, workers, min_range_bytes)
    citings = task_citings(tasks, citing)
    if workers <= 1 or len(tasks) <= 1:
        # merged as they come, as reduce() would: 100,000 small files held 5 KB of state each
        state = AggregateState()
        for task, cites in zip(tasks, citings, strict=True):
            part = aggregate_source(task, record_filter, progress, read_ahead=True, citing=cites)
            state = state.merge(part)
        return state
    states = _in_processes(tasks, record_filter, workers, progress, citings)
    return reduce(AggregateState.merge, states, AggregateState())


def task_citings(tasks: Sequence[Source], citing: Citing | None) -> list[Citing | None]:
    """Each task's `citing`, numbered by source: a file's byte ranges follow each other, its
    first one starting at 0, so the source index goes up at each task that starts at 0."""
    if citing is None:
        return [None] * len(tasks)
    index = -1
    citings: list[Citing | None] = []
    for task in tasks:
        index += task.start == 0
        citings.append(citing.for_source(index))
    return citings


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def plan_tasks(
    sources: Sequence[Source], jobs: int, min_range_bytes: int = MIN_RANGE_BYTES
) -> tuple[Source, ...]:
    """Split large plain files into `jobs` byte ranges when there are fewer files than jobs."""
    if jobs <= 1 or len(sources) >= jobs:
        return tuple(sources)
    tasks: list[Source] = []
    for source in sources:
        tasks.extend(split_file(source.name, jobs, min_range_bytes))
    return tuple(tasks)


def _in_processes(
    tasks: Sequence[Source],
    record_filter: RecordFilter | None,
    workers: int,
    progress: Progress | None,
    citings: Sequence[Citing | None],
) -> list[AggregateState]:
    pairs = list(zip(tasks, citings, strict=True))
    local = [pair for pair in pairs if pair[0].name == STDIN]  # stdin belongs to this process
    remote = [pair for pair in pairs if pair[0].name != STDIN]
    if not local and len(remote) <= workers:
        # one task per process: this one takes a share rather than wait (one pickled state less)
        local.append(remote.pop())
    pool_size = max(1, min(len(remote), workers - len(local)))
    from concurrent.futures import ProcessPoolExecutor  # only --jobs pays for its import

    with ProcessPoolExecutor(max_workers=pool_size, mp_context=_fork_context()) as pool:
        futures = [
            pool.submit(aggregate_source, task, record_filter, citing=cites)
            for task, cites in remote
        ]
        states = [
            aggregate_source(task, record_filter, progress, citing=cites) for task, cites in local
        ]
        for (task, _), future in zip(remote, futures, strict=True):
            states.append(future.result())
            if progress is not None:
                progress(_task_size(task))
    return states


def _fork_context() -> BaseContext | None:
    """Fork where the platform has it: workers start at once, with the modules already loaded."""
    import multiprocessing

    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def _task_size(task: Source) -> int:
    if task.end is not None:
        return task.end - task.start
    try:
        return os.path.getsize(task.name)
    except OSError:
        return 0


def aggregate_source(
    source: Source,
    record_filter: RecordFilter | None,
    progress: Progress | None = None,
    *,
    read_ahead: bool = False,
    citing: Citing | None = None,
) -> AggregateState:
    """Read one source (a file, stdin or a byte range) into a partial state.

    `read_ahead`: a thread reads the next chunk while this one is scanned; worth it only when
    a core is free, that is not when every core already scans a part (`--jobs`).
    """
    state = AggregateState()
    stats = LineStats()
    # a byte range past the start reads as its file's layout, not its own first line's
    layout = file_layout(source.name) if source.start else None
    chunks = read_chunks(source)
    if citing is not None:
        state.citable = Citable(citing.source_index, source.start)
        if source.name == citing.stdin_name and source.start == 0 and source.end is None:
            chunks = digesting(chunks, state.citable)  # a byte range of it hashes in _build
    chunks = _reporting(prefetched(chunks, depth=1) if read_ahead else chunks, progress)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        if citing is not None and state.citable is not None:
            scan_into(chunks, stats, _citing_consumer(state, stats, record_filter, citing), layout)
        elif record_filter is None:
            scan_into(chunks, stats, folder(state, stats), layout)
        else:
            accepts, add = record_filter.accepts, state.add
            for record in scan_chunks(chunks, stats, layout):
                if accepts(record):
                    add(record)
                else:
                    state.filtered_out += 1
    finally:
        if gc_was_enabled:
            gc.enable()
    _absorb_stats(state, source, stats)
    return state


def _citing_consumer(
    state: AggregateState, stats: LineStats, record_filter: RecordFilter | None, citing: Citing
) -> ConsumeLine:
    """The line callback of a pass that also keeps the citation candidates (`_citing`)."""
    if record_filter is None:
        return folder(state, stats)  # it notes the candidates in state.citable
    citable = state.citable or Citable()
    return filtered_consumer(state, record_filter, citing.evidence_filter, citable, stats)


def _absorb_stats(state: AggregateState, source: Source, stats: LineStats) -> None:
    state.lines = stats.lines
    state.not_evidence = stats.not_evidence
    state.broken = dict(stats.broken)
    state.envelopes = dict(stats.envelopes)
    state.examples = [(reason, source.name, source.start, line) for reason, line in stats.examples]
    state.segments = {(source.name, source.start): stats.lines}
    state.file_records = {source.name: [state.calls, state.webhooks]}


def _reporting(chunks: Iterable[bytes], progress: Progress | None) -> Iterator[bytes]:
    if progress is None:
        yield from chunks
        return
    for chunk in chunks:
        progress(len(chunk))
        yield chunk


def absolute_examples(state: AggregateState, limit: int = 10) -> tuple[tuple[str, str, int], ...]:
    """Broken-line examples with line numbers counted from the start of each file."""
    examples = []
    for reason, name, start, line in sorted(state.examples, key=lambda e: (e[1], e[2], e[3])):
        before = sum(n for (other, s), n in state.segments.items() if other == name and s < start)
        examples.append((reason, name, before + line))
    return tuple(examples[:limit])
