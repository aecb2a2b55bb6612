"""A scan's probe plan: options and settings resolved, vault secrets opened.

The plan lives only in the worker's memory; the scan row keeps credential ids.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app import secrets, ssh
from app.credentials import service as credentials_service
from app.scans import probes, service, snmp
from app.scans.models import Scan
from app.settings import Settings


@dataclass(frozen=True)
class Plan:
    """Everything the probes of one scan need."""

    scan_id: uuid.UUID
    ping: bool
    method: str
    ports: list[int]
    timeout: float
    window: int
    snmp: bool
    snmp_port: int
    snmp_retries: int
    auths: tuple[snmp.SnmpAuth, ...]
    ssh: bool
    ssh_port: int
    ssh_login: ssh.SSHTarget | None

    def endpoint(self, address: str) -> snmp.Endpoint:
        """Where and how patiently to ask `address` over SNMP."""
        return snmp.Endpoint(address, self.snmp_port, self.timeout, self.snmp_retries)


async def make_plan(session: AsyncSession, scan: Scan, settings: Settings) -> Plan:
    """The plan for `scan`, with its vault credentials opened."""
    opts = service.parse_options(secrets.reveal(service.SECRETS, scan.options))
    vault_ids = [*(opts.snmp_credential_ids or [])]
    if opts.ssh_credential_id is not None:
        vault_ids.append(opts.ssh_credential_id)
    found = await credentials_service.credentials_by_ids(session, vault_ids)
    by_id = {c.id: c for c in found}
    return Plan(
        scan_id=scan.id,
        ping=opts.ping,
        method=probes.choose_method(opts.ping_method),
        ports=opts.tcp_ports or list(settings.scan_tcp_ports),
        timeout=opts.timeout or settings.scan_timeout_seconds,
        window=opts.window or settings.scan_window,
        snmp=opts.snmp,
        snmp_port=opts.snmp_port or settings.snmp_port,
        snmp_retries=settings.snmp_retries,
        auths=snmp_auths(opts, settings, [by_id[i] for i in vault_ids if i in by_id]),
        ssh=opts.ssh,
        ssh_port=opts.ssh_port,
        ssh_login=_ssh_login(by_id.get(opts.ssh_credential_id or 0), opts.ssh_port),
    )


def snmp_auths(
    opts: service.ScanOptions,
    settings: Settings,
    vault: list[credentials_service.Credential],
) -> tuple[snmp.SnmpAuth, ...]:
    """Vault credentials, then option v3 users, then communities, in that order."""
    stored = [vault_auth(c) for c in vault if c.credential_type == "snmp"]
    v3 = [snmp.SnmpAuth("v3", **user.model_dump()) for user in opts.snmp_v3_users or []]
    named = opts.snmp_communities
    communities = (
        named if named is not None else ([] if stored else settings.snmp_communities)
    )
    return (*stored, *v3, *(snmp.SnmpAuth("v2c", community=c) for c in communities))


def vault_auth(credential: credentials_service.Credential) -> snmp.SnmpAuth:
    """An SNMP credential of the vault as an SnmpAuth."""
    secret = credentials_service.secret_of(credential)
    attributes = credential.attributes or {}
    if attributes.get("snmp_version") != "3":
        return snmp.SnmpAuth(
            "v2c", community=secret.get("community"), credential_id=credential.id
        )
    return snmp.SnmpAuth(
        "v3",
        username=attributes.get("security_name") or credential.username,
        auth_key=secret.get("auth_password"),
        auth_protocol=attributes.get("auth_protocol", "SHA"),
        priv_key=secret.get("priv_password"),
        priv_protocol=attributes.get("priv_protocol", "AES"),
        credential_id=credential.id,
    )


def _ssh_login(
    credential: credentials_service.Credential | None, port: int
) -> ssh.SSHTarget | None:
    if credential is None or credential.credential_type != "ssh":
        return None
    secret = credentials_service.secret_of(credential)
    return ssh.SSHTarget(
        host="",
        username=credential.username or "",
        port=port,
        password=secret.get("password"),
        private_key=secret.get("private_key"),
        passphrase=secret.get("passphrase"),
    )
