"""`instrument` and `configure`: pick the adapter for a client, install a target and settings.

Adapters are imported only when a client of their library is instrumented, so `import escalate`
works with none of httpx, requests or aiohttp installed.
"""

from __future__ import annotations

import os
from typing import IO, Any, TypeVar

from escalate._capture import _settings
from escalate._capture._emit import flush
from escalate._capture._sink import SINK, LoggerTarget, StreamTarget, Target, open_path

ClientT = TypeVar("ClientT")


def _library_of(client: object) -> str | None:
    for cls in type(client).__mro__:
        library = cls.__module__.partition(".")[0]
        if library in ("httpx", "requests", "aiohttp"):
            return library
    return None


def instrument(client: ClientT) -> ClientT:
    """Record every call `client` makes; return the same client (instrumenting twice is a no-op).

    Supports `httpx.Client`, `httpx.AsyncClient` and `requests.Session` (and subclasses).
    """
    library = _library_of(client)
    if library == "httpx":
        from escalate._capture import _httpx

        _httpx.instrument(client)  # type: ignore[arg-type]
    elif library == "requests":
        from escalate._capture import _requests

        _requests.instrument(client)  # type: ignore[arg-type]
    elif library == "aiohttp":
        raise TypeError("aiohttp: pass trace_configs=[escalate.aiohttp_trace_config()] "
                        "when creating the ClientSession")
    else:
        raise TypeError(f"cannot instrument {type(client).__name__}: "
                        "expected an httpx.Client, httpx.AsyncClient or requests.Session")
    return client


def aiohttp_trace_config() -> Any:
    """An `aiohttp.TraceConfig` that records every request: `ClientSession(trace_configs=[...])`."""
    from escalate._capture import _aiohttp

    return _aiohttp.trace_config()


def configure(
    path: str | os.PathLike[str] | None = None, *, file: IO[bytes] | None = None,
    logger: Any = None, fingerprint_key: str | bytes | None = None,
    keep_external_reference: bool = False, background: bool = True,
) -> None:
    """Choose where records go (at most one of `path`, `file`, `logger`) and how they are keyed.

    With none of them, records go to `$ESCALATE_LOG`, else `./redcloud-evidence.jsonl`, opened
    on the first record. Records pending on the writer thread are written first, where they
    were going and as they were keyed.

    `fingerprint_key`: the key of every fingerprint; None: `$ESCALATE_FINGERPRINT_KEY`, else
    the installation's key file, created on first use (docs/capture.md, "Fingerprints and their
    key").

    `background`: a successful call's record is built and written on escalate's writer thread
    (the default, while the process handles or ignores SIGTERM; a `logger` is always called on
    the caller's thread). False: every record is written before the call returns.
    """
    chosen = [target for target in (path, file, logger) if target is not None]
    if len(chosen) > 1:
        raise ValueError("configure: give at most one of path, file, logger")
    flush()
    _settings.install(_settings.settings_from(fingerprint_key, keep_external_reference))
    SINK.replace(_target(path, file, logger), background=background)


def _target(
    path: str | os.PathLike[str] | None, file: IO[bytes] | None, logger: Any
) -> Target | None:
    if path is not None:
        return open_path(path)
    if file is not None:
        return StreamTarget(file, owned=False, flush=True)
    if logger is not None:
        return LoggerTarget(logger)
    return None
