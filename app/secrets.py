"""Every secret-bearing field of a JSON document column, registered once.

`REGISTRY` names, per document (`<table>.<column>`), the paths of its secrets
(`*` is any key or list index, `**` any depth). From it, and only from it:

- `seal` replaces each secret by a vault token (`$vault$<key id>$<blob>`,
  AES-GCM, see app/credentials/vault.py) before the document is stored;
- `reveal` opens the tokens where the secret is used (a step, a node, a proxy);
- `masked` is what every REST and GraphQL answer shows (events and log lines
  never carry these documents; app/logs/redaction.py blanks secret-looking text);
- `keep_unchanged` turns an echoed mask back into the stored secret.

A token is bound to its document: one copied into another document stays shut.
"""

from __future__ import annotations

import base64
import binascii
import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.credentials import vault
from app.credentials.errors import VaultKeyMissingError, VaultSealBrokenError
from app.db import Base

MASK = "********"
TOKEN = re.compile(r"^\$vault\$([0-9a-f]{16})\$([A-Za-z0-9_-]+)$")
SECRET_QUERY = re.compile(r"(?i)(token|password|passwd|secret|key|sig|signature)$")
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Field:
    """One secret: its path in the document and how it is masked.

    kind: "secret" (masked whole), "url" (userinfo and secret query values
    masked), "url_path" (only scheme and host shown: the path is the token).
    """

    path: str
    kind: str = "secret"

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.path.split("."))


_STEP = "steps.*.config."


def _node_fields(nodes: str) -> tuple[Field, ...]:
    at = f"{nodes}.data."
    return (
        Field(at + "community"),
        Field(at + "url", "url"),
        Field(at + "headers.*"),
        Field(at + "**.password"),
        Field(at + "**.token"),
        Field(at + "**.secret"),
    )


REGISTRY: dict[str, tuple[Field, ...]] = {
    "federation.services": (Field("*.config.upstream_url", "url"),),
    "pipeline.definition": (
        Field(_STEP + "slack_webhook_url", "url_path"),
        Field(_STEP + "webhook_url", "url"),
        Field(_STEP + "url", "url"),
        Field(_STEP + "headers.*"),
        Field(_STEP + "**.password"),
        Field(_STEP + "**.token"),
        Field(_STEP + "**.secret"),
    ),
    "workflow.nodes": _node_fields("*"),
    "workflow_execution.graph": _node_fields("nodes.*"),
    "scan_defaults.values": (Field("snmp_communities.*"),),
    "scan.options": (
        Field("snmp_communities.*"),
        Field("snmp_v3_users.*.auth_key"),
        Field("snmp_v3_users.*.priv_key"),
    ),
}
# A run's graph is a copy of its workflow's nodes: their tokens open in both.
BINDING = {"workflow_execution.graph": "workflow.nodes"}


def _children(node: Any) -> Iterator[tuple[str | int, Any]]:
    if isinstance(node, dict):
        yield from node.items()
    elif isinstance(node, list):
        yield from enumerate(node)


def _walk(node: Any, parts: tuple[str, ...], at: Path) -> Iterator[tuple[Path, Any]]:
    if not parts:
        yield at, node
        return
    head, rest = parts[0], parts[1:]
    if head == "**":
        yield from _walk(node, rest, at)
        for key, child in _children(node):
            yield from _walk(child, parts, (*at, key))
        return
    for key, child in _children(node):
        if head in ("*", str(key)):
            yield from _walk(child, rest, (*at, key))


def secrets_of(document: str, doc: Any) -> dict[Path, tuple[Field, str]]:
    """Every non-empty string secret of `doc`, by concrete path."""
    found: dict[Path, tuple[Field, str]] = {}
    for field in REGISTRY[document]:
        for path, value in _walk(doc, field.parts, ()):
            if isinstance(value, str) and value and path not in found:
                found[path] = (field, value)
    return found


def _rewrite(document: str, doc: Any, change: Callable[[Path, Field, str], str]) -> Any:
    """A copy of `doc` with each secret replaced by `change(path, field, value)`."""
    found = secrets_of(document, doc)
    if not found:
        return doc
    out = copy.deepcopy(doc)
    for path, (field, value) in found.items():
        parent = out
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = change(path, field, value)
    return out


def seal_value(document: str, plain: str) -> str:
    """`plain` as a vault token bound to `document`."""
    sealed = vault.seal({"v": plain, "d": BINDING.get(document, document)})
    blob = base64.urlsafe_b64encode(sealed.blob).decode().rstrip("=")
    return f"$vault${sealed.key_id}${blob}"


