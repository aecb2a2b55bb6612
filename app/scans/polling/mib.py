"""IF-MIB ifTable/ifXTable and Juniper DOM power, from walked OIDs to rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from app.scans import snmp

IF_TABLE = "1.3.6.1.2.1.2.2.1"
IF_X_TABLE = "1.3.6.1.2.1.31.1.1.1"
# JUNIPER-DOM-MIB jnxDomCurrentEntry, indexed by ifIndex, in 0.01 dBm.
DOM_TABLE = "1.3.6.1.4.1.2636.3.60.1.1.1.1"
ROOTS = (IF_TABLE, IF_X_TABLE, DOM_TABLE)
IF_COLUMNS = {
    2: "description",
    3: "if_type",
    4: "mtu",
    5: "speed",
    6: "mac",
    7: "admin",
    8: "oper",
    10: "in_octets",
    14: "in_errors",
    16: "out_octets",
    20: "out_errors",
}
IF_X_COLUMNS = {1: "name", 6: "hc_in", 10: "hc_out", 15: "high_speed", 18: "alias"}
DOM_COLUMNS = {5: "rx", 7: "tx"}
STATUS = {1: "up", 2: "down", 3: "testing", 5: "dormant", 6: "notPresent"}
STATUS_DEFAULT = "unknown"


@dataclass(frozen=True)
class Interface:
    """One interface as polled."""

    if_index: int
    name: str
    description: str | None
    alias: str | None
    if_type: int | None
    mtu: int | None
    mac_address: str | None
    admin_status: str
    oper_status: str
    speed_bps: int | None
    in_octets: int | None
    out_octets: int | None
    in_errors: int | None
    out_errors: int | None
    rx_power_dbm: float | None
    tx_power_dbm: float | None


def columns(walked: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Walked values grouped by ifIndex, keyed by column name."""
    rows: dict[int, dict[str, Any]] = defaultdict(dict)
    for root, names in ((IF_TABLE, IF_COLUMNS), (IF_X_TABLE, IF_X_COLUMNS)):
        _collect(walked, root, names, rows)
    _collect(walked, DOM_TABLE, DOM_COLUMNS, rows, only_known=True)
    return rows


def _collect(
    walked: dict[str, Any],
    root: str,
    names: dict[int, str],
    rows: dict[int, dict[str, Any]],
    only_known: bool = False,
) -> None:
    prefix = root + "."
    for oid, value in walked.items():
        if not oid.startswith(prefix):
            continue
        column, _, index = oid[len(prefix) :].partition(".")
        name = names.get(int(column))
        if name is None or not index.isdigit():
            continue
        if only_known and int(index) not in rows:
            continue
        rows[int(index)][name] = value


def interfaces(walked: dict[str, Any]) -> list[Interface]:
    """Every interface the walk found, in ifIndex order."""
    return [_row(i, c) for i, c in sorted(columns(walked).items()) if "oper" in c]


def _row(index: int, c: dict[str, Any]) -> Interface:
    return Interface(
        if_index=index,
        name=snmp.text(c.get("name")) or snmp.text(c.get("description")) or str(index),
        description=snmp.text(c.get("description")),
        alias=snmp.text(c.get("alias")) or None,
        if_type=_int(c.get("if_type")),
        mtu=_int(c.get("mtu")),
        mac_address=_mac(c.get("mac")),
        admin_status=STATUS.get(_int(c.get("admin")) or 0, STATUS_DEFAULT),
        oper_status=STATUS.get(_int(c.get("oper")) or 0, STATUS_DEFAULT),
        speed_bps=_speed(c),
        in_octets=_int(c.get("hc_in", c.get("in_octets"))),
        out_octets=_int(c.get("hc_out", c.get("out_octets"))),
        in_errors=_int(c.get("in_errors")),
        out_errors=_int(c.get("out_errors")),
        rx_power_dbm=_dbm(c.get("rx")),
        tx_power_dbm=_dbm(c.get("tx")),
    )


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None


def _speed(c: dict[str, Any]) -> int | None:
    high = _int(c.get("high_speed"))
    if high:
        return high * 1_000_000
    return _int(c.get("speed"))


def _mac(value: Any) -> str | None:
    if value is None or not hasattr(value, "asOctets"):
        return None
    raw = value.asOctets()
    return ":".join(f"{b:02x}" for b in raw) if raw else None


def _dbm(value: Any) -> float | None:
    return None if value is None else round(int(value) / 100, 2)
