"""Ending login sessions, and telling every API replica so.

Revoking a session in the database stops its tokens at the next request, but an
open websocket was authenticated once: each revocation therefore also appends a
signal to `STREAM`, which every replica tails (memory bus embedded, Redis Streams
distributed) to close the sockets of the sessions or users it names.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.users import repository

STREAM = "auth.revocations"
# Why sockets close: the session ended (4401) or the user may no longer connect
# (4403); "changed": the user's roles changed, each socket checks it may stay.
Reason = Literal["revoked", "forbidden", "changed"]


def session_tag(session_id: str | None) -> str | None:
    """How a signal names a session: a digest, never the id tokens carry."""
    if session_id is None:
        return None
    return hashlib.sha256(session_id.encode()).hexdigest()


async def revoke_session(session: AsyncSession, user_id: int, session_id: str) -> None:
    """Revoke one login session; its sockets close as unauthenticated."""
    await repository.revoke_session(session, session_id)
    await _signal(session, user_id, "revoked", session_id=session_id)


async def revoke_user_sessions(
    session: AsyncSession, user_id: int, *, keep: str | None = None
) -> None:
    """Revoke every session of `user_id` but `keep`; their sockets close too."""
    await repository.revoke_user_sessions(session, user_id, keep=keep)
    await _signal(session, user_id, "revoked", keep=keep)


async def forbid_user(session: AsyncSession, user_id: int) -> None:
    """The user was deactivated or deleted: revoke and close as forbidden."""
    await repository.revoke_user_sessions(session, user_id)
    await _signal(session, user_id, "forbidden")


async def roles_changed(session: AsyncSession, user_id: int) -> None:
    """The user's roles changed: their sockets re-check, a roleless one closes."""
    await _signal(session, user_id, "changed")


async def _signal(
    session: AsyncSession,
    user_id: int,
    reason: Reason,
    *,
    session_id: str | None = None,
    keep: str | None = None,
) -> None:
    data = {
        "user_id": user_id,
        "session": session_tag(session_id),
        "keep": session_tag(keep),
    }
    await events.append(session, STREAM, [(reason, data)])
