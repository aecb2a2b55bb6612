"""What counts as a host address: an IP address or a DNS host name."""

from __future__ import annotations

import ipaddress


def valid_hostname(name: str) -> bool:
    """`name` is a DNS host name (RFC 1123 labels, an optional final dot)."""
    labels = name.rstrip(".").split(".")
    return all(
        0 < len(label) <= 63
        and label[0] != "-"
        and label[-1] != "-"
        and all(c.isascii() and (c.isalnum() or c == "-") for c in label)
        for label in labels
    )


def valid_address(text: str) -> bool:
    """`text` is an IPv4/IPv6 address or a host name.

    A name whose last label is all digits is an IPv4 address or nothing
    (`999.300.1.1` is neither an address nor a name).
    """
    try:
        ipaddress.ip_address(text)
    except ValueError:
        last = text.rstrip(".").rsplit(".", 1)[-1]
        return valid_hostname(text) and not last.isdigit()
    return True
