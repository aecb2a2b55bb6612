"""Vendor and model from sysObjectID (enterprise number) and sysDescr."""

from __future__ import annotations

import re

ENTERPRISE = "1.3.6.1.4.1."
VENDORS = {
    9: "Cisco",
    11: "HP",
    171: "D-Link",
    311: "Microsoft",
    674: "Dell",
    1588: "Brocade",
    1916: "Extreme",
    2011: "Huawei",
    2636: "Juniper",
    4526: "Netgear",
    6141: "Ciena",
    6527: "Nokia",
    8072: "Net-SNMP",
    12356: "Fortinet",
    14988: "MikroTik",
    25461: "Palo Alto",
    25506: "H3C",
    30065: "Arista",
    41112: "Ubiquiti",
}
# One pattern per vendor whose sysDescr names the model; group 1 is the model.
MODEL_PATTERNS = {
    "Cisco": re.compile(r"\b(?:Software \()?(C\d{3,4}[A-Z]*|ASR\d+|ISR\d+|N\dK)[-\s)]"),
    "Juniper": re.compile(r"Juniper Networks, Inc\. (\S+)", re.IGNORECASE),
    "Ciena": re.compile(r"\b(\d{4}(?:-\w+)?)\b"),
    "Arista": re.compile(
        r"Arista Networks EOS .*? running on an Arista Networks (\S+)"
    ),
    "MikroTik": re.compile(r"RouterOS (\S+)"),
    "Huawei": re.compile(r"Huawei \S+ \S+ (\S+)"),
}
DEVICE_TYPES = (
    ("router", re.compile(r"router|routeros|asr\d|isr\d|junos.*(mx|srx)", re.I)),
    ("switch", re.compile(r"switch|c2960|c3750|c9300|ex\d{4}|eos|saos", re.I)),
    ("firewall", re.compile(r"firewall|fortigate|pan-os|asa", re.I)),
    ("server", re.compile(r"linux|windows|freebsd", re.I)),
)


def enterprise_number(sys_object_id: str | None) -> int | None:
    """The private enterprise number of a sysObjectID, if it has one."""
    if not sys_object_id or not sys_object_id.startswith(ENTERPRISE):
        return None
    head = sys_object_id[len(ENTERPRISE) :].split(".", 1)[0]
    return int(head) if head.isdigit() else None


def vendor(sys_object_id: str | None, sys_descr: str | None) -> str | None:
    """The vendor's name from its enterprise number, else from sysDescr."""
    number = enterprise_number(sys_object_id)
    if number in VENDORS:
        return VENDORS[number]
    text = (sys_descr or "").lower()
    return next((name for name in VENDORS.values() if name.lower() in text), None)


def model(vendor_name: str | None, sys_descr: str | None) -> str | None:
    """The model named in sysDescr, by the vendor's pattern."""
    pattern = MODEL_PATTERNS.get(vendor_name or "")
    match = pattern.search(sys_descr or "") if pattern else None
    return match.group(1) if match else None


def device_type(sys_descr: str | None) -> str | None:
    """A coarse device type from sysDescr."""
    text = sys_descr or ""
    return next((kind for kind, rx in DEVICE_TYPES if rx.search(text)), None)
