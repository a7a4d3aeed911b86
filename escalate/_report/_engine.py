"""Run the reader and the aggregator over every source, in one process or several.

In one process, one reader thread reads every source in turn (`_prefetch.read_ahead`) while this
thread scans them into one state: ten thousand small files cost no thread or state of their own.
`--jobs N` splits the work by file and by newline-aligned byte ranges of large plain files, in
at most as many processes as there are usable CPUs (more only compete for the same cores). The
files are cut, in order, into runs of about equal size (a few per process), each read by one
worker without a thread (every core already scans); with one run per process, this process reads
one itself rather than wait. Workers are forked; each returns a small partial state (pickled:
~4 MB, 0.1 s per 500 MB of mixed log) and the states are merged. The cyclic GC is paused while
scanning: the loop allocates many short-lived objects and no cycles. Without a record filter the
reader hands parsed lines straight to the aggregator's fast path (`_aggregation._fast_path`); with
one, records are built, filtered and added. Asked for checksums, the pass also hashes each input
as stored as it reads it (`Aggregated.checksums`); a file cut into byte ranges for `--jobs` is
hashed whole by a thread of this process while the workers scan its ranges (SHA-256 costs about
0.3 CPU second a GB here and releases the GIL: cheaper than giving up the split). For a bundle
or a HAR the pass also keeps the records a finding may cite (`Citing`, `state.citable`): one
`Citable` a process, its records numbered by their source's place in the input. `progress` is
told of the bytes read as stored (a compressed input's too: the unit a bar is sized in) of the
inputs whose size is known, as this process reads them, and of a worker's run by its size when it
is done.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING

from escalate._report._aggregation._citable import Citable, Citing
from escalate._report._aggregation._citing import filtered_consumer
from escalate._report._aggregation._fast_path import folder
from escalate._report._aggregation._state import AggregateState
from escalate._report._filters import RecordFilter
from escalate._report._input_counts import add_line_stats, count_file_records
from escalate._report._reading import _prefetch
from escalate._report._reading._prefetch import SourceReading
from escalate._report._reading._reader import LineStats, scan_into
from escalate._report._reading._sources import Checksum, InputChecksum, Source

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

#: files smaller than twice this are never split into byte ranges
MIN_RANGE_BYTES = 32 * 1024 * 1024
#: runs of files per worker process (more even out runs of unequal cost; each is one state)
RUNS_PER_WORKER = 4
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Aggregated:
    """The state of a pass over sources, and the checksums of its inputs (in input order) when
    they were asked for: `(name, bytes, sha256)` of each input's bytes as stored."""

    state: AggregateState
    checksums: tuple[InputChecksum, ...] = ()


def aggregate_sources(
    sources: Sequence[Source],
    record_filter: RecordFilter | None,
    *,
    jobs: int = 1,
    progress: Progress | None = None,
    min_range_bytes: int = MIN_RANGE_BYTES,
    citing: Citing | None = None,
) -> AggregateState:
    """Aggregate every source into one state, in at most `jobs` processes (never more than CPUs)."""
    return aggregate_inputs(
        sources, record_filter, jobs=jobs, progress=progress, min_range_bytes=min_range_bytes,
        citing=citing,
    ).state  # fmt: skip


def aggregate_inputs(
    sources: Sequence[Source],
    record_filter: RecordFilter | None,
    *,
    jobs: int = 1,
    progress: Progress | None = None,
    min_range_bytes: int = MIN_RANGE_BYTES,
    checksums: bool = False,
    citing: Citing | None = None,
) -> Aggregated:
    """`aggregate_sources`, and with `checksums` the checksum of every input from the same pass;
    with `citing`, the records a finding may cite too (`state.citable`, for a bundle or a HAR)."""
    workers = max(1, min(jobs, usable_cpus()))
    tasks = plan_tasks(sources, workers, min_range_bytes)
    citings = task_citings(tasks, citing)
    if workers <= 1 or len(tasks) <= 1:
        return aggregate_run(
            tasks, record_filter, progress, read_ahead=True, checksums=checksums, citings=citings
        )
    from concurrent.futures import ThreadPoolExecutor  # only --jobs pays for its import

    # a file cut into byte ranges is hashed whole by a thread here while the workers scan it
    planned = set(tasks)
    split = [source for source in sources if source not in planned] if checksums else []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="escalate-hash") as hashing:
        whole = hashing.submit(checksums_of, split)
        parts = _in_processes(tasks, citings, record_filter, workers, progress, checksums)
        parts.append(Aggregated(AggregateState(), whole.result()))
    return merged(parts, sources)


