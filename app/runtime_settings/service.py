"""Runtime settings: read the effective values, change them with audit.

`effective(db)` is what other domains call (login reads the token lifetime, the
execution engine its concurrency bound). It is cached for a few seconds per
session factory and dropped on every change, so a change is seen at once in the
process that made it and within CACHE_SECONDS everywhere else.
"""

from __future__ import annotations

import logging
import time
import weakref
from functools import partial

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app import db as app_db
from app import events
from app.db import Sessionmaker
from app.runtime_settings import repository
from app.runtime_settings.keys import (
    KEYS,
    EffectiveSettings,
    SecretKey,
    Value,
    merge,
    shown,
    validate,
)
from app.runtime_settings.models import RuntimeSettingChange
from app.settings import Settings

__all__ = [
    "BIRUN_KEYS",
    "OPSCONDUCTOR_KEYS",
    "EffectiveSettings",
    "check",
    "configure",
    "current",
    "effective",
    "reseal_secrets",
    "shown",
    "update",
]

log = logging.getLogger("app.settings")

CACHE_SECONDS = 5.0
BIRUN_KEYS = frozenset(
    {
        "max_concurrent_executions",
        "long_running_delay_seconds",
        "schedule_trigger_tolerance_seconds",
        "access_token_expire_minutes",
    }
)
NETBOX_KEYS = frozenset(k for k in KEYS if k.startswith("netbox_"))
OPSCONDUCTOR_KEYS = (
    frozenset(
        {
            "log_level",
            "session_timeout_hours",
            "max_concurrent_jobs",
            "log_retention_days",
        }
    )
    | NETBOX_KEYS
)
ALL_KEYS = frozenset(KEYS)

_defaults: Settings = Settings.model_construct()
_cache: weakref.WeakKeyDictionary[Sessionmaker, tuple[float, EffectiveSettings]] = (
    weakref.WeakKeyDictionary()
)


def configure(settings: Settings) -> None:
    """Take the process defaults from `settings` and forget cached values."""
    global _defaults
    _defaults = settings
    invalidate()


def invalidate() -> None:
    """Forget every cached value; the next `effective` reads the database."""
    _cache.clear()


async def effective(db: Sessionmaker) -> EffectiveSettings:
    """The settings in force now (stored values over the process defaults)."""
    cached = _cache.get(db)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    async with db() as session:
        current = merge(_defaults, await repository.stored_values(session))
    _cache[db] = (time.monotonic() + CACHE_SECONDS, current)
    apply_log_level(current.log_level)
    return current


async def current(session: AsyncSession) -> EffectiveSettings:
    """The settings in force, read in `session` (no cache: a rule checked at
    save time sees the latest change)."""
    return merge(_defaults, await repository.stored_values(session))


def check(
    changes: dict[str, object], allowed: frozenset[str] = ALL_KEYS
) -> dict[str, Value]:
    """Validate `changes` without storing them; raise InvalidSettingError."""
    return validate(changes, allowed)


async def update(
    session: AsyncSession,
    changes: dict[str, object],
    user_id: int | None,
    allowed: frozenset[str] = ALL_KEYS,
) -> dict[str, Value]:
    """Validate and store `changes` (keys limited to `allowed`), auditing each."""
    checked = validate(changes, allowed)
    for key, value in checked.items():
        mask = KEYS[key].shown
        old = await repository.put(session, key, value, user_id, mask)
        if old != value:
            old, value = mask(old), mask(value)
            log.info(
                "setting %s changed",
                key,
                extra={
                    "source": "settings",
                    "category": "audit",
                    "key": key,
                    "old_value": old,
                    "new_value": value,
                    "user_id": user_id,
                },
            )
            change = {"key": key, "old_value": old, "new_value": value}
            await events.emit_domain(session, "config.changed", change)
    hook = partial(_changed, checked.get("log_level"))
    if not app_db.after_commit(hook):
        hook()
    return checked


def _changed(level: Value | None) -> None:
    invalidate()
    if isinstance(level, str):
        apply_log_level(level)


def apply_log_level(level: str) -> None:
    """Set the root logger's level when it differs."""
    root = logging.getLogger()
    if logging.getLevelName(root.level) != level:
        root.setLevel(level)


async def reseal_secrets(session: AsyncSession) -> int:
    """Re-seal stored secret settings under the current vault key (key rotation);
    how many were re-sealed."""
    stored = await repository.stored_values(session)
    count = 0
    for key, rule in KEYS.items():
        fresh = rule.resealed(stored.get(key)) if isinstance(rule, SecretKey) else None
        if fresh is not None:
            await repository.replace(session, key, fresh)
            count += 1
    return count


def change_query(key: str | None) -> Select[tuple[RuntimeSettingChange]]:
    """The audited changes (of one setting), unordered (for keyset pages)."""
    return repository.changes_matching(key)
