"""Outbound connections to addresses users typed in (webhooks, SMTP, NetBox, AI).

The policy is checked when connecting, on every address the name resolves to,
so a DNS answer that changes after validation cannot reach a forbidden address.
A host is read the way the system resolver reads it (`127.1`, `0177.0.0.1`,
`0x7f.0.0.1` and `2130706433` are all 127.0.0.1), and an IPv6 address that
carries an IPv4 one (mapped, 6to4, Teredo, NAT64) is judged by what it carries.
Link-local, cloud metadata services (169.254.169.254, fd00:ec2::254,
100.100.100.200), "this network" (0.0.0.0/8), multicast and reserved
addresses are always refused; loopback only when
`OPSGRAPH_ALLOW_LOOPBACK_URLS=true`. HTTP requests never follow redirects,
never use proxies from the environment, and never read the response body.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from app.errors import InvalidError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class BlockedAddressError(InvalidError):
    """Raised when a URL or host is not allowed by the outbound policy."""

    code = "URL_NOT_ALLOWED"


@dataclass(frozen=True)
class Policy:
    """What outbound connections may reach."""

    allow_loopback: bool = False

    def check_ip(self, raw: str) -> None:
        """Raise BlockedAddressError unless `raw` may be dialled.

        Raises ValueError when `raw` is a name, not an address.
        """
        ip = address_of(raw)
        if isinstance(ip, ipaddress.IPv6Address):
            for inner in embedded_ipv4(ip):
                self._check(inner)
            if ip.ipv4_mapped is not None:
                return
        self._check(ip)

    def _check(self, ip: IPAddress) -> None:
        if ip.is_loopback:
            if not self.allow_loopback:
                raise BlockedAddressError("Loopback addresses are not allowed")
            return
        if ip.is_link_local:
            raise BlockedAddressError("Link-local addresses are not allowed")
        if ip in METADATA:
            raise BlockedAddressError("Cloud metadata addresses are not allowed")
        if ip.is_multicast or ip.is_unspecified or ip.is_reserved or ip in THIS_NETWORK:
            raise BlockedAddressError("This address is not allowed")

    def check_host(self, host: str) -> None:
        """Raise when `host` is a forbidden address; a name is checked on resolving."""
        try:
            self.check_ip(host)
        except ValueError:
            return

    def check_url(self, url: str) -> None:
        """Raise unless `url` is http(s) with a host (literal IPs checked now)."""
        try:
            parts = urlsplit(url)
            host, _ = parts.hostname, parts.port
            httpx.URL(url)
        except (ValueError, httpx.InvalidURL):
            raise BlockedAddressError("Invalid URL") from None
        if parts.scheme not in ("http", "https") or not host:
            raise BlockedAddressError("URL must be http:// or https:// with a host")
        self.check_host(host)

    async def resolve(self, host: str, port: int) -> list[str]:
        """Every address `host` resolves to; raise if any is not allowed."""
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except socket.gaierror as exc:
            raise BlockedAddressError(f"Cannot resolve {host}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:
            self.check_ip(address)
        return addresses


def address_of(raw: str) -> IPAddress:
    """`raw` as an address, read like the resolver reads it; ValueError for a name."""
    text = raw.strip("[]").split("%")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        if ":" in text or not text or not text[0].isdigit():
            raise
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError as exc:
        raise ValueError(f"{raw!r} is not an address") from exc


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 one carries: mapped, 6to4, Teredo, NAT64."""
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if any(ip in net for net in NAT64):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [f for f in found if f is not None]


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves and checks the host at connect time, then dials the checked IP."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109  httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.policy.resolve(host, port)
        return await self.inner.connect_tcp(
            addresses[0], port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> Any:
        raise BlockedAddressError("Unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


async def http_request(
    policy: Policy,
    method: str,
    url: str,
    headers: dict[str, str],
    content: bytes,
    seconds: float = 10.0,
) -> int:
    """Send one request under `policy`; returns the status (body never read)."""
    policy.check_url(url)
    pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl.create_default_context(),
        network_backend=_GuardedBackend(policy),
        retries=0,
    )
    limits = {"connect": seconds, "read": seconds, "write": seconds, "pool": seconds}
    async with (
        pool,
        pool.stream(
            method,
            url,
            headers=list(headers.items()),
            content=content,
            extensions={"timeout": limits},
        ) as response,
    ):
        return int(response.status)


async def tcp_socket(
    policy: Policy, host: str, port: int, seconds: float = 10.0
) -> socket.socket:
    """A connected, non-blocking TCP socket to a checked address of `host`."""
    address = (await policy.resolve(host, port))[0]
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await asyncio.wait_for(
            asyncio.get_running_loop().sock_connect(sock, (address, port)), seconds
        )
    except BaseException:
        sock.close()
        raise
    return sock


@dataclass(frozen=True)
class Reply:
    """An HTTP response read under the policy, its body cut at `max_body` bytes."""

    status_code: int
    headers: dict[str, str]
    body: bytes


async def fetch(
    policy: Policy,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
    seconds: float = 10.0,
    max_body: int = 1_048_576,
    verify: bool = True,
) -> Reply:
    """One httpx request to a checked address of the URL's host, body read (capped).

    The connection goes to the address the policy checked (no DNS rebinding),
    with the original Host header and SNI; no redirects, no proxies from the
    environment. `verify=False` skips TLS certificate checks (an operator's
    choice for an internal service with a private CA).
    """
    policy.check_url(url)
    target = httpx.URL(url)
    port = target.port or (443 if target.scheme == "https" else 80)
    address = (await policy.resolve(target.host, port))[0]
    pinned = target.copy_with(host=address)
    sent = {**(headers or {}), "Host": target.netloc.decode("ascii")}
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    async with (
        httpx.AsyncClient(
            follow_redirects=False, timeout=seconds, trust_env=False, verify=verify
        ) as client,
        client.stream(
            method, pinned, headers=sent, content=content, extensions=extensions
        ) as response,
    ):
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body.extend(chunk[: max_body - len(body)])
            if len(body) >= max_body:
                break
        return Reply(response.status_code, dict(response.headers), bytes(body))
