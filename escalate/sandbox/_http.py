"""Plain request and reply values, and the two error body shapes of the Red Cloud API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Request:
    """An HTTP request as the sandbox's routes see it; header names are lower-case."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """Return a header's value by case-insensitive name, or None."""
        return self.headers.get(name.lower())

    @property
    def media_type(self) -> str:
        """The `Content-Type` without parameters, lower-case ('' when absent)."""
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class Reply:
    """An HTTP response: a status, a JSON body and extra headers."""

    status: int
    body: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        """Return the body as compact UTF-8 JSON."""
        return json.dumps(self.body, separators=(",", ":")).encode()


def oauth_error(status: int, error: str, description: str) -> Reply:
    """Return an OAuth-style error (api-reference section 1: `error` + `error_description`)."""
    headers = {"WWW-Authenticate": 'Basic realm="redcloud"'} if status == 401 else {}
    return Reply(status, {"error": error, "error_description": description}, headers)


def core_error(
    status: int,
    code: str,
    message: str,
    request_id: str,
    details: Mapping[str, Any] | None = None,
) -> Reply:
    """Return a CORE wrapper error (api-reference section 3) with its top-level `requestId`."""
    body = {
        "error": {"code": code, "message": message, "details": dict(details or {})},
        "requestId": request_id,
    }
    headers = {"WWW-Authenticate": 'Bearer realm="redcloud"'} if status == 401 else {}
    return Reply(status, body, headers)
