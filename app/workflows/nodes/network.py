"""Node types that reach the network: HTTP requests and TCP ping probes."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

from app import outbound
from app.workflows.nodes.base import NodeFailedError, RunContext
from app.workflows.nodes.configs import HttpRequestConfig, PingConfig

MAX_BODY_CHARS = 16_384
_DEFAULT_PORTS = {"http": 80, "https": 443}


async def checked_address(host: str, port: int, allow_loopback: bool) -> str:
    """An address of `host` the outbound policy allows (every answer is checked).

    Connecting to the checked address, not the name, stops DNS rebinding.
    """
    try:
        addresses = await outbound.Policy(allow_loopback=allow_loopback).resolve(
            host, port
        )
    except outbound.BlockedAddressError as exc:
        hint = "" if allow_loopback else " (OPSGRAPH_ALLOW_LOOPBACK_URLS)"
        raise NodeFailedError(f"{host}: {exc.message}{hint}") from exc
    return addresses[0]


def _request_parts(config: HttpRequestConfig) -> tuple[httpx.URL, int]:
    try:
        url = httpx.URL(config.url)
    except httpx.InvalidURL as exc:
        raise NodeFailedError(f"invalid URL: {exc}") from exc
    if url.scheme not in _DEFAULT_PORTS or not url.host:
        raise NodeFailedError("URL must be absolute http:// or https://")
    return url, url.port or _DEFAULT_PORTS[url.scheme]


async def run_http_request(
    config: HttpRequestConfig, ctx: RunContext
) -> dict[str, Any]:
    """Send one request, no redirects followed, to a checked address."""
    url, port = _request_parts(config)
    address = await checked_address(url.host, port, ctx.settings.allow_loopback_urls)
    pinned = url.copy_with(host=address)
    headers = {**config.headers, "Host": url.netloc.decode("ascii")}
    extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
    payload: dict[str, Any] = {}
    if isinstance(config.body, dict | list):
        payload["json"] = config.body
    elif config.body is not None:
        payload["content"] = str(config.body)
    started = time.perf_counter()
    async with httpx.AsyncClient(
        follow_redirects=False, timeout=config.timeout, trust_env=False
    ) as client:
        try:
            response = await client.request(
                config.method, pinned, headers=headers, extensions=extensions, **payload
            )
        except httpx.HTTPError as exc:
            raise NodeFailedError(f"request failed: {type(exc).__name__}") from exc
    return _http_outcome(config, response, started)


def _http_outcome(
    config: HttpRequestConfig, response: httpx.Response, started: float
) -> dict[str, Any]:
    output = {
        "status_code": response.status_code,
        "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
        "body": _body(response),
    }
    expected = config.expect_status
    ok = (
        response.status_code in expected
        if expected
        else 200 <= response.status_code < 300
    )
    if not ok:
        raise NodeFailedError(f"unexpected HTTP status {response.status_code}", output)
    return output


def _body(response: httpx.Response) -> Any:
    text = response.text[:MAX_BODY_CHARS]
    if response.headers.get("content-type", "").startswith("application/json"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


async def run_ping(config: PingConfig, ctx: RunContext) -> dict[str, Any]:
    """Probe `host:port` with one TCP connect to a checked address."""
    target = {"host": config.host, "port": config.port}
    address = await checked_address(
        config.host, config.port, ctx.settings.allow_loopback_urls
    )
    started = time.perf_counter()
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(address, config.port), config.timeout
        )
    except (OSError, TimeoutError) as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else str(exc)
        raise NodeFailedError(
            f"{config.host}:{config.port} unreachable: {reason}",
            {**target, "reachable": False},
        ) from exc
    writer.close()
    await writer.wait_closed()
    latency = round((time.perf_counter() - started) * 1000, 2)
    return {**target, "reachable": True, "latency_ms": latency}
