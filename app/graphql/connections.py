"""Open GraphQL websockets of this replica: who holds them, how many, and
closing them when their session is revoked on any replica."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Protocol

from app import auth, events
from app.db import Sessionmaker
from app.errors import UnauthenticatedError
from app.graphql.context import Context
from app.users import revocation
from app.users import service as users_service

log = logging.getLogger(__name__)

UNAUTHENTICATED = 4401
# The task tailing revocations: it reads the event table on its own beat.
WATCH_TASK = "revocation-watch"
FORBIDDEN = 4403
TOO_MANY = 4429
RETRY_SECONDS = 1.0


class Socket(Protocol):
    """A websocket protocol handler, as the registry sees it."""

    context: Context

    async def end(self, code: int, reason: str) -> None: ...


async def authenticate(context: Context, header: str | None) -> None:
    """Set the context's principal from a bearer header, or its auth error."""
    principal, error = None, None
    token = auth.bearer_token(header)
    if token is not None:
        try:
            principal = await users_service.principal_from_token(
                context.db, context.settings.signing_key, token
            )
        except UnauthenticatedError as exc:
            error = exc.message
    # Both at once: the socket's running resolvers share this context.
    context.principal, context.auth_error = principal, error


def refusal(context: Context) -> tuple[int, str] | None:
    """How to close a websocket whose caller may not hold one (None: may)."""
    if context.principal is None:
        return UNAUTHENTICATED, context.auth_error or "Unauthorized"
    if context.principal.permissions <= {auth.SELF_SERVICE}:
        # A user with no role may not hold a connection open.
        return FORBIDDEN, "Forbidden"
    return None


async def recheck(context: Context) -> tuple[int, str] | None:
    """Authenticate the socket's token again: None while it is still good."""
    raw = (context.connection_params or {}).get("Authorization")
    await authenticate(context, raw if isinstance(raw, str) else None)
    return refusal(context)


async def _recheck_or_end(socket: Socket) -> None:
    refused = await recheck(socket.context)
    if refused is not None:
        await socket.end(*refused)


class Connections:
    """The acknowledged sockets of this process, by user."""

    def __init__(self, per_user: int) -> None:
        self.per_user = per_user
        self._open: dict[int, set[Socket]] = {}

    def admit(self, socket: Socket) -> bool:
        """Count `socket` for its user; False when the user holds enough."""
        assert socket.context.principal is not None  # noqa: S101  acknowledged
        held = self._open.setdefault(socket.context.principal.user_id, set())
        if len(held) >= self.per_user:
            return False
        held.add(socket)
        return True

    def release(self, socket: Socket) -> None:
        """Forget a closed socket."""
        for user_id, held in list(self._open.items()):
            held.discard(socket)
            if not held:
                del self._open[user_id]

    async def revoke(self, event: events.Event) -> None:
        """Close the sockets a revocation signal names."""
        held = list(self._open.get(int(event.data["user_id"]), ()))
        if event.type == "changed":
            await asyncio.gather(*(_recheck_or_end(socket) for socket in held))
            return
        named, keep = event.data.get("session"), event.data.get("keep")
        forbidden = event.type == "forbidden"
        code = FORBIDDEN if forbidden else UNAUTHENTICATED
        reason = "Forbidden" if forbidden else "Session revoked"
        ending = []
        for socket in held:
            principal = socket.context.principal
            tag = revocation.session_tag(principal.session_id if principal else None)
            if named in (None, tag) and (keep is None or keep != tag):
                ending.append(socket.end(code, reason))
        await asyncio.gather(*ending)

    async def _watch(self, db: Sessionmaker) -> None:
        last: int | None = None
        while True:
            try:
                if last is None:
                    last = await events.head(db, revocation.STREAM)
                async for event in events.subscribe(db, revocation.STREAM, last):
                    last = event.seq
                    await self.revoke(event)
            except Exception as exc:  # keep watching through outages
                log.warning("revocation watch failed: %s", type(exc).__name__)
                await asyncio.sleep(RETRY_SECONDS)

    @asynccontextmanager
    async def watching(self, db: Sessionmaker) -> AsyncIterator[None]:
        """Tail the revocation signals while the block runs."""
        task = asyncio.create_task(self._watch(db), name=WATCH_TASK)
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
