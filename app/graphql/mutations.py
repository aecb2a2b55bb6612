"""One way for a mutation to answer its expected failures.

A mutation answers a payload union: its success type or one of its `Error`
members. `expected` runs the mutation's work, in a unit of work when given
`db`, and turns an exception that `via` maps to one of the listed members into
that member; anything else propagates as before:

    async with expected(DeviceNotFound, via=failure, db=info.context.db) as out:
        key = key_of(id, Device, field="id")
        await service.delete_device(out.session, key)
    return out.error or Deleted(deleted_id=global_id(Device, key))

The members are listed where they are used, so the union `out.error` has is
the mutation's own and needs no cast; an error whose member is not listed
propagates, as it did from a resolver that did not catch it. What the body
binds is read only when `out.error` is None: `or` stops at an error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Generic, TypeAlias, TypeVar, overload

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Sessionmaker, unit_of_work
from app.errors import DomainError
from app.graphql.types import E, Error, error_from

# The member an exception stands for, or None when it is not an expected one.
Mapper: TypeAlias = Callable[[Exception], Error | None]
Db: TypeAlias = Sessionmaker | None
E1 = TypeVar("E1", bound=Error)
E2 = TypeVar("E2", bound=Error)
E3 = TypeVar("E3", bound=Error)
E4 = TypeVar("E4", bound=Error)
E5 = TypeVar("E5", bound=Error)


class Outcome(Generic[E]):
    """What a mutation's work came to: `error` is None when it succeeded."""

    def __init__(self) -> None:
        self.error: E | None = None
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """The unit of work's session."""
        if self._session is None:
            raise RuntimeError("expected() opens a unit of work only when given db")
        return self._session


Expected: TypeAlias = AbstractAsyncContextManager[Outcome[E]]


def mapped(*pairs: tuple[type[DomainError], type[Error]]) -> Mapper:
    """The mapper answering an error of a pair's kind (the first that fits)
    with that pair's member, carrying the error's message and field."""

    def via(exc: Exception) -> Error | None:
        for kind, member in pairs:
            if isinstance(exc, kind):
                return error_from(member, exc)
        return None

    return via


@overload
def expected(m1: type[E1], /, *, via: Mapper, db: Db = None) -> Expected[E1]: ...
@overload
def expected(
    m1: type[E1], m2: type[E2], /, *, via: Mapper, db: Db = None
) -> Expected[E1 | E2]: ...
@overload
def expected(
    m1: type[E1], m2: type[E2], m3: type[E3], /, *, via: Mapper, db: Db = None
) -> Expected[E1 | E2 | E3]: ...
@overload
def expected(
    m1: type[E1],
    m2: type[E2],
    m3: type[E3],
    m4: type[E4],
    /,
    *,
    via: Mapper,
    db: Db = None,
) -> Expected[E1 | E2 | E3 | E4]: ...
@overload
def expected(
    m1: type[E1],
    m2: type[E2],
    m3: type[E3],
    m4: type[E4],
    m5: type[E5],
    /,
    *,
    via: Mapper,
    db: Db = None,
) -> Expected[E1 | E2 | E3 | E4 | E5]: ...
@asynccontextmanager
async def expected(
    *members: type[Error], via: Mapper, db: Db = None
) -> AsyncIterator[Outcome[Any]]:
    """Run the body (in a unit of work when given `db`), answering with the
    member `via` maps its exception to when that is one of `members`."""
    outcome: Outcome[Any] = Outcome()
    try:
        if db is None:
            yield outcome
        else:
            async with unit_of_work(db) as session:
                outcome._session = session
                yield outcome
    except Exception as exc:
        found = via(exc)
        if not isinstance(found, members):
            raise
        outcome.error = found
