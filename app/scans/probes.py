"""Reachability and SSH banner probes: ICMP echo or TCP connect, plain TCP read."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import struct
import time
from dataclasses import dataclass, field
from functools import cache

ICMP_ECHO_REQUEST = 8
ICMP_ECHO_REPLY = 0
BANNER_LIMIT = 255


@dataclass(frozen=True)
class Reachability:
    """Whether an address answered, how it was asked, and how fast."""

    reachable: bool
    method: str
    latency_ms: float | None = None
    open_ports: list[int] = field(default_factory=list)


@cache
def icmp_available() -> bool:
    """True when the kernel lets this process open unprivileged ICMP sockets."""
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
    except OSError:
        return False
    sock.close()
    return True


def choose_method(requested: str) -> str:
    """`icmp` or `tcp` for a requested `auto`, `icmp` or `tcp`."""
    if requested == "tcp" or not icmp_available():
        return "tcp"
    return "icmp"


async def reach(
    address: str, method: str, ports: list[int], wait: float
) -> Reachability:
    """Probe `address` with `method`; TCP also records which ports accepted."""
    if method == "icmp":
        latency = await icmp_echo(address, wait)
        return Reachability(latency is not None, "icmp", latency)
    started = time.perf_counter()
    results = await asyncio.gather(*(tcp_open(address, p, wait) for p in ports))
    open_ports = [p for p, ok in zip(ports, results, strict=True) if ok]
    latency = _ms(started) if open_ports else None
    return Reachability(bool(open_ports), "tcp", latency, open_ports)


async def icmp_echo(address: str, wait: float) -> float | None:
    """Round-trip milliseconds of one echo request, or None without a reply."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    ident = os.getpid() & 0xFFFF
    packet = _echo_packet(ident, int(time.monotonic_ns() & 0xFFFF))
    started = time.perf_counter()
    try:
        await loop.sock_sendto(sock, packet, (address, 0))
        async with asyncio.timeout(wait):
            while True:
                reply = await loop.sock_recv(sock, 1024)
                if reply and reply[0] == ICMP_ECHO_REPLY:
                    return _ms(started)
    except (TimeoutError, OSError):
        return None
    finally:
        sock.close()


def _echo_packet(ident: int, seq: int) -> bytes:
    # The kernel rewrites the id and checksum of datagram ICMP sockets.
    return struct.pack("!BBHHH", ICMP_ECHO_REQUEST, 0, 0, ident, seq) + b"opsgraph"


async def tcp_open(address: str, port: int, wait: float) -> bool:
    """True when `address:port` accepts a TCP connection within `wait` seconds."""
    try:
        async with asyncio.timeout(wait):
            _reader, writer = await asyncio.open_connection(address, port)
    except (TimeoutError, OSError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def ssh_banner(address: str, port: int, wait: float) -> str | None:
    """The identification line an SSH server sends first, or None."""
    try:
        async with asyncio.timeout(wait):
            reader, writer = await asyncio.open_connection(address, port)
            try:
                line = await reader.readline()
            finally:
                writer.close()
    except (TimeoutError, OSError):
        return None
    text = line[:BANNER_LIMIT].decode("ascii", "replace").strip()
    return text if text.startswith("SSH-") else None


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
