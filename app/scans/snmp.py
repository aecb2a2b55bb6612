"""SNMP over pysnmp's asyncio API: one engine per event loop, v2c and v3.

A new SnmpEngine costs about 140 ms, so every probe and poll of a process
shares the engine of its loop. A v2c GET (what a discovery sweep sends to
every address) goes through pysnmp's v1arch dispatcher instead: the engine
writes each new target address into its MIB tables (about 3 ms of CPU per
address), the dispatcher only encodes and sends (about 0.4 ms), and here it
times a request out exactly at its deadline.

The engine counts timeouts in whole ticks of its dispatcher's timer (0.1 s by
default) and counts a tick per timer wake-up, so a request times out anywhere
in the last tick before its deadline and a busy loop stretches every timeout.
Here the tick count is read off the clock (fractional) and checked every
`TICK` seconds: a request waits at least its timeout and at most `TICK` more.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pysnmp.carrier.asyncio.dispatch import AsyncioDispatcher
from pysnmp.hlapi.v1arch import asyncio as v1
from pysnmp.hlapi.v3arch import asyncio as hl
from pysnmp.proto.api import v2c as v2c_api
from pysnmp.proto.rfc1902 import ObjectName
from pysnmp.proto.rfc1905 import EndOfMibView, NoSuchInstance, NoSuchObject
from pysnmp.smi import builder, view

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
# 50 wake-ups a second cost an idle worker about 0.6% of a core.
TICK = 0.02
# The v1/v2c dispatcher checks deadlines exactly; its tick only backs that up.
SAFETY_TICK = 1.0
# pysnmp stamps a request's deadline with time.time() just before the loop's
# (monotonic) timer is armed; a millisecond covers the clocks' rounding.
DEADLINE_SLACK = 0.001

_AUTH = {
    "NONE": hl.usmNoAuthProtocol,
    "MD5": hl.usmHMACMD5AuthProtocol,
    "SHA": hl.usmHMACSHAAuthProtocol,
    "SHA224": hl.usmHMAC128SHA224AuthProtocol,
    "SHA256": hl.usmHMAC192SHA256AuthProtocol,
    "SHA384": hl.usmHMAC256SHA384AuthProtocol,
    "SHA512": hl.usmHMAC384SHA512AuthProtocol,
}
_PRIV = {
    "NONE": hl.usmNoPrivProtocol,
    "DES": hl.usmDESPrivProtocol,
    "3DES": hl.usm3DESEDEPrivProtocol,
    "AES": hl.usmAesCfb128Protocol,
    "AES128": hl.usmAesCfb128Protocol,
    "AES192": hl.usmAesCfb192Protocol,
    "AES256": hl.usmAesCfb256Protocol,
}
AUTH_PROTOCOLS = tuple(_AUTH)
PRIV_PROTOCOLS = tuple(_PRIV)
_engines: dict[asyncio.AbstractEventLoop, hl.SnmpEngine] = {}
_dispatchers: dict[asyncio.AbstractEventLoop, v1.SnmpDispatcher] = {}


@dataclass(frozen=True)
class SnmpAuth:
    """One way to ask: a v2c community or a v3 user. Secrets stay out of repr()."""

    version: str
    community: str | None = field(default=None, repr=False)
    username: str | None = None
    auth_key: str | None = field(default=None, repr=False)
    auth_protocol: str = "SHA"
    priv_key: str | None = field(default=None, repr=False)
    priv_protocol: str = "AES"
    context: str = ""
    credential_id: int | None = None

    @property
    def label(self) -> str:
        """How results name this auth without revealing it: `v2c` or `v3:<user>`."""
        return "v2c" if self.version == "v2c" else f"v3:{self.username}"


@dataclass(frozen=True)
class Endpoint:
    """An agent address with the timeouts to use for it."""

    address: str
    port: int = 161
    timeout: float = 1.0
    retries: int = 0


class _OfflineMibBuilder(builder.MibBuilder):
    """A MIB builder that never gets pysmi's compiler.

    OIDs here are numeric, so no MIB needs compiling; with pysmi installed,
    pysnmp would otherwise build its parser (about a second of blocked loop)
    and could fetch missing MIBs over HTTP.
    """

    def get_mib_compiler(self) -> object:
        return self


class _ClockDispatcher(AsyncioDispatcher):
    """pysnmp's asyncio dispatcher with its timer ticks counted from the clock."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop=loop)
        self.set_timer_resolution(TICK)
        self._epoch = time.monotonic()

    def get_timer_ticks(self) -> float:
        return (time.monotonic() - self._epoch) / TICK


def engine() -> hl.SnmpEngine:
    """The SNMP engine of the running loop, created on first use."""
    loop = asyncio.get_running_loop()
    found = _engines.get(loop)
    if found is None:
        found = _engines[loop] = hl.SnmpEngine()
        found.cache["mibViewController"] = view.MibViewController(_OfflineMibBuilder())
        found.register_transport_dispatcher(_ClockDispatcher(loop))
    return found


class _CommunityDispatcher(v1.SnmpDispatcher):
    """pysnmp's v1/v2c dispatcher, checking each request when its deadline falls.

    Its own timer only sweeps pending requests every tick; here a request is
    also checked at its exact deadline (and again after each retry), so it
    waits its timeout and no tick longer. The tick stays as a slow safety net.
    """

    def send_pdu(
        self,
        authData: Any,
        transportTarget: Any,
        reqPdu: Any,
        cbFun: Any = None,
        cbCtx: Any = None,
    ) -> int:
        """Send as pysnmp does, then arm the request's deadline check."""
        request_id = int(
            super().send_pdu(authData, transportTarget, reqPdu, cbFun, cbCtx)
        )
        self._check_at_deadline(request_id, transportTarget.timeout)
        return request_id

    def _check_at_deadline(self, request_id: int, timeout: float) -> None:
        asyncio.get_running_loop().call_later(
            timeout + DEADLINE_SLACK, self._check, request_id, timeout
        )

    def _check(self, request_id: int, timeout: float) -> None:
        self._timer_callback(time.time())
        if request_id in self._pendingReqs:
            self._check_at_deadline(request_id, timeout)


