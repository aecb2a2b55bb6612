"""Turn what an operator named into the exact list of addresses a scan may dial.

Nothing outside the named addresses, ranges, CIDRs and hostnames is ever
produced, the network and broadcast addresses of a CIDR are skipped, and the
size is checked before any list is built, so a huge CIDR costs nothing.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Iterator, Sequence

from app.netaddr import valid_hostname
from app.scans.errors import ScanTargetsError

MAX_TARGET_TEXT = 255
# Digits, dots, dashes and slashes: an address, range or CIDR, never a hostname.
_LITERAL = re.compile(r"[0-9./\-\s]+")


async def resolve(targets: Sequence[str], limit: int) -> list[str]:
    """Every address the targets name; hostnames are resolved (IPv4)."""
    out: list[str] = []
    total = 0
    for target in _validated(targets):
        found = await _addresses(target, limit)
        total += len(found)
        if total > limit:
            raise too_many(limit)
        out.extend(found)
    return _dedupe(out)


def split(text: str) -> list[str]:
    """Targets written as one string, separated by commas or spaces."""
    return [t for t in re.split(r"[,\s]+", text) if t]


def check_size(target: str, limit: int) -> int:
    """How many addresses a literal target names; refuses malformed or too many."""
    if not _LITERAL.fullmatch(target.strip()):
        return 1
    size = _size(target.strip())
    if size > limit:
        raise too_many(limit)
    return size


def _validated(targets: Sequence[str]) -> list[str]:
    if not targets:
        raise ScanTargetsError("targets: at least one target is required")
    cleaned = [t.strip() for t in targets]
    for t in cleaned:
        if not t or len(t) > MAX_TARGET_TEXT:
            raise ScanTargetsError(f"targets: invalid target '{t[:40]}'")
    return cleaned


async def _addresses(target: str, limit: int) -> list[str]:
    if _LITERAL.fullmatch(target):
        return list(_literal(target, limit))
    return [await _lookup(target)]


async def _lookup(hostname: str) -> str:
    if not valid_hostname(hostname):
        raise ScanTargetsError(f"targets: invalid target '{hostname[:40]}'")
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(hostname, None, family=socket.AF_INET)
    except socket.gaierror as exc:
        raise ScanTargetsError(f"targets: cannot resolve '{hostname}'") from exc
    return str(infos[0][4][0])


def _parse(
    target: str,
) -> tuple[ipaddress.IPv4Address, ipaddress.IPv4Address, ipaddress.IPv4Network | None]:
    """(first, last, network-or-None) of an address, range or CIDR."""
    try:
        if "/" in target:
            net = ipaddress.IPv4Network(target, strict=False)
            return net.network_address, net.broadcast_address, net
        if "-" in target:
            start, end = (p.strip() for p in target.split("-", 1))
            first = ipaddress.IPv4Address(start)
            last = ipaddress.IPv4Address(end) if "." in end else _short_end(first, end)
            if last < first:
                raise ScanTargetsError(
                    f"targets: range '{target}' ends before it starts"
                )
            return first, last, None
        one = ipaddress.IPv4Address(target)
    except ValueError as exc:
        raise ScanTargetsError(f"targets: invalid target '{target[:40]}'") from exc
    return one, one, None


def _short_end(first: ipaddress.IPv4Address, end: str) -> ipaddress.IPv4Address:
    """`127.0.0.1-20` means up to 127.0.0.20."""
    head = str(first).rsplit(".", 1)[0]
    return ipaddress.IPv4Address(f"{head}.{int(end)}")


def _size(target: str) -> int:
    first, last, net = _parse(target)
    span = int(last) - int(first) + 1
    return span - 2 if net is not None and net.prefixlen < 31 else span


def _literal(target: str, limit: int) -> Iterator[str]:
    if _size(target) > limit:
        raise too_many(limit)
    first, last, net = _parse(target)
    skip_edges = net is not None and net.prefixlen < 31
    for value in range(int(first), int(last) + 1):
        if skip_edges and value in (int(first), int(last)):
            continue
        yield str(ipaddress.IPv4Address(value))


def too_many(limit: int) -> ScanTargetsError:
    """The refusal of a target list larger than `limit` addresses."""
    return ScanTargetsError(
        f"targets: more than {limit} addresses; narrow the targets",
        details={"max_targets": limit},
    )


def _dedupe(addresses: Iterator[str] | list[str]) -> list[str]:
    return list(dict.fromkeys(addresses))
