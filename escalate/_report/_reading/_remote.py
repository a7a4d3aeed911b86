"""Remote inputs: `s3://`, `gs://`, `https://` (any fsspec protocol) listed, opened and streamed.

fsspec and the store's package (s3fs, gcsfs, aiohttp) are optional extras, imported only when a
URL is given. Credentials come from each store's own environment and configuration files (for S3:
AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_ENDPOINT_URL_S3, ...), never from the command line: a URL that
carries `user:secret@` (any `@`) or a query string (a presigned URL's signature) is refused, and
the refusal does not repeat it. An object is read in ranged requests of `BLOCK_SIZE` bytes, never
downloaded whole; it is a `Source` like a local file (`RemoteSource`), decompressed, hashed and
scanned exactly as one.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Final

from escalate._report._reading._sources import InputError, Source

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

#: bytes of one ranged GET (and of the read buffer in front of it)
BLOCK_SIZE: Final = 8 * 1024 * 1024
_URL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
#: each protocol's extra, and the package of its fsspec implementation
_EXTRAS: Final = {
    "s3": ("s3", "s3fs"), "gs": ("gcs", "gcsfs"), "gcs": ("gcs", "gcsfs"),
    "http": ("http", "aiohttp"), "https": ("http", "aiohttp"),
}  # fmt: skip
_HIDDEN: Final = "the URL is not shown"


@dataclass(frozen=True, slots=True)
class RemoteSource(Source):
    """An object named by its URL, streamed in ranged requests (the same URL on every worker)."""

    name: str  #: the URL

    def open(self) -> IO[bytes]:
        return open_remote(self.name)


def expand_remote(url: str) -> list[str]:
    """The objects a URL names: itself, every object under a prefix (sorted), a glob's matches."""
    fs, path = _filesystem(url)
    try:
        fs.invalidate_cache()  # a long-lived process must list what is there now
        if _has_magic(path):
            matches = fs.glob(path, detail=True)
            found = sorted(name for name, info in matches.items() if info["type"] == "file")
            failure = "no object matches this pattern"
        elif fs.isfile(path):
            return [url]
        else:
            found = sorted(fs.find(path))
            failure = "no such object, and no object under this prefix"
    except Exception as error:  # the store's own errors: credentials, network, permissions
        raise InputError(f"{url}: {_reason(error)}") from None
    visible = [fs.unstrip_protocol(name) for name in found if not _hidden(name)]
    if not visible:
        raise InputError(f"{url}: {failure}")
    return visible


def open_remote(url: str) -> io.BufferedReader:
    """A buffered, seekable stream of the object at `url` (store errors become `OSError`)."""
    fs, path = _filesystem(url)
    try:
        handle = fs.open(path, "rb", block_size=BLOCK_SIZE, cache_type="none")
    except Exception as error:
        raise InputError(f"{url}: {_reason(error)}") from None
    return io.BufferedReader(_RemoteRaw(handle), buffer_size=BLOCK_SIZE)


def _filesystem(url: str) -> tuple[AbstractFileSystem, str]:
    if _URL.match(url) is None:
        raise InputError(f"{url}: not a URL (scheme://...) nor a local path")
    _refuse_credentials(url)
    try:
        import fsspec.core
    except ImportError:
        raise InputError(_missing_extra(url, "fsspec")) from None
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError:  # fsspec is there, the store's package is not
        raise InputError(_missing_extra(url)) from None
    except (ValueError, TypeError) as error:
        raise InputError(f"{_scheme(url)}:// inputs: {error}") from None
    return fs, path


def _refuse_credentials(url: str) -> None:
    # Any @, not only one in the host part: a secret holding "/" (AWS secrets do) moves the @
    # into what a URL parser takes for the path. An object key with an @ is the price.
    scheme = _scheme(url)
    if "@" in url:
        raise InputError(
            f"the {scheme}:// input holds an @, as user:secret@ credentials do ({_HIDDEN}): "
            "give credentials through the store's environment or configuration instead"
        )
    if "?" in url or "#" in url:
        raise InputError(
            f"the {scheme}:// input carries a query string (it may hold a signature; "
            f"{_HIDDEN}): give credentials through the store's environment instead"
        )


def _missing_extra(url: str, package: str | None = None) -> str:
    scheme = _scheme(url)
    if scheme not in _EXTRAS:
        return f"{scheme}:// inputs need fsspec and its {scheme} implementation: pip install them"
    extra, implementation = _EXTRAS[scheme]
    return (
        f"{scheme}:// inputs need {package or implementation}, which is not installed: "
        f"pip install 'escalate[{extra}]'"
    )


def _scheme(url: str) -> str:
    match = _URL.match(url)
    return match[1].lower() if match else "file"


def _has_magic(path: str) -> bool:
    return any(character in path for character in "*?[")


def _hidden(name: str) -> bool:
    return name.rstrip("/").rsplit("/", 1)[-1].startswith(".")


def _reason(error: BaseException) -> str:
    if isinstance(error, FileNotFoundError):
        return "no such object"
    if isinstance(error, PermissionError):
        return "permission denied (check the store's credentials in its environment)"
    text = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class _RemoteRaw(io.RawIOBase):
    """An fsspec file as a raw stream whose every failure is an `OSError` naming its cause."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        # one ranged request at most BLOCK_SIZE, however much a reader asks for at once
        data = self._call(self._handle.read, min(len(buffer), BLOCK_SIZE))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        position: int = self._call(self._handle.seek, offset, whence)
        return position

    def tell(self) -> int:
        position: int = self._handle.tell()
        return position

    def close(self) -> None:
        if not self.closed:
            self._handle.close()
        super().close()

    def _call(self, method: Any, *args: Any) -> Any:
        try:
            return method(*args)
        except OSError:
            raise
        except Exception as error:  # aiohttp, botocore: the reader handles OSError only
            raise OSError(_reason(error)) from None