def community_dispatcher() -> v1.SnmpDispatcher:
    """The v1/v2c dispatcher of the running loop, created on first use."""
    loop = asyncio.get_running_loop()
    found = _dispatchers.get(loop)
    if found is None:
        found = _dispatchers[loop] = _CommunityDispatcher()
        found.transport_dispatcher.set_timer_resolution(SAFETY_TICK)
    return found


@cache
def _plain_varbinds(oids: tuple[str, ...]) -> tuple[tuple[Any, Any], ...]:
    """`oids` as plain request var-binds: no MIB lookup on the way out or back."""
    return tuple((ObjectName(o), v2c_api.null) for o in oids)


def _resolved_varbinds(oids: tuple[str, ...]) -> tuple[Any, ...]:
    """`oids` as the engine's request var-binds, resolved once per engine.

    The engine resolves every ObjectType against the MIB view on each request
    (about 40% of its CPU for a GET) unless it was resolved before.
    """
    found = engine()
    built: dict[tuple[str, ...], tuple[Any, ...]] = found.cache.setdefault(
        "opsgraph_varbinds", {}
    )
    if oids not in built:
        controller = found.cache["mibViewController"]
        built[oids] = tuple(
            hl.ObjectType(hl.ObjectIdentity(o)).resolve_with_mib(controller)
            for o in oids
        )
    return built[oids]


class _ResolvedUdpTarget(hl.UdpTransportTarget):
    """A UDP target for a literal IPv4 address: no resolver thread per request."""

    async def _resolve_address(self, transportAddr: tuple[str, int]) -> tuple[str, int]:
        return transportAddr


class _ResolvedV1UdpTarget(v1.UdpTransportTarget):
    """The same for the v1/v2c dispatcher."""

    async def _resolve_address(self, transportAddr: tuple[str, int]) -> tuple[str, int]:
        return transportAddr


async def _target(endpoint: Endpoint, *, community: bool = False) -> Any:
    try:
        ipaddress.IPv4Address(endpoint.address)
    except ValueError:
        kind = v1.UdpTransportTarget if community else hl.UdpTransportTarget
    else:
        kind = _ResolvedV1UdpTarget if community else _ResolvedUdpTarget
    return await kind.create(
        (endpoint.address, endpoint.port),
        timeout=endpoint.timeout,
        retries=endpoint.retries,
    )


def _auth_data(auth: SnmpAuth) -> Any:
    if auth.version == "v2c":
        # v2c is what most fleets still speak; v3 users are tried first.
        return hl.CommunityData(auth.community or "", mpModel=1)  # noqa: S508
    return hl.UsmUserData(
        auth.username or "",
        auth.auth_key,
        auth.priv_key,
        authProtocol=_AUTH[auth.auth_protocol if auth.auth_key else "NONE"],
        privProtocol=_PRIV[auth.priv_protocol if auth.priv_key else "NONE"],
    )


async def get(
    endpoint: Endpoint, auth: SnmpAuth, oids: Sequence[str]
) -> dict[str, Any]:
    """The values of `oids`, missing ones left out; {} when the agent is silent."""
    if auth.version == "v2c":
        error, status, _index, binds = await v1.get_cmd(
            community_dispatcher(),
            v1.CommunityData(auth.community or "", mpModel=1),  # noqa: S508
            await _target(endpoint, community=True),
            *_plain_varbinds(tuple(oids)),
            lookupMib=False,
        )
    else:
        error, status, _index, binds = await hl.get_cmd(
            engine(),
            _auth_data(auth),
            await _target(endpoint),
            hl.ContextData(contextName=auth.context),
            *_resolved_varbinds(tuple(oids)),
            lookupMib=False,
        )
    if error or status:
        return {}
    return {str(name): value for name, value in binds if _present(value)}


async def walk(
    endpoint: Endpoint, auth: SnmpAuth, root: str, limit: int = 10_000
) -> dict[str, Any]:
    """Every value under `root` (GETBULK), keyed by full OID."""
    target = await _target(endpoint)
    found: dict[str, Any] = {}
    async for error, status, _index, binds in hl.bulk_walk_cmd(
        engine(),
        _auth_data(auth),
        target,
        hl.ContextData(contextName=auth.context),
        0,
        25,
        hl.ObjectType(hl.ObjectIdentity(root)),
        lexicographicMode=False,
        lookupMib=False,
    ):
        if error or status:
            break
        found.update((str(n), v) for n, v in binds if _present(v))
        if len(found) >= limit:
            break
    return found


def text(value: Any) -> str | None:
    """An SNMP value as text: octet strings decoded, OIDs dotted."""
    if value is None:
        return None
    if hasattr(value, "asOctets"):
        return str(value.asOctets().decode("utf-8", "replace"))
    return str(value)


def _present(value: Any) -> bool:
    return not isinstance(value, NoSuchObject | NoSuchInstance | EndOfMibView)


async def first_answer(
    endpoint: Endpoint, auths: Sequence[SnmpAuth], oids: Sequence[str]
) -> tuple[SnmpAuth, dict[str, Any]] | None:
    """The first auth the agent answers, with its values; None if none does."""
    for auth in auths:
        values = await get(endpoint, auth, oids)
        if values:
            return auth, values
    return None
