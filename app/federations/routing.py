"""Routing rules: the service whose base path is the longest prefix wins.

A base path matches on whole segments (`/auth` owns `/auth` and `/auth/login`,
not `/authors`); the rest of the path, `/` when empty, is the service path.
"""

from __future__ import annotations

from typing import Any


def _owns(base_path: str, path: str) -> bool:
    base = base_path.rstrip("/")
    return base == "" or path == base or path.startswith(base + "/")


def resolve(
    services: list[dict[str, Any]], target: str
) -> tuple[dict[str, Any], str] | None:
    """(service, service path with the query) for `target`, or None."""
    path, sep, query = target.partition("?")
    owners = [s for s in services if _owns(s["base_path"], path)]
    if not owners:
        return None
    service = max(owners, key=lambda s: len(s["base_path"].rstrip("/")))
    rest = path[len(service["base_path"].rstrip("/")) :] or "/"
    return service, rest + sep + query