def open_value(document: str, value: str) -> str:
    """The secret in a token of `document`; any other string as it is."""
    match = TOKEN.match(value)
    if match is None:
        return value
    try:
        text = match.group(2)
        blob = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = vault.open_sealed(match.group(1), blob)
    except (binascii.Error, VaultKeyMissingError, VaultSealBrokenError):
        return value
    return data["v"] if data.get("d") == BINDING.get(document, document) else value


def is_sealed(value: str) -> bool:
    """True when `value` is a vault token."""
    return TOKEN.match(value) is not None


def _is_current(value: str) -> bool:
    match = TOKEN.match(value)
    return match is not None and vault.is_current(match.group(1))


def _sealed(document: str, value: str) -> str:
    """`value` sealed with the current key (a token of an older key re-sealed)."""
    if _is_current(value):
        return value
    opened = open_value(document, value)
    if is_sealed(value) and opened == value:
        return value  # not ours to open: left as it is
    return seal_value(document, opened)


def seal(document: str, doc: Any) -> Any:
    """`doc` with every registered secret sealed with the current vault key."""
    if all(_is_current(v) for _f, v in secrets_of(document, doc).values()):
        return doc
    return _rewrite(document, doc, lambda _p, _f, v: _sealed(document, v))


def reveal(document: str, doc: Any) -> Any:
    """`doc` (or any part of it) with every token of `document` opened."""
    if isinstance(doc, str):
        return open_value(document, doc)
    if isinstance(doc, dict):
        return {k: reveal(document, v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [reveal(document, v) for v in doc]
    return doc


def mask_value(document: str, field: Field, value: str) -> str:
    """How callers see one secret (a URL that does not parse: all masked)."""
    if field.kind == "secret":
        return MASK
    try:
        return _masked_url(field, open_value(document, value))
    except ValueError:
        return MASK


def _masked_url(field: Field, url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    if field.kind == "url_path" or not parts.scheme:
        return f"{parts.scheme}://{host}/{MASK}" if parts.scheme else MASK
    netloc = f"{MASK}@{host}" if parts.username or parts.password else host
    query = urlencode(
        [(k, MASK if SECRET_QUERY.search(k) else v) for k, v in parse_qsl(parts.query)],
        safe="*",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def masked(document: str, doc: Any) -> Any:
    """`doc` as every REST and GraphQL answer shows it."""
    return _rewrite(document, doc, lambda _p, f, v: mask_value(document, f, v))


def keep_unchanged(
    document: str, new: Any, stored: Any, *, may_read: bool = True
) -> Any:
    """`new` with each echoed mask replaced by the stored secret, opened.

    A stored secret goes only where it was stored for: when an object around
    it now names another destination (host, port, URL), an echoed mask is
    dropped ("") unless the caller may read secrets.
    """
    before = secrets_of(document, stored)

    def restore(path: Path, field: Field, value: str) -> str:
        old = before.get(path)
        if old is None or value != mask_value(document, field, old[1]):
            return value
        if not may_read and _moved(new, stored, path):
            return ""
        return open_value(document, old[1])

    return _rewrite(document, new, restore)


DESTINATIONS = frozenset(
    {"host", "port", "url", "webhook_url", "slack_webhook_url", "smtp_host"}
)


def _moved(new: Any, stored: Any, path: Path) -> bool:
    """Whether a mapping on `path` (down to the secret's own) names another
    destination in `new`; a path `stored` lacks counts as moved."""
    for key in path[:-1]:
        if _names_another(new, stored):
            return True
        try:
            new, stored = new[key], stored[key]
        except (KeyError, IndexError, TypeError):
            return True
    return _names_another(new, stored)


def _names_another(new: Any, stored: Any) -> bool:
    if not (isinstance(new, dict) and isinstance(stored, dict)):
        return False
    return any(
        new.get(k) != stored.get(k) and not _masks(new.get(k))
        for k in DESTINATIONS & (new.keys() | stored.keys())
    )


def _masks(value: Any) -> bool:
    return isinstance(value, str) and MASK in value


async def seal_stored(session: AsyncSession) -> int:
    """Seal every registered secret stored in clear or under an older vault
    key; the rows changed.

    Run after migrations (`opsgraph db upgrade`, `opsgraph serve`, and so also
    `opsgraph vault rotate-key`), when the vault key is known.
    """
    changed = 0
    for document in REGISTRY:
        table_name, column_name = document.split(".")
        table = Base.metadata.tables[table_name]
        (key,) = table.primary_key.columns
        column = table.columns[column_name]
        for row_id, doc in (await session.execute(select(key, column))).all():
            sealed = seal(document, doc)
            if sealed != doc:
                await session.execute(
                    update(table).where(key == row_id).values({column: sealed})
                )
                changed += 1
    return changed
