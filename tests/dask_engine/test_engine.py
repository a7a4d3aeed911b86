"""`--engine dask`: partitions folded on a cluster's workers give the one-process report."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from escalate._cli import main
from escalate._cli._exit import ExitCode
from escalate._report import ReportOptions, report_from_state
from escalate._report import _dask as dask_engine
from escalate._report._engine import aggregate_sources
from escalate._report._model import report_to_dict
from escalate._report._reading._inputs import resolve_sources
from escalate._report._reading._sources import FileSource, InputError
from tests.remote.conftest import BUCKET, SAMPLES, upload

MANIFEST: dict[str, dict[str, Any]] = orjson.loads((SAMPLES / "manifest.json").read_bytes())


def report(args: list[str]) -> tuple[int, str, str]:
    """`escalate report ARGS`: exit code, standard output, standard error."""
    result = CliRunner().invoke(main, ["report", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_every_sample_reports_byte_for_byte_as_one_process(
    name: str, scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each sample's JSON and Markdown on the cluster are the one-process output."""
    monkeypatch.chdir(SAMPLES.parent)  # relative paths, as the README runs them
    options = [str(arg) for arg in MANIFEST[name]["report_args"]]
    for fmt in ("json", "markdown"):
        alone = report([f"samples/{name}", *options, "--format", fmt])
        on_dask = report([f"samples/{name}", *options, "--format", fmt,
                          "--engine", "dask", "--scheduler", scheduler])  # fmt: skip
        assert on_dask == alone


def test_generated_fleet_reports_as_one_process(
    fleet_logs: Path, scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A directory of generated logs (one partition per file) gives the one-process output."""
    monkeypatch.chdir(fleet_logs.parent)  # a relative path: workers get it made absolute
    for fmt in ("markdown", "json"):
        alone = report([fleet_logs.name, "--format", fmt])
        on_dask = report([fleet_logs.name, "--format", fmt, "--engine", "dask",
                          "--scheduler", scheduler])  # fmt: skip
        assert on_dask == alone
    inputs = orjson.loads(alone[1])["inputs"]
    assert len(inputs["files"]) == 4
    assert inputs["skipped"]["examples"]  # broken lines, named and numbered as given


def test_byte_ranges_fold_on_workers_into_the_one_process_state(
    fleet_logs: Path, scheduler: str
) -> None:
    """Newline-aligned byte ranges of one log, folded on workers, give the one-pass report."""
    sources = resolve_sources([str(fleet_logs / "app.log.1")])
    options, files = ReportOptions(), (sources[0].name,)
    alone = aggregate_sources(sources, None)
    tasks = dask_engine.plan_tasks(sources, 2, min_range_bytes=64 * 1024)
    assert len(tasks) == 2
    on_dask = dask_engine.aggregate_on_dask(sources, None, scheduler, min_range_bytes=64 * 1024)
    expected = report_to_dict(report_from_state(alone, options, files))
    assert report_to_dict(report_from_state(on_dask, options, files)) == expected


def test_workers_read_objects_from_s3(s3: Any, scheduler: str, tmp_path: Path) -> None:
    """Workers read an S3 prefix of gzip logs themselves; the report is the local copy's."""
    local = tmp_path / "mixed"
    local.mkdir()
    for log in sorted((SAMPLES / "mixed").glob("*.jsonl")):
        (local / f"{log.name}.gz").write_bytes(gzip.compress(log.read_bytes(), mtime=0))
    upload(s3, sorted(local.iterdir()), tmp_path)
    alone = report([f"s3://{BUCKET}/mixed/", "--format", "json"])
    on_dask = report([f"s3://{BUCKET}/mixed/", "--format", "json", "--engine", "dask",
                      "--scheduler", scheduler])  # fmt: skip
    assert on_dask == alone
    assert alone[0] == ExitCode.FINDINGS


@pytest.mark.slow
def test_without_an_address_a_local_cluster_of_processes_is_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No --scheduler and no $DASK_SCHEDULER_ADDRESS: worker processes on this machine."""
    monkeypatch.chdir(SAMPLES.parent)
    monkeypatch.delenv(dask_engine.SCHEDULER_ENV, raising=False)
    monkeypatch.setattr(dask_engine, "usable_cpus", lambda: 2)
    alone = report(["samples/", "--format", "json"])
    assert report(["samples/", "--format", "json", "--engine", "dask"]) == alone


def test_the_address_may_come_from_the_environment(
    scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """$DASK_SCHEDULER_ADDRESS is used when --scheduler is not given."""
    monkeypatch.chdir(SAMPLES.parent)
    monkeypatch.setenv(dask_engine.SCHEDULER_ENV, scheduler)
    seen: list[str | None] = []
    original = dask_engine._client_of

    def spy(client_class: Any, address: str) -> Any:
        seen.append(address)
        return original(client_class, address)

    monkeypatch.setattr(dask_engine, "_client_of", spy)
    alone = report(["samples/mixed", "--format", "json"])
    assert report(["samples/mixed", "--format", "json", "--engine", "dask"]) == alone
    assert seen == [scheduler]


def test_a_path_missing_on_a_worker_is_an_input_error(scheduler: str, tmp_path: Path) -> None:
    """A partition a worker cannot open exits 2, saying paths must be shared by the workers."""
    from distributed import Client

    gone = tmp_path / "rotated-away.log"
    with Client(scheduler, set_as_default=False) as client:
        partition = FileSource("rotated-away.log", str(gone))
        future = client.submit(dask_engine.aggregate_where_it_lives, partition, None, pure=False)
        with pytest.raises(InputError, match="same on every worker") as raised:
            future.result()
    assert str(gone) in str(raised.value)


def test_an_unreachable_scheduler_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A scheduler that does not answer exits 2 naming it, without a traceback."""
    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT_S", 1)
    code, _, err = report([str(SAMPLES / "mixed"), "--engine", "dask",
                           "--scheduler", "tcp://127.0.0.1:9"])  # fmt: skip
    assert code == ExitCode.USAGE
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "Traceback" not in err


def test_without_distributed_the_error_names_the_pip_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--engine dask without the extra exits 2 with pip install 'escalate[dask]'."""
    monkeypatch.setitem(sys.modules, "distributed", None)
    code, _, err = report([str(SAMPLES / "mixed"), "--engine", "dask"])
    assert code == ExitCode.USAGE
    assert "pip install 'escalate[dask]'" in err


@pytest.mark.parametrize(
    "args",
    [["--engine", "dask", "--jobs", "2"], ["--scheduler", "tcp://127.0.0.1:8786"]],
    ids=["jobs-with-dask", "scheduler-without-dask"],
)
def test_options_of_the_other_engine_are_refused(args: list[str]) -> None:
    """--jobs belongs to the local engine, --scheduler to Dask: mixing them exits 2."""
    code, _, err = report([str(SAMPLES / "mixed"), *args])
    assert code == ExitCode.USAGE
    assert "is for --engine" in err


def test_a_scheduler_address_with_credentials_is_refused_unrepeated() -> None:
    """user:secret@ in --scheduler exits 2 and the secret is not repeated."""
    code, out, err = report([str(SAMPLES / "mixed"), "--engine", "dask",
                             "--scheduler", "tcp://admin:s3cr3t-pw@127.0.0.1:8786"])  # fmt: skip
    assert code == ExitCode.USAGE
    assert "s3cr3t-pw" not in out + err
    assert "not shown" in err
