"""LLDP-MIB and CISCO-CDP-MIB neighbour tables, from walked OIDs to rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.scans import snmp

LLDP_REMOTE = "1.0.8802.1.1.2.1.4.1.1"
LLDP_LOCAL_PORT = "1.0.8802.1.1.2.1.3.7.1"
CDP_CACHE = "1.3.6.1.4.1.9.9.23.1.2.1.1"
ROOTS = (LLDP_REMOTE, LLDP_LOCAL_PORT, CDP_CACHE)
LLDP_REMOTE_COLUMNS = {7: "port_id", 8: "port_desc", 9: "sys_name"}
CDP_COLUMNS = {6: "device_id", 7: "port"}


@dataclass(frozen=True)
class Neighbor:
    """One adjacency seen from a device."""

    protocol: str
    local_port: str
    remote_name: str
    remote_port: str


def _table(
    walked: dict[str, Any], root: str, names: dict[int, str]
) -> dict[tuple[int, ...], dict[str, str]]:
    rows: dict[tuple[int, ...], dict[str, str]] = {}
    prefix = root + "."
    for oid, value in walked.items():
        if not oid.startswith(prefix):
            continue
        column, *index = (int(p) for p in oid[len(prefix) :].split("."))
        if column in names:
            rows.setdefault(tuple(index), {})[names[column]] = snmp.text(value) or ""
    return rows


def lldp(walked: dict[str, Any]) -> list[Neighbor]:
    """LLDP remote systems; index is (timeMark, localPortNum, remIndex)."""
    local = _table(walked, LLDP_LOCAL_PORT, {3: "id", 4: "desc"})
    found = []
    for index, row in sorted(_table(walked, LLDP_REMOTE, LLDP_REMOTE_COLUMNS).items()):
        port = local.get(index[1:2], {})
        found.append(
            Neighbor(
                "lldp",
                port.get("desc") or port.get("id") or str(index[1]),
                row.get("sys_name", ""),
                row.get("port_desc") or row.get("port_id", ""),
            )
        )
    return found


def cdp(walked: dict[str, Any], if_names: dict[int, str]) -> list[Neighbor]:
    """CDP cache entries; index is (ifIndex, deviceIndex)."""
    return [
        Neighbor(
            "cdp",
            if_names.get(index[0], str(index[0])),
            row.get("device_id", ""),
            row.get("port", ""),
        )
        for index, row in sorted(_table(walked, CDP_CACHE, CDP_COLUMNS).items())
    ]


def neighbors(walked: dict[str, Any], if_names: dict[int, str]) -> list[Neighbor]:
    """Every LLDP and CDP neighbour in the walk."""
    return [*lldp(walked), *cdp(walked, if_names)]
