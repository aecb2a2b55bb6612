"""NetBox 4.x REST calls over httpx, through the outbound policy.

Every request goes through `app.outbound.fetch` (checked address, no redirects,
no proxies from the environment, body capped). `Authorization: Token <token>`;
lists are followed page by page until `next` is null. The token never appears in
an error, a log line or a response: only the header carries it.
"""

from __future__ import annotations

import json
import logging
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from pydantic import SecretStr

from app import outbound
from app.errors import DomainError
from app.netbox.errors import (
    NetboxAuthError,
    NetboxNotConfiguredError,
    NetboxObjectNotFoundError,
    NetboxRejectedError,
    NetboxUnreachableError,
)

log = logging.getLogger(__name__)

PAGE_LIMIT = 250
MAX_PAGES = 400
MAX_BODY = 16 * 1024 * 1024
Params = list[tuple[str, str]]


@dataclass(frozen=True)
class Connection:
    """Where NetBox is and how to talk to it."""

    url: str
    token: SecretStr
    verify_tls: bool
    timeout: float
    policy: outbound.Policy

    def __post_init__(self) -> None:
        if not self.url or not self.token.get_secret_value():
            raise NetboxNotConfiguredError()


async def request(
    conn: Connection,
    method: str,
    path: str,
    *,
    params: Params | None = None,
    body: dict[str, Any] | None = None,
) -> Any:
    """One call to `/api/<path>` (path ends with '/'); the decoded JSON answer."""
    url = f"{conn.url}/api/{path}"
    if params:
        url = f"{url}?{urlencode(params)}"
    headers = {
        "Authorization": f"Token {conn.token.get_secret_value()}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }
    content = None if body is None else json.dumps(body).encode()
    reply = await _send(conn, method, url, headers, content)
    return _decode(reply)


async def _send(
    conn: Connection,
    method: str,
    url: str,
    headers: dict[str, str],
    content: bytes | None,
) -> outbound.Reply:
    try:
        return await outbound.fetch(
            conn.policy,
            method,
            url,
            headers=headers,
            content=content,
            seconds=conn.timeout,
            max_body=MAX_BODY,
            verify=conn.verify_tls,
        )
    except DomainError as exc:
        raise NetboxUnreachableError(f"NetBox URL not allowed: {exc.message}") from None
    except httpx.TimeoutException:
        raise NetboxUnreachableError(
            f"NetBox did not answer within {conn.timeout:g} s"
        ) from None
    except httpx.HTTPError as exc:
        if _is_tls(exc):
            raise NetboxUnreachableError(
                "TLS verification of NetBox failed (set netbox_verify_tls to false "
                "for a private CA)"
            ) from None
        raise NetboxUnreachableError(
            f"cannot connect to NetBox: {type(exc).__name__}"
        ) from None


def _is_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


def _decode(reply: outbound.Reply) -> Any:
    try:
        data = json.loads(reply.body) if reply.body else None
    except ValueError:
        data = None
    status = reply.status_code
    if status in (401, 403):
        detail = data.get("detail") if isinstance(data, dict) else None
        raise NetboxAuthError(f"NetBox refused the token: {detail or status}")
    if status == 404:
        raise NetboxObjectNotFoundError("NetBox has no such object")
    if status == 400:
        raise NetboxRejectedError(_rejection(data), details={"netbox": _fields(data)})
    if not 200 <= status < 300 or data is None:
        raise NetboxUnreachableError(f"NetBox answered HTTP {status}")
    return data


def _fields(data: Any) -> dict[str, list[str]]:
    if not isinstance(data, dict):
        return {}
    return {
        str(k)[:100]: [str(m)[:300] for m in (v if isinstance(v, list) else [v])]
        for k, v in list(data.items())[:20]
    }


def _rejection(data: Any) -> str:
    fields = _fields(data)
    if not fields:
        return "NetBox refused the request"
    return "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())


async def list_all(
    conn: Connection, path: str, params: Params | None = None
) -> list[Any]:
    """Every result of a list endpoint, following `next` page by page.

    The next page is asked of the configured URL with the `next` link's query
    (its limit, offset and filters): a NetBox behind a proxy often writes links
    with its internal scheme or host.
    """
    query: Params = [*(params or []), ("limit", str(PAGE_LIMIT))]
    results: list[Any] = []
    for _ in range(MAX_PAGES):
        page = await request(conn, "GET", path, params=query)
        results.extend(page.get("results") or [])
        following = page.get("next")
        if not following or len(results) >= int(page.get("count") or 0):
            return results
        query = parse_qsl(urlsplit(following).query)
    log.warning("NetBox list %s stopped after %d pages", path, MAX_PAGES)
    return results


async def version(conn: Connection) -> str:
    """NetBox's own version (`netbox-version` of /api/status/)."""
    status = await request(conn, "GET", "status/")
    return str(status.get("netbox-version") or "")
