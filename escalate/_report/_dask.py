"""`--engine dask`: the same partitions as `--jobs`, read and folded on a Dask cluster's workers.

Partitions are files and newline-aligned byte ranges of large plain files (`plan_tasks`, as many
as the cluster has worker threads). Each worker opens its own partition where it lives: a local
path (made absolute, so it must be the same path on every worker: shared storage) or an object
storage URL (read with the worker's own store credentials). It returns its folded partial state;
the client merges the states in task order and renders, so the report is the one-process report
byte for byte. Standard input is read by the client itself. Without a scheduler address
(`--scheduler`, else $DASK_SCHEDULER_ADDRESS) a local cluster of one single-threaded worker
process per usable CPU is started and stopped around the run. `distributed` is an optional extra,
imported only here.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

from escalate._report._aggregation._citable import Citing
from escalate._report._aggregation._state import AggregateState
from escalate._report._engine import (
    MIN_RANGE_BYTES,
    Aggregated,
    Progress,
    aggregate_run,
    by_portability,
    merged,
    plan_tasks,
    task_citings,
    usable_cpus,
)
from escalate._report._filters import OptionError, RecordFilter
from escalate._report._reading._sources import InputError, Source

SCHEDULER_ENV: Final = "DASK_SCHEDULER_ADDRESS"
#: how long to wait for the scheduler to answer, and for it to have a worker
CONNECT_TIMEOUT_S: Final = 30
_INSTALL: Final = (
    "--engine dask needs distributed, which is not installed: pip install 'escalate[dask]'"
)


def aggregate_on_dask(
    sources: Sequence[Source],
    record_filter: RecordFilter | None,
    scheduler: str | None = None,
    *,
    progress: Progress | None = None,
    min_range_bytes: int = MIN_RANGE_BYTES,
    citing: Citing | None = None,
) -> AggregateState:
    """Aggregate every source on a Dask cluster into one state (the one-process state)."""
    return dask_pass(
        sources, record_filter, scheduler, progress=progress, min_range_bytes=min_range_bytes,
        citing=citing,
    ).state  # fmt: skip


def dask_pass(
    sources: Sequence[Source],
    record_filter: RecordFilter | None,
    scheduler: str | None = None,
    *,
    progress: Progress | None = None,
    min_range_bytes: int = MIN_RANGE_BYTES,
    checksums: bool = False,
    citing: Citing | None = None,
) -> Aggregated:
    """`aggregate_on_dask`, and with `checksums` every input's checksum (files are then read
    whole, not in byte ranges); with `citing`, the records a finding may cite."""
    with connected(scheduler) as client:
        tasks = plan_tasks(sources, 1 if checksums else worker_threads(client), min_range_bytes)
        citings = task_citings(tasks, citing)
        remote, local = by_portability(tasks)
        futures = client.map(
            aggregate_where_it_lives, [tasks[i].located() for i in remote],
            [citings[i] for i in remote], record_filter=record_filter, checksums=checksums,
            pure=False,
        )  # fmt: skip
        here = [tasks[i] for i in local]
        cites = [citings[i] for i in local]
        parts = [aggregate_run(here, record_filter, progress, checksums=checksums, citings=cites)]
        for i, future in zip(remote, futures, strict=True):
            parts.append(future.result())
            if progress is not None:
                progress(tasks[i].size() or 0)
    return merged(parts, sources)


def aggregate_where_it_lives(
    task: Source,
    citing: Citing | None = None,
    *,
    record_filter: RecordFilter | None = None,
    checksums: bool = False,
) -> Aggregated:
    """On a worker: read `task` (`Source.located`: where the worker finds it, under the name the
    user gave)."""
    try:
        return aggregate_run((task,), record_filter, checksums=checksums, citings=(citing,))
    except InputError as error:
        where = "" if task.path is None else f" at {task.path}: a local path must be the same"
        raise InputError(f"{error} (read on a Dask worker{where} on every worker)") from None


@contextmanager
def connected(scheduler: str | None) -> Iterator[Any]:
    """A `distributed.Client` of the scheduler, or of a local cluster started for the run."""
    try:
        # Any: the constructors of Client and LocalCluster carry no annotations
        distributed: Any = importlib.import_module("distributed")
    except ImportError:
        raise OptionError(_INSTALL) from None
    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if address is None:
        with distributed.LocalCluster(
            n_workers=usable_cpus(), threads_per_worker=1, processes=True,
            dashboard_address=":0", silence_logs=logging.ERROR,
        ) as cluster, distributed.Client(cluster, set_as_default=False) as client:  # fmt: skip
            yield client
        return
    with _client_of(distributed.Client, address) as client:
        yield client


def _client_of(client_class: Any, address: str) -> Any:
    if "@" in address:
        raise OptionError("the Dask scheduler address holds an @ (not shown): use TLS settings")
    try:
        client = client_class(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise OptionError(f"cannot reach the Dask scheduler at {address}: {error}") from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as error:
        client.close()
        raise OptionError(f"the Dask scheduler at {address} has no worker: {error}") from None
    return client


def worker_threads(client: Any) -> int:
    """How many partitions the cluster reads at once: its workers' threads in all."""
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    return max(1, sum(int(worker.get("nthreads", 1)) for worker in workers))
