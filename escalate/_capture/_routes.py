"""What a URL and a Content-Type may show: documented routes as templates, other paths shaped
segment by segment, a media type without parameters."""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import unquote

from escalate import _schema
from escalate._capture._caches import BoundedCache
from escalate._capture._redaction import length
from escalate._capture._scan import phone_marker

#: A path segment kept verbatim: a short word (`api`, `messages`, `v2`, `webhooks`).
_WORD = re.compile(r"[A-Za-z][A-Za-z_\-]{0,23}[0-9]{0,2}")
_TOKEN = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]{0,63}"
_MEDIA_TYPE = re.compile(f"{_TOKEN}/{_TOKEN}")
_JSON = "application/json"


class Route(NamedTuple):
    """Where a request went, as a record may show it."""

    route: str  #: a documented route (template), or the path shaped per segment
    stage: str


def route_of(raw_path: str) -> Route:
    """The route and stage of a percent-encoded URL path (query removed by the caller).

    A trailing slash, or percent-encoding, still names the documented route it spells. Asked
    on the caller's thread for every call (`needs_response_body`): kept per path.
    """
    return _ROUTES.get(raw_path, _route_of)


def _route_of(raw_path: str) -> Route:
    path = unquote(raw_path) or "/"
    stage = _schema.stage_for_route(path)
    if stage != _schema.STAGE_OTHER:
        return Route(path.rstrip("/"), stage)
    return Route(shape_path(path), stage)


#: Percent-encoded path -> its route: a service calls few paths.
_ROUTES: BoundedCache[str, Route] = BoundedCache(1024)


def shape_path(path: str) -> str:
    """An undocumented path: word-like segments kept, each other one a descriptor."""
    return "/".join(_segment(part) for part in path.split("/"))


def _segment(part: str) -> str:
    if not part or _WORD.fullmatch(part):
        return part
    return phone_marker(part) or length(part)


def media_type(content_type: str | None) -> str | None:
    """`Content-Type` without parameters, lower case; a value that is not a media type becomes
    a length descriptor."""
    if not content_type:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    if not media:
        return None
    return media if _MEDIA_TYPE.fullmatch(media) else length(media)


def is_json_type(content_type: str | None) -> bool:
    """True for `application/json` and `+json` media types (or no type at all)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return not media or media == _JSON or media.endswith("+json")


def needs_response_body(raw_path: str, status: int, content_type: str | None) -> bool:
    """Whether the record needs the response body: JSON from a documented route, or a JSON
    error. Every adapter asks this, so one call gives one record through any client."""
    is_json, documented = _RESPONSE_SITES.get((raw_path, content_type), _response_site)
    return is_json and (documented or status >= 400)


def _response_site(key: tuple[str, str | None]) -> tuple[bool, bool]:
    raw_path, content_type = key
    return is_json_type(content_type), route_of(raw_path).stage != _schema.STAGE_OTHER


#: (percent-encoded path, response Content-Type) -> (is it JSON, is the route documented):
#: asked on the caller's thread for every call, of few distinct values.
_RESPONSE_SITES: BoundedCache[tuple[str, str | None], tuple[bool, bool]] = BoundedCache(1024)
