"""Hosts the outbound policy refuses, written as a user could type them in a URL.

Only the loopback spellings are ever dialled by a test (and only when the
policy is broken): the others are checked before anything is sent.
"""

from __future__ import annotations

# Every spelling of this host, as the system resolver reads it.
LOOPBACK = [
    "127.0.0.1",
    "[::1]",
    "0.0.0.0",  # noqa: S104  an address to refuse, never bound
    "[::ffff:127.0.0.1]",
    "2130706433",
    "0177.0.0.1",
    "0x7f.0.0.1",
    "127.1",
]
# Refused even with OPSGRAPH_ALLOW_LOOPBACK_URLS: metadata services, "this
# network", and IPv6 forms carrying 169.254.169.254 (6to4, Teredo, NAT64).
ALWAYS = [
    "[fd00:ec2::254]",
    "100.100.100.200",
    "0.0.0.1",
    "[2002:a9fe:a9fe::1]",
    "[2001:0:808:808::5601:5601]",
    "[64:ff9b::a9fe:a9fe]",
    "[::ffff:169.254.169.254]",
]


def bare(host: str) -> str:
    """The host without URL brackets (what a ping node or SNMP node takes)."""
    return host.strip("[]")