def checksums_of(sources: Sequence[Source]) -> tuple[InputChecksum, ...]:
    """The checksum of each source's stored bytes (read for nothing else)."""
    found = []
    for source in sources:
        checksum = Checksum(source.name)
        for _ in source.chunks(counter=checksum):
            pass
        found.append(checksum.value())
    return tuple(found)


def merged(parts: Iterable[Aggregated], sources: Sequence[Source]) -> Aggregated:
    """The partial passes over `sources` as one: states merged, checksums in input order."""
    parts = list(parts)
    state = reduce(AggregateState.merge, (part.state for part in parts), AggregateState())
    by_name = {checksum.name: checksum for part in parts for checksum in part.checksums}
    return Aggregated(state, tuple(by_name[s.name] for s in sources if s.name in by_name))


def task_citings(tasks: Sequence[Source], citing: Citing | None) -> tuple[Citing | None, ...]:
    """Each task's `citing`, numbered by source: a file's byte ranges follow each other, its
    first one starting at 0, so the source index goes up at each task that starts at 0."""
    if citing is None:
        return (None,) * len(tasks)
    index = -1
    citings: list[Citing | None] = []
    for task in tasks:
        index += task.offset == 0
        citings.append(citing.for_source(index))
    return tuple(citings)


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
        tasks.extend(source.byte_ranges(jobs, min_range_bytes))
    return tuple(tasks)


def runs_of(tasks: Sequence[Source], count: int) -> list[tuple[Source, ...]]:
    """The tasks cut, in order, into at most `count` runs of about equal size (a task larger
    than a run's share is a run alone; one of unknown size, a remote object, counts as
    MIN_RANGE_BYTES)."""
    sizes = [_size(task) for task in tasks]
    share = max(sum(sizes) / count, 1)
    runs: list[tuple[Source, ...]] = []
    run: list[Source] = []
    filled = 0
    for task, size in zip(tasks, sizes, strict=True):
        if run and filled + size > share:
            runs.append(tuple(run))
            run, filled = [], 0
        run.append(task)
        filled += size
    return [*runs, tuple(run)] if run else runs


def by_portability(tasks: Sequence[Source]) -> tuple[list[int], list[int]]:
    """The indexes of the tasks another process can read, and of those only this one can
    (standard input)."""
    portable = [i for i, task in enumerate(tasks) if task.portable]
    return portable, [i for i, task in enumerate(tasks) if not task.portable]


#: sources read one after the other by one process, with their `citings`
Work = tuple[tuple[Source, ...], tuple[Citing | None, ...]]


def _in_processes(
    tasks: Sequence[Source],
    citings: Sequence[Citing | None],
    record_filter: RecordFilter | None,
    workers: int,
    progress: Progress | None,
    checksums: bool,
) -> list[Aggregated]:
    mine, runs = _shares(tasks, citings, workers)
    pool_size = max(1, min(len(runs), workers - len(mine)))
    from concurrent.futures import ProcessPoolExecutor  # only --jobs pays for its import

    with ProcessPoolExecutor(max_workers=pool_size, mp_context=_fork_context()) as pool:
        futures = [
            pool.submit(aggregate_run, run, record_filter, checksums=checksums, citings=cites)
            for run, cites in runs
        ]
        parts = [
            aggregate_run(run, record_filter, progress, checksums=checksums, citings=cites)
            for run, cites in mine
        ]
        for (run, _), future in zip(runs, futures, strict=True):
            parts.append(future.result())
            if progress is not None:
                progress(sum(task.size() or 0 for task in run))
    return parts


