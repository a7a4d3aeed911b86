"""`escalate report s3://...`: read from a real S3-protocol server, as the local copy reads."""

from __future__ import annotations

import gzip
import importlib
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
import zstandard
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalate._cli import main
from escalate._cli._exit import ExitCode
from escalate._report import AggregateState, ReportOptions, report_from_state
from escalate._report._engine import aggregate_source, aggregate_sources, plan_tasks
from escalate._report._model import report_to_dict
from escalate._report._reading._inputs import resolve_sources
from tests.remote.conftest import BUCKET, SAMPLES, gzip_sample, upload

MANIFEST: dict[str, dict[str, Any]] = orjson.loads((SAMPLES / "manifest.json").read_bytes())


def report(args: list[str]) -> tuple[int, str, str]:
    """`escalate report ARGS`: exit code, standard output, standard error."""
    result = CliRunner().invoke(main, ["report", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_s3_prefix_of_gzip_logs_gives_the_local_report(
    name: str, s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sample's gzipped logs under an S3 prefix give the local copy's JSON and Markdown."""
    upload(s3, gzip_sample(name, tmp_path), tmp_path)
    monkeypatch.chdir(tmp_path)
    options = [str(arg) for arg in MANIFEST[name]["report_args"]]
    for fmt in ("json", "markdown"):
        local = report([f"{name}/", *options, "--format", fmt])
        remote = report([f"s3://{BUCKET}/{name}/", *options, "--format", fmt])
        assert remote[0] == local[0]
        assert remote[1].replace(f"s3://{BUCKET}/", "") == local[1]
        assert "testing-secret-key" not in remote[1] + remote[2]  # the store's credentials


def test_glob_and_single_object_read_like_the_prefix(s3: Any, tmp_path: Path) -> None:
    """A glob over objects, and each object named alone, give the same records as the prefix."""
    upload(s3, gzip_sample("mixed", tmp_path), tmp_path)
    prefix = report([f"s3://{BUCKET}/mixed/", "--format", "json"])[1]
    glob = report([f"s3://{BUCKET}/mixed/*.gz", "--format", "json"])[1]
    names = [f"s3://{BUCKET}/mixed/{log.name}.gz" for log in sorted((SAMPLES / "mixed").glob("*"))]
    each = report([*names, "--format", "json"])[1]
    assert glob == prefix == each
    assert orjson.loads(prefix)["inputs"]["files"] == names


def test_zstd_object_is_decompressed_like_a_local_file(s3: Any) -> None:
    """A .zst object gives the records of the plain log it compresses."""
    plain = (SAMPLES / "mixed" / "app.jsonl").read_bytes()
    s3.put_object(Bucket=BUCKET, Key="z/app.jsonl.zst", Body=zstandard.compress(plain))
    (source,) = resolve_sources([f"s3://{BUCKET}/z/app.jsonl.zst"])
    assert b"".join(source.chunks()) == plain


def test_an_object_is_read_in_bounded_ranges(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """An object larger than the block is fetched in ranged requests, never whole."""
    import s3fs.core

    from escalate._report._reading import _remote

    monkeypatch.setattr(_remote, "BLOCK_SIZE", 64 * 1024)
    body = b"".join(f'{{"n":{n}}}\n'.encode() for n in range(60_000))
    s3.put_object(Bucket=BUCKET, Key="big/plain.log", Body=gzip.compress(body))
    fetched: list[int] = []
    original = s3fs.core.S3File._fetch_range

    def spy(self: Any, start: int, end: int) -> bytes:
        fetched.append(end - start)
        return original(self, start, end)  # type: ignore[no-any-return]

    monkeypatch.setattr(s3fs.core.S3File, "_fetch_range", spy)
    (source,) = resolve_sources([f"s3://{BUCKET}/big/plain.log"])
    assert b"".join(source.chunks(chunk_size=256 * 1024)) == body
    assert len(fetched) > 1
    assert max(fetched) <= 64 * 1024


def test_plain_object_splits_into_byte_ranges_like_a_local_file(s3: Any) -> None:
    """--jobs' newline-aligned ranges of a plain object merge into the one-pass state."""
    log = (SAMPLES / "mixed" / "app.jsonl").read_bytes()
    s3.put_object(Bucket=BUCKET, Key="plain/app.jsonl", Body=log)
    sources = resolve_sources([f"s3://{BUCKET}/plain/app.jsonl"])
    tasks = plan_tasks(sources, 3, min_range_bytes=1024)
    assert len(tasks) == 3
    merged = AggregateState()
    for task in tasks:
        merged.merge(aggregate_source(task, None))
    whole = aggregate_source(sources[0], None)
    options, files = ReportOptions(), (sources[0].name,)
    expected = report_to_dict(report_from_state(whole, options, files))
    assert report_to_dict(report_from_state(merged, options, files)) == expected


def test_jobs_processes_read_their_ranges_of_an_object(s3: Any) -> None:
    """--jobs 2 forks after the store's client started; each process reads its own ranges."""
    log = (SAMPLES / "mixed" / "app.jsonl").read_bytes()
    s3.put_object(Bucket=BUCKET, Key="plain/app.jsonl", Body=log)
    sources = resolve_sources([f"s3://{BUCKET}/plain/app.jsonl"])
    options, files = ReportOptions(), (sources[0].name,)
    alone = report_to_dict(report_from_state(aggregate_sources(sources, None), options, files))
    split = aggregate_sources(sources, None, jobs=2, min_range_bytes=1024)
    assert report_to_dict(report_from_state(split, options, files)) == alone


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(secret=st.text(alphabet="abcdefghijkXYZ0123456789+/:", min_size=6, max_size=30))
def test_credentials_in_a_url_are_refused_without_being_repeated(secret: str, s3_env: str) -> None:
    """key:secret@ in a URL, or a query string (a signature), exits 2 and never echoes them."""
    for url in (f"s3://AKIAKEY:{secret}@{BUCKET}/logs/", f"https://logs.example/a.log?sig={secret}",
                f"gs://user:{secret}@bucket/x", f"https://u:{secret}@logs.example:8443/a.log"):
        code, out, err = report([url])
        assert code == ExitCode.USAGE
        assert "not shown" in err
        assert secret not in out + err


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (f"s3://{BUCKET}/nothing-here/", "no object under this prefix"),
        (f"s3://{BUCKET}/mixed/*.zip", "no object matches"),
        ("s3://no-such-bucket-escalate/logs/", "no such"),
    ],
    ids=["empty-prefix", "glob-without-match", "missing-bucket"],
)
def test_missing_objects_are_an_input_error(url: str, says: str, s3: Any) -> None:
    """A prefix, glob or bucket with nothing to read exits 2 naming the URL, no traceback."""
    code, _, err = report([url])
    assert code == ExitCode.USAGE
    assert err.startswith(f"Error: {url}") or url in err
    assert says in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("url", "module", "command"),
    [
        ("s3://bucket/logs/", "s3fs", "pip install 'escalate[s3]'"),
        ("gs://bucket/logs/", "gcsfs", "pip install 'escalate[gcs]'"),
        ("https://logs.example/a.log", "aiohttp", "pip install 'escalate[http]'"),
        ("s3://bucket/logs/", "fsspec", "pip install 'escalate[s3]'"),
    ],
    ids=["s3fs", "gcsfs", "aiohttp", "fsspec"],
)
def test_a_missing_extra_names_the_pip_command(
    url: str, module: str, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the store's package the report exits 2 with the pip command that installs it."""
    for name in [m for m in sys.modules if m.startswith((module, "fsspec.implementations"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    if module != "fsspec":
        loaded = importlib.import_module("fsspec.registry")._registry
        for protocol in list(loaded):  # forget the classes already loaded
            monkeypatch.delitem(loaded, protocol)
    code, _, err = report([url])
    assert code == ExitCode.USAGE
    assert command in err
    assert "Traceback" not in err
