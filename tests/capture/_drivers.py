"""One instrumented HTTP call per client library, behind the same small interface.

Each driver builds a fresh instrumented client, makes one call and returns a `Reply`; an
exception is caught and returned as its class name, so tests can compare libraries.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import aiohttp
import httpx
import requests

import escalate


@dataclasses.dataclass(frozen=True)
class Reply:
    """What the caller saw: status and parsed body, or the exception's class name."""

    status: int | None
    body: Any
    error: str | None = None


@dataclasses.dataclass(frozen=True)
class Call:
    """One request to make."""

    method: str
    url: str
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    form: dict[str, str] | None = None
    json: Any = None
    timeout: float = 5.0
    #: False: the application looks at the status only and never reads the body.
    read_body: bool = True


def _parse(response_json: Any, text: str) -> Any:
    try:
        return response_json()
    except ValueError:
        return text


class HttpxDriver:
    """httpx.Client."""

    name = "httpx"

    def call(self, call: Call) -> Reply:
        """Make the call with a fresh instrumented client."""
        with escalate.instrument(httpx.Client(timeout=call.timeout)) as client:
            try:
                with client.stream(call.method, call.url, headers=call.headers, data=call.form,
                                   json=call.json) as response:
                    if not call.read_body:
                        return Reply(response.status_code, None)
                    response.read()
            except httpx.HTTPError as exc:
                return Reply(None, None, type(exc).__name__)
            return Reply(response.status_code, _parse(response.json, response.text))


class HttpxAsyncDriver:
    """httpx.AsyncClient, run with asyncio.run."""

    name = "httpx-async"

    def call(self, call: Call) -> Reply:
        """Make the call with a fresh instrumented async client."""
        return asyncio.run(self._call(call))

    async def _call(self, call: Call) -> Reply:
        async with escalate.instrument(httpx.AsyncClient(timeout=call.timeout)) as client:
            try:
                async with client.stream(call.method, call.url, headers=call.headers,
                                         data=call.form, json=call.json) as response:
                    if not call.read_body:
                        return Reply(response.status_code, None)
                    await response.aread()
            except httpx.HTTPError as exc:
                return Reply(None, None, type(exc).__name__)
            return Reply(response.status_code, _parse(response.json, response.text))


class RequestsDriver:
    """requests.Session."""

    name = "requests"

    def call(self, call: Call) -> Reply:
        """Make the call with a fresh instrumented session."""
        with escalate.instrument(requests.Session()) as session:
            try:
                response = session.request(call.method, call.url, headers=call.headers,
                                           data=call.form, json=call.json, timeout=call.timeout,
                                           stream=not call.read_body)
            except requests.RequestException as exc:
                return Reply(None, None, type(exc).__name__)
            if not call.read_body:
                response.close()
                return Reply(response.status_code, None)
            return Reply(response.status_code, _parse(response.json, response.text))


class AiohttpDriver:
    """aiohttp.ClientSession with escalate's trace config, run with asyncio.run."""

    name = "aiohttp"

    def call(self, call: Call) -> Reply:
        """Make the call with a fresh traced session."""
        return asyncio.run(self._call(call))

    async def _call(self, call: Call) -> Reply:
        timeout = aiohttp.ClientTimeout(total=call.timeout)
        trace = escalate.aiohttp_trace_config()
        async with aiohttp.ClientSession(timeout=timeout, trace_configs=[trace]) as session:
            try:
                async with session.request(call.method, call.url, headers=call.headers,
                                           data=call.form, json=call.json) as response:
                    if not call.read_body:
                        return Reply(response.status, None)
                    text = await response.text()
                    return Reply(response.status, _parse(lambda: _loads(text), text))
            except (aiohttp.ClientError, TimeoutError) as exc:
                return Reply(None, None, type(exc).__name__)


def _loads(text: str) -> Any:
    import json

    return json.loads(text)


DRIVERS = (HttpxDriver(), HttpxAsyncDriver(), RequestsDriver(), AiohttpDriver())
DRIVER_IDS = tuple(driver.name for driver in DRIVERS)
