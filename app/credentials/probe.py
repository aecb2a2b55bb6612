"""Really try a credential against a target: an SSH login or an SNMP GET."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pysnmp.hlapi.v3arch import asyncio as snmp

from app import ssh
from app.credentials.models import Credential

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
_AUTH = {
    "MD5": snmp.usmHMACMD5AuthProtocol,
    "SHA": snmp.usmHMACSHAAuthProtocol,
    "SHA224": snmp.usmHMAC128SHA224AuthProtocol,
    "SHA256": snmp.usmHMAC192SHA256AuthProtocol,
    "SHA384": snmp.usmHMAC256SHA384AuthProtocol,
    "SHA512": snmp.usmHMAC384SHA512AuthProtocol,
}
_PRIV = {
    "DES": snmp.usmDESPrivProtocol,
    "3DES": snmp.usm3DESEDEPrivProtocol,
    "AES": snmp.usmAesCfb128Protocol,
    "AES128": snmp.usmAesCfb128Protocol,
    "AES192": snmp.usmAesCfb192Protocol,
    "AES256": snmp.usmAesCfb256Protocol,
}


@dataclass(frozen=True)
class ProbeResult:
    """What happened when a credential was tried; never holds the secret."""

    success: bool
    protocol: str
    target: str
    port: int
    code: str | None
    message: str
    duration_ms: float
    details: dict[str, str] = field(default_factory=dict)


async def probe(
    credential: Credential,
    secret: dict[str, str],
    target: str,
    port: int | None,
    limits: ssh.SSHLimits,
) -> ProbeResult:
    """Try `credential` against `target` with its own protocol."""
    if credential.credential_type == "snmp":
        return await _snmp(credential, secret, target, port or 161, limits)
    return await _ssh(credential, secret, target, port or credential.port or 22, limits)


async def _ssh(
    credential: Credential,
    secret: dict[str, str],
    host: str,
    port: int,
    limits: ssh.SSHLimits,
) -> ProbeResult:
    started = time.perf_counter()
    login = ssh.SSHTarget(
        host=host,
        username=credential.username or "root",
        port=port,
        password=secret.get("password"),
        private_key=secret.get("private_key"),
        passphrase=secret.get("passphrase"),
    )
    try:
        async with ssh.session(login, limits) as connected:
            host_key = connected.host_key
    except ssh.SSHError as exc:
        return ProbeResult(
            False, "ssh", host, port, exc.code, exc.message, _ms(started)
        )
    return ProbeResult(
        True,
        "ssh",
        host,
        port,
        None,
        f"Logged in to {host}:{port} as {login.username}",
        _ms(started),
        {"host_key": host_key},
    )


async def _snmp(
    credential: Credential,
    secret: dict[str, str],
    host: str,
    port: int,
    limits: ssh.SSHLimits,
) -> ProbeResult:
    started = time.perf_counter()
    engine = snmp.SnmpEngine()
    try:
        transport = await snmp.UdpTransportTarget.create(
            (host, port), timeout=limits.connect_timeout, retries=0
        )
        error, status, _index, binds = await snmp.get_cmd(
            engine,
            _snmp_auth(credential, secret),
            transport,
            snmp.ContextData(),
            snmp.ObjectType(snmp.ObjectIdentity(SYS_DESCR)),
        )
    except OSError as exc:
        return ProbeResult(
            False, "snmp", host, port, "SNMP_ERROR", str(exc.strerror), _ms(started)
        )
    finally:
        engine.close_dispatcher()
    if error or status:
        code = "SNMP_TIMEOUT" if "timeout" in str(error).lower() else "SNMP_ERROR"
        text = str(error or status.prettyPrint())
        return ProbeResult(False, "snmp", host, port, code, text, _ms(started))
    descr = str(binds[0][1].prettyPrint()) if binds else ""
    message = f"SNMP GET sysDescr from {host}:{port} succeeded"
    return ProbeResult(
        True, "snmp", host, port, None, message, _ms(started), {"sysDescr": descr}
    )


def _snmp_auth(
    credential: Credential, secret: dict[str, str]
) -> snmp.CommunityData | snmp.UsmUserData:
    attrs = credential.attributes
    version = attrs.get("snmp_version", "2c")
    if version != "3":
        return snmp.CommunityData(
            secret["community"], mpModel=0 if version == "1" else 1
        )
    auth = secret.get("auth_password")
    priv = secret.get("priv_password")
    return snmp.UsmUserData(
        attrs["security_name"],
        authKey=auth,
        privKey=priv,
        authProtocol=_AUTH[attrs.get("auth_protocol", "SHA")] if auth else None,
        privProtocol=_PRIV[attrs.get("priv_protocol", "AES")] if priv else None,
    )


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
