"""What NetBox objects look like to OpsGraph, read off NetBox 4.x API shapes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.netbox.client import Params


@dataclass(frozen=True)
class Ref:
    """A site, role or platform: id, name, slug."""

    id: int
    name: str
    slug: str

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Ref:
        return cls(int(data["id"]), str(data.get("name") or ""), str(data["slug"]))

    @classmethod
    def nested(cls, data: Any) -> Ref | None:
        return None if not isinstance(data, dict) else cls.from_api(data)


@dataclass(frozen=True)
class DeviceType:
    """A NetBox device type: model and manufacturer."""

    id: int
    model: str
    slug: str
    manufacturer: str

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> DeviceType:
        maker = data.get("manufacturer") or {}
        return cls(
            int(data["id"]),
            str(data.get("model") or ""),
            str(data.get("slug") or ""),
            str(maker.get("name") or ""),
        )


@dataclass(frozen=True)
class NetboxDevice:
    """A NetBox device as OpsGraph shows it."""

    id: int
    name: str
    status: str
    site: Ref | None
    role: Ref | None
    device_type: DeviceType | None
    platform: Ref | None
    primary_ip4: str | None
    opsgraph_device_id: int | None

    @classmethod
    def from_api(cls, data: dict[str, Any], device_id: int | None) -> NetboxDevice:
        kind = data.get("device_type")
        return cls(
            id=int(data["id"]),
            name=str(data.get("name") or ""),
            status=str((data.get("status") or {}).get("value") or ""),
            site=Ref.nested(data.get("site")),
            role=Ref.nested(data.get("role")),
            device_type=DeviceType.from_api(kind) if isinstance(kind, dict) else None,
            platform=Ref.nested(data.get("platform")),
            primary_ip4=host_of(data.get("primary_ip4")),
            opsgraph_device_id=device_id,
        )


def host_of(ip: Any) -> str | None:
    """The address of a nested IP without its prefix length ("10.0.0.1/32")."""
    if not isinstance(ip, dict) or not ip.get("address"):
        return None
    return str(ip["address"]).split("/")[0]


@dataclass(frozen=True)
class DeviceQuery:
    """Filters of a device listing; site and role by slug or by id."""

    site: str | None = None
    role: str | None = None
    status: str | None = None
    search: str | None = None


def device_params(query: DeviceQuery) -> Params:
    """NetBox filters: `site`/`site_id`, `role`/`role_id`, `status`, `q`."""
    params: Params = []
    for name, value in (("site", query.site), ("role", query.role)):
        if value:
            params.append((f"{name}_id" if value.isdigit() else name, value))
    if query.status:
        params.append(("status", query.status))
    if query.search:
        params.append(("q", query.search))
    return params
