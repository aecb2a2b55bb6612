"""One SNMP GET on demand (workflow nodes): typed varbinds and absent OIDs.

Scans probe many addresses with fixed OIDs; this reads the OIDs a caller names
from one agent, as a vault credential or a community.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pysnmp.hlapi.v3arch import asyncio as hl
from pysnmp.proto import rfc1902
from sqlalchemy.ext.asyncio import AsyncSession

from app import outbound
from app.credentials import service as credentials_service
from app.db import Sessionmaker
from app.devices import service as devices_service
from app.scans import snmp, targets
from app.scans.errors import ScanTargetsError, SnmpNoAnswerError, SnmpRequestError
from app.settings import Settings

SNMP_GET_MAX_OIDS = 64
_OID = re.compile(r"^\.?[0-2](\.[0-9]+){1,127}$")


@dataclass(frozen=True)
class SnmpGetRequest:
    """One SNMP GET: which agent (address or fleet device), as whom, and what."""

    oids: Sequence[str]
    address: str | None = None
    device_id: int | None = None
    credential_id: int | None = None
    community: str | None = field(default=None, repr=False)
    port: int | None = None
    timeout: float | None = None
    retries: int | None = None


@dataclass(frozen=True)
class SnmpReading:
    """An agent's answer: each present OID's type and value, and the absent OIDs."""

    address: str
    port: int
    auth: str
    varbinds: list[dict[str, Any]]
    missing: list[str]


def check_oids(oids: Sequence[str]) -> None:
    """Raise SnmpRequestError unless `oids` are 1 to 64 numeric OIDs."""
    if not 1 <= len(oids) <= SNMP_GET_MAX_OIDS:
        raise SnmpRequestError(f"oids: give 1 to {SNMP_GET_MAX_OIDS} OIDs")
    for oid in oids:
        if not _OID.match(oid):
            raise SnmpRequestError(f"oids: {oid[:60]!r} is not a numeric OID")


async def get(
    db: Sessionmaker, settings: Settings, request: SnmpGetRequest
) -> SnmpReading:
    """GET `request.oids` from one agent with a vault SNMP credential or a community."""
    check_oids(request.oids)
    async with db() as session:
        address = await _snmp_address(session, request)
        auth = await _snmp_auth(session, request)
    try:
        outbound.Policy(allow_loopback=settings.allow_loopback_urls).check_ip(address)
    except outbound.BlockedAddressError as exc:
        raise SnmpRequestError(f"address: {address}: {exc.message}") from None
    endpoint = snmp.Endpoint(
        address,
        request.port or settings.snmp_port,
        request.timeout or settings.scan_timeout_seconds,
        settings.snmp_retries if request.retries is None else request.retries,
    )
    snmp.engine()  # building an engine blocks the loop: never inside the timed GET
    reply = await get_reply(endpoint, auth, list(request.oids))
    if reply.error is not None:
        raise SnmpNoAnswerError(address, reply.error)
    return SnmpReading(
        address,
        endpoint.port,
        auth.label,
        [
            {"oid": oid, "type": type(value).__name__, "value": plain(value)}
            for oid, value in reply.values.items()
            if value is not None
        ],
        [oid for oid, value in reply.values.items() if value is None],
    )


async def _snmp_address(session: AsyncSession, request: SnmpGetRequest) -> str:
    if request.device_id is not None:
        return (await devices_service.get_device(session, request.device_id)).address
    if not request.address:
        raise SnmpRequestError("address or device_id is required")
    try:
        [address] = await targets.resolve([request.address], 1)
    except ScanTargetsError as exc:
        raise SnmpRequestError(f"address: {exc.message}") from exc
    return address


async def _snmp_auth(session: AsyncSession, request: SnmpGetRequest) -> snmp.SnmpAuth:
    if request.credential_id is not None:
        found = await credentials_service.credentials_by_ids(
            session, [request.credential_id]
        )
        if not found or found[0].credential_type != "snmp":
            raise SnmpRequestError(
                f"credential {request.credential_id} is not an SNMP credential"
            )
        # plan imports service, which imports this module: import it when used.
        from app.scans import plan

        return plan.vault_auth(found[0])
    if request.community is None:
        raise SnmpRequestError("credential_id or community is required")
    return snmp.SnmpAuth("v2c", community=request.community)


@dataclass(frozen=True)
class Reply:
    """An agent's answer to a GET: why it failed, or each OID's value (None: absent)."""

    error: str | None
    values: dict[str, Any]


async def get_reply(
    endpoint: snmp.Endpoint, auth: snmp.SnmpAuth, oids: Sequence[str]
) -> Reply:
    """A GET of `oids` that says why it failed and which OIDs the agent lacks.

    `snmp.get` folds silence, refusals and absent objects into "nothing" (what
    a sweep wants); a caller reporting the outcome to a person needs them apart.
    It shares snmp.py's engine, target and auth helpers, leaving that module
    to the probes it serves.
    """
    target = await snmp._target(endpoint)
    error, status, index, binds = await hl.get_cmd(
        snmp.engine(),
        snmp._auth_data(auth),
        target,
        hl.ContextData(contextName=auth.context),
        *(hl.ObjectType(hl.ObjectIdentity(o)) for o in oids),
        lookupMib=False,
    )
    if error:
        return Reply(str(error), {})
    if status:
        return Reply(f"{status.prettyPrint()} at varbind {int(index)}", {})
    return Reply(None, {str(n): v if snmp._present(v) else None for n, v in binds})


_NUMBERS = (
    rfc1902.Integer32,
    rfc1902.Counter32,
    rfc1902.Gauge32,
    rfc1902.Unsigned32,
    rfc1902.TimeTicks,
    rfc1902.Counter64,
)


def plain(value: Any) -> int | str:
    """An SNMP value for JSON: numbers as int, printable text decoded, else hex."""
    if isinstance(value, _NUMBERS):
        return int(value)
    if isinstance(value, rfc1902.IpAddress):
        return str(value.prettyPrint())
    if isinstance(value, rfc1902.OctetString | rfc1902.Opaque):
        raw = bytes(value.asOctets())
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            return "0x" + raw.hex()
        if all(c.isprintable() or c in "\r\n\t" for c in decoded):
            return decoded
        return "0x" + raw.hex()
    return str(value.prettyPrint())