def _shares(
    tasks: Sequence[Source], citings: Sequence[Citing | None], workers: int
) -> tuple[list[Work], list[Work]]:
    """This process's work and the pool's runs (`runs_of`), each task with its citing."""

    def work(indexes: Sequence[int]) -> Work:
        return tuple(tasks[i] for i in indexes), tuple(citings[i] for i in indexes)

    portable, local = by_portability(tasks)
    runs: list[Work] = []
    for run in runs_of([tasks[i] for i in portable], RUNS_PER_WORKER * workers):
        runs.append(work(portable[: len(run)]))  # runs keep the tasks' order
        del portable[: len(run)]
    mine = [work(local)] if local else []
    if not local and len(runs) <= workers:
        # one run per process: this one takes a share rather than wait (one pickled state less)
        mine.append(runs.pop())
    return mine, runs


def _size(task: Source) -> int:
    size = task.size()
    return MIN_RANGE_BYTES if size is None else size


def _fork_context() -> BaseContext | None:
    """Fork where the platform has it: workers start at once, with the modules already loaded."""
    import multiprocessing

    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def aggregate_source(
    source: Source,
    record_filter: RecordFilter | None,
    progress: Progress | None = None,
    *,
    read_ahead: bool = False,
) -> AggregateState:
    """Read one source (a file, stdin or a byte range) into a partial state."""
    return aggregate_run((source,), record_filter, progress, read_ahead=read_ahead).state


def aggregate_run(
    sources: Sequence[Source],
    record_filter: RecordFilter | None,
    progress: Progress | None = None,
    *,
    read_ahead: bool = False,
    checksums: bool = False,
    citings: Sequence[Citing | None] | None = None,
) -> Aggregated:
    """Read sources one after the other into one partial state (and their checksums).

    `read_ahead`: one thread reads the next sources while this one is scanned; worth it only
    when a core is free, that is not when every core already scans a part (`--jobs`).
    `citings`: each source's (`task_citings`), when the records a finding may cite are kept.
    """
    state = AggregateState()
    found: list[InputChecksum] = []
    cites = iter(citings or (None,) * len(sources))
    read = _prefetch.read_ahead if read_ahead else _prefetch.read_in_turn
    counted = progress is not None
    with gc_paused(), closing(read(sources, checksums=checksums, counted=counted)) as readings:
        for reading in readings:
            _fold_source(state, reading, record_filter, progress, next(cites))
            if (checksum := reading.checksum) is not None:
                found.append(checksum)
    return Aggregated(state, tuple(found))


def _fold_source(
    state: AggregateState,
    reading: SourceReading,
    record_filter: RecordFilter | None,
    progress: Progress | None,
    citing: Citing | None,
) -> None:
    """Scan one source into `state`; count its lines and the records it held. With `citing`,
    the source's citation candidates join those of the sources read before it by this process
    (one `Citable` a process, numbered from the source's position: nothing to merge per file)."""
    source, stats = reading.source, LineStats()
    before = (state.calls, state.webhooks)
    if citing is not None:
        if state.citable is None:
            state.citable = Citable()
        state.citable.start_part(citing.source_index, source.offset)
    consume = (
        folder(state, stats)
        if record_filter is None
        else filtered_consumer(state, record_filter, stats, citing)
    )  # each notes the source's candidates in `state.citable`
    scan_into(_reporting(reading, progress), stats, consume, source.layout())
    add_line_stats(state, stats, source.name, source.offset)
    count_file_records(state, source.name, before)


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic GC off (the pass makes no cycles, and millions of short-lived objects would
    trigger it for nothing); back on, as it was, at the end."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc_was_enabled:
            gc.enable()


def _reporting(reading: SourceReading, progress: Progress | None) -> Iterator[bytes]:
    """The chunks, `progress` told of them when the source's size is known: a bar is sized from
    the known sizes (standard input, a pipe, a URL add nothing), so only those advance it."""
    if progress is None or reading.source.size() is None:
        return reading.chunks
    return _reported(reading, progress)


def _reported(reading: SourceReading, progress: Progress) -> Iterator[bytes]:
    """The chunks, `progress` told of the stored bytes read for each (the bar is sized in stored
    bytes: a compressed input's decompressed chunks would overrun it), then of the rest (a
    compressed stream's end)."""
    told = 0
    for chunk in reading.chunks:
        told = _advanced(progress, reading.stored, told)
        yield chunk
    _advanced(progress, reading.stored, told)


def _advanced(progress: Progress, stored: int, told: int) -> int:
    """Tell `progress` of the bytes read since it was told of `told`; what it has been told."""
    if stored > told:
        progress(stored - told)
    return max(stored, told)
