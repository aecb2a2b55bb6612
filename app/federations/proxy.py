"""Forwarding a routed request to the service's upstream over HTTP (httpx).

The upstream URL comes from the service's `config.upstream_url`; the request
goes through the outbound policy (checked address, no redirects, no proxies)
with a timeout. Hop-by-hop headers are not forwarded in either direction.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from app import outbound

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}
MAX_BODY = 1_048_576


def _content(body: Any, headers: dict[str, str]) -> bytes | None:
    if body is None:
        return None
    if isinstance(body, str):
        return body.encode()
    if not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/json"
    return json.dumps(body).encode()


def _decoded(reply: outbound.Reply) -> Any:
    text = reply.body.decode("utf-8", errors="replace")
    if reply.headers.get("content-type", "").startswith("application/json"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


async def forward(
    policy: outbound.Policy,
    upstream_url: str,
    service_path: str,
    method: str,
    headers: dict[str, str],
    body: Any,
    seconds: float,
) -> dict[str, Any]:
    """The upstream's answer, or the reason there is none."""
    sent = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
    content = _content(body, sent)
    url = upstream_url.rstrip("/") + service_path
    try:
        reply = await outbound.fetch(
            policy,
            method.upper(),
            url,
            headers=sent,
            content=content,
            seconds=seconds,
            max_body=MAX_BODY,
        )
    except outbound.BlockedAddressError as exc:
        return {"status_code": None, "error": exc.message}
    except httpx.TimeoutException:
        return {"status_code": None, "error": f"upstream timed out after {seconds:g}s"}
    except httpx.HTTPError as exc:
        reason = f"upstream unreachable: {type(exc).__name__}"
        return {"status_code": None, "error": reason}
    return {
        "status_code": reply.status_code,
        "headers": {
            k: v for k, v in reply.headers.items() if k.lower() not in HOP_BY_HOP
        },
        "body": _decoded(reply),
    }
