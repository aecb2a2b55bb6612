"""The mutation-error wrapper (app.graphql.mutations)."""

from __future__ import annotations

import pytest
import strawberry
from sqlalchemy import func, select

from app.db import Sessionmaker
from app.errors import ConflictError, NotFoundError
from app.graphql.mutations import expected, mapped
from app.graphql.types import Error
from app.runtime_settings.models import RuntimeSetting


@strawberry.type
class ThingNotFound(Error):
    pass


@strawberry.type
class ThingTaken(Error):
    pass


via = mapped((NotFoundError, ThingNotFound), (ConflictError, ThingTaken))


async def _count(db: Sessionmaker) -> int:
    async with db() as session:
        return int(await session.scalar(select(func.count(RuntimeSetting.key))) or 0)


class TestExpected:
    async def test_success_commits(self, db: Sessionmaker) -> None:
        async with expected(ThingNotFound, via=via, db=db) as out:
            out.session.add(RuntimeSetting(key="a", value=1))
        assert out.error is None
        assert await _count(db) == 1

    async def test_listed_member_answers_and_rolls_back(self, db: Sessionmaker) -> None:
        async with expected(ThingNotFound, via=via, db=db) as out:
            out.session.add(RuntimeSetting(key="a", value=1))
            await out.session.flush()
            raise NotFoundError("No thing", details={"field": "thingId"})
        assert isinstance(out.error, ThingNotFound)
        assert (out.error.message, out.error.field) == ("No thing", "thingId")
        assert await _count(db) == 0

    async def test_member_not_listed_propagates(self) -> None:
        with pytest.raises(ConflictError):
            async with expected(ThingNotFound, via=via):
                raise ConflictError("taken")

    async def test_unmapped_error_propagates(self) -> None:
        with pytest.raises(KeyError):
            async with expected(ThingNotFound, ThingTaken, via=via):
                raise KeyError("x")

    async def test_no_session_without_db(self) -> None:
        async with expected(ThingNotFound, via=via) as out:
            with pytest.raises(RuntimeError):
                _ = out.session
        assert out.error is None


class TestMapped:
    def test_first_fitting_pair_wins(self) -> None:
        first = mapped((NotFoundError, ThingTaken), (NotFoundError, ThingNotFound))
        assert isinstance(first(NotFoundError("gone")), ThingTaken)

    def test_other_errors_map_to_none(self) -> None:
        assert via(ValueError("no")) is None
