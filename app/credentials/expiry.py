"""Credentials past their `expires_at`: reported expired, marked so once.

An active credential whose expiry has passed reads as `expired` at once
(`status_of`, and the list filter in SQL); the worker's periodic pass then
stores the status and states `credential.expired`, once per credential
whichever worker gets there first.
"""

from __future__ import annotations

from datetime import datetime

from app import events
from app.credentials import repository
from app.credentials.models import ACTIVE, EXPIRED, Credential
from app.db import Sessionmaker, unit_of_work, utcnow


def status_of(credential: Credential, now: datetime | None = None) -> str:
    """The status to report: an active credential past its expiry is expired."""
    lapsed = credential.expires_at is not None and credential.expires_at <= (
        now or utcnow()
    )
    return EXPIRED if credential.status == ACTIVE and lapsed else credential.status


async def expire_lapsed(db: Sessionmaker) -> list[int]:
    """Store `expired` on lapsed active credentials; one event each; their ids."""
    async with unit_of_work(db) as session:
        changed = await repository.expire_lapsed(session, utcnow())
        for credential in changed:
            await events.emit_domain(
                session,
                "credential.expired",
                {
                    "credential_id": credential.id,
                    "name": credential.name,
                    "credential_type": credential.credential_type,
                    "expires_at": credential.expires_at.isoformat()
                    if credential.expires_at
                    else None,
                },
            )
    return [c.id for c in changed]
