"""Scan and poller defaults (the legacy dashboard's settings), one stored row."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import secrets
from app.scans import targets
from app.scans.errors import ScanTargetsError
from app.scans.models import ScanDefaults
from app.settings import Settings

SECRET = ("snmp_communities",)
SECRETS = "scan_defaults.values"  # its secret fields: app/secrets.py


class Defaults(BaseModel):
    """What a legacy `/scan` uses when the request leaves it out."""

    model_config = ConfigDict(extra="forbid")
    network_range: str = Field(default="", max_length=255)
    snmp_communities: list[str] = Field(default_factory=list, max_length=8)
    snmp_credential_ids: list[int] = Field(default_factory=list, max_length=8)
    ssh_credential_id: int | None = None
    snmp_port: int = Field(default=161, ge=1, le=65535)
    ssh_port: int = Field(default=22, ge=1, le=65535)
    tcp_ports: list[int] = Field(default_factory=lambda: [22, 23, 80, 443, 830])
    timeout: float = Field(default=1.0, gt=0, le=30)
    window: int = Field(default=64, ge=1, le=1024)

    def scan_options(self, **flags: bool) -> dict[str, Any]:
        """Scan options built from these defaults and the probe `flags`."""
        options: dict[str, Any] = {
            "snmp_port": self.snmp_port,
            "ssh_port": self.ssh_port,
            "tcp_ports": self.tcp_ports,
            "timeout": self.timeout,
            "window": self.window,
            **flags,
        }
        if self.snmp_communities:
            options["snmp_communities"] = self.snmp_communities
        if self.snmp_credential_ids:
            options["snmp_credential_ids"] = self.snmp_credential_ids
        if self.ssh_credential_id is not None:
            options["ssh_credential_id"] = self.ssh_credential_id
        return options


def public(defaults: Defaults) -> dict[str, Any]:
    """The defaults as shown: communities replaced by a count."""
    shown = defaults.model_dump()
    for key in SECRET:
        shown[key] = f"<{len(shown[key])} hidden>" if shown[key] else []
    return shown


async def load(session: AsyncSession) -> Defaults:
    """The stored defaults, or the built-in ones."""
    row = await session.scalar(select(ScanDefaults).where(ScanDefaults.id == 1))
    if row is None:
        return Defaults()
    return Defaults.model_validate(secrets.reveal(SECRETS, row.values))


def validate(raw: dict[str, Any], current: Defaults, settings: Settings) -> Defaults:
    """`current` updated with `raw`; a hidden secret placeholder keeps its value."""
    merged = {**current.model_dump(), **raw}
    for key in SECRET:
        if isinstance(merged.get(key), str) and merged[key].startswith("<"):
            merged[key] = getattr(current, key)
    try:
        parsed = Defaults.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ScanTargetsError(f"{where}: {first['msg']}") from exc
    target_count(parsed, settings)
    return parsed


def target_count(defaults: Defaults, settings: Settings) -> int:
    """How many addresses the default network range names (hostnames count one)."""
    total = sum(
        targets.check_size(t, settings.scan_max_targets)
        for t in targets.split(defaults.network_range)
    )
    if total > settings.scan_max_targets:
        raise targets.too_many(settings.scan_max_targets)
    return total


async def save(session: AsyncSession, defaults: Defaults) -> Defaults:
    """Store `defaults` as the one row."""
    mine = select(ScanDefaults).where(ScanDefaults.id == 1).with_for_update()
    row = await session.scalar(mine)
    sealed = secrets.seal(SECRETS, defaults.model_dump())
    if row is None:
        try:
            async with session.begin_nested():
                session.add(ScanDefaults(id=1, values=sealed))
        except IntegrityError:  # a concurrent first save inserted the row
            row = (await session.scalars(mine)).one()
        else:
            return defaults
    row.values = sealed
    await session.flush()
    return defaults
