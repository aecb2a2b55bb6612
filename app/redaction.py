"""Blank known secrets out of output, in the forms a command can print them.

A playbook or script can print a secret it was given as is, reversed, or
encoded (`{{ ansible_password | b64encode }}`, `xxd -p`, `urlencode`): each
known secret is matched in all those forms. Base64 is matched at all three
byte alignments, since a secret inside a longer encoded string starts at any
of them; only the characters that depend on the secret alone are matched.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "********"
# Shorter encoded fragments would blank unrelated text.
MIN_ENCODED = 6


def _base64_cores(raw: bytes) -> set[str]:
    cores = set()
    for offset in range(3):
        first = -(-offset * 8 // 6)  # the first character past the lead bytes
        last = (offset + len(raw)) * 8 // 6  # the last one the secret fills
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            cores.add(encode(bytes(offset) + raw).decode()[first:last])
    return {c for c in cores if len(c) >= MIN_ENCODED}


def forms(secret: str) -> set[str]:
    """`secret` and the encodings of it that output may carry."""
    raw = secret.encode()
    encoded = {
        raw.hex(),
        raw.hex().upper(),
        quote(secret),
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        *_base64_cores(raw),
    }
    shown = {secret, secret[::-1]}
    return shown | {e for e in encoded if len(e) >= MIN_ENCODED}


def pattern(secrets: Iterable[str | None]) -> re.Pattern[str] | None:
    """One regex matching every form of every secret, longest first."""
    found = {f for s in secrets if s for f in forms(s)}
    if not found:
        return None
    ordered = sorted(found, key=len, reverse=True)
    return re.compile("|".join(re.escape(f) for f in ordered))


def scrub(text: str, secrets: Iterable[str | None], mask: str = MASK) -> str:
    """`text` with every form of every secret replaced by `mask`."""
    compiled = pattern(secrets)
    return compiled.sub(mask, text) if compiled else text


def scrub_tree(value: Any, secrets: Iterable[str | None], mask: str = MASK) -> Any:
    """`value` with every string in it scrubbed, through dicts and lists."""
    compiled = pattern(secrets)
    return _scrub_tree(value, compiled, mask) if compiled else value


def _scrub_tree(value: Any, compiled: re.Pattern[str], mask: str) -> Any:
    if isinstance(value, str):
        return compiled.sub(mask, value)
    if isinstance(value, dict):
        return {k: _scrub_tree(v, compiled, mask) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_tree(v, compiled, mask) for v in value]
    return value
