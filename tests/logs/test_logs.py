"""Captured application logs: storage, redaction, REST filters, clearing, retention."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.db import Sessionmaker, unit_of_work, utcnow
from app.logs import capture, repository, service
from app.logs.models import LogRecord
from app.logs.repository import LogFilter
from app.runtime_settings import service as settings_service
from tests.conftest import RunningApp, TokenFactory, pg_settings
from tests.connections import assert_constant_statements, walk


@pytest.fixture
def info_level() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)
    yield
    root.setLevel(level)


async def stored(db: Sessionmaker, count: int) -> list[LogRecord]:
    for _ in range(100):
        async with db() as session:
            rows = (await session.scalars(select(LogRecord))).all()
        if len(rows) >= count:
            return list(rows)
        await asyncio.sleep(0.05)
    return list(rows)


# Recent enough that the sink's retention pass (30 days) never races the test.
DAY = datetime.combine(utcnow().date() - timedelta(days=2), time(), UTC)


def row(**overrides: Any) -> dict[str, Any]:
    base = {
        "timestamp": DAY + timedelta(hours=12),
        "level": "INFO",
        "source": "workflow",
        "category": "execution",
        "message": "Workflow completed successfully",
        "extra": {"workflow_id": "uuid-1234", "duration_ms": 5432},
    }
    return {**base, **overrides}


async def seed(db: Sessionmaker, *rows: dict[str, Any]) -> None:
    async with unit_of_work(db) as session:
        await repository.insert_many(session, list(rows))


class TestCapture:
    async def test_app_records_are_stored_with_secrets_redacted(
        self, db: Sessionmaker, pg_url: str, info_level: None
    ) -> None:
        with capture.capture(pg_settings(pg_url)):
            log = logging.getLogger("app.workflows.service")
            log.info(
                "login with password=hunter2 ok",
                extra={"category": "execution", "password": "hunter2", "n": 3},
            )
            log.debug("not stored")
            logging.getLogger("other.lib").warning("not ours")
            found = await stored(db, 1)
        assert [(r.level, r.source, r.category, r.message, r.extra) for r in found] == [
            (
                "INFO",
                "workflows",
                "execution",
                "login with password=[redacted] ok",
                {"password": "[redacted]", "n": 3},
            )
        ]

    async def test_a_settings_change_is_logged_and_served(
        self, app: RunningApp, make_user: TokenFactory, info_level: None
    ) -> None:
        token = await make_user()
        headers = {"Authorization": f"Bearer {token}"}
        await app.http.put(
            "/api/settings", json={"max_concurrent_jobs": 7}, headers=headers
        )
        for _ in range(100):
            response = await app.http.get(
                "/api/logs?source=settings&category=audit", headers=headers
            )
            logs = response.json()["data"]["logs"]
            if logs:
                break
            await asyncio.sleep(0.05)
        assert [(e["message"], e["extra"]) for e in logs] == [
            (
                "setting max_concurrent_jobs changed",
                {
                    "key": "max_concurrent_jobs",
                    "old_value": None,
                    "new_value": 7,
                    "user_id": 1,
                },
            )
        ]

    async def test_emit_never_waits_for_the_database(self) -> None:
        pending: Any = __import__("queue").Queue(maxsize=1)
        handler = capture.QueueHandler(pending)
        record = logging.LogRecord("app.x", logging.INFO, "", 0, "m", (), None)
        handler.emit(record)
        handler.emit(record)
        assert pending.qsize() == 1


class TestGetLogs:
    async def test_documented_shape(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        await seed(db, row())
        token = await make_user()
        response = await app.http.get(
            "/api/logs", headers={"Authorization": f"Bearer {token}"}
        )
        assert (response.status_code, response.json()) == (
            200,
            {
                "success": True,
                "data": {
                    "logs": [
                        {
                            "id": 1,
                            "timestamp": f"{DAY.date()}T12:00:00Z",
                            "level": "INFO",
                            "source": "workflow",
                            "category": "execution",
                            "message": "Workflow completed successfully",
                            "extra": {"workflow_id": "uuid-1234", "duration_ms": 5432},
                        }
                    ],
                    "total": 1,
                },
            },
        )

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("level=error", ["boom"]),
            ("source=scan", ["scan done"]),
            ("category=auth", ["login"]),
            ("search=DONE", ["scan done"]),
            ("start={d}T11:00:00Z&end={d}T13:00:00Z", ["login"]),
            ("limit=2", ["boom", "scan done"]),
        ],
    )
    async def test_filters(
        self,
        app: RunningApp,
        db: Sessionmaker,
        make_user: TokenFactory,
        query: str,
        expected: list[str],
    ) -> None:
        day = DAY
        await seed(
            db,
            row(message="login", category="auth", timestamp=day + timedelta(hours=12)),
            row(message="scan done", source="scan", timestamp=day),
            row(message="boom", level="ERROR", timestamp=day - timedelta(days=1)),
        )
        token = await make_user()
        response = await app.http.get(
            f"/api/logs?{query.format(d=DAY.date())}",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert [e["message"] for e in response.json()["data"]["logs"]] == expected

    async def test_bad_date_is_a_400(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await app.http.get(
            "/api/logs?start=yesterday", headers={"Authorization": f"Bearer {token}"}
        )
        assert (response.status_code, response.json()) == (
            400,
            {
                "success": False,
                "error": {
                    "code": "VALIDATION_ERROR",
                    "message": "start: must be an ISO-8601 datetime",
                    "details": {"field": "start"},
                },
            },
        )


class TestClearLogs:
    async def test_before_and_level(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        old = DAY - timedelta(days=10)
        await seed(
            db,
            row(message="old info", timestamp=old),
            row(message="old error", level="ERROR", timestamp=old),
            row(message="new info"),
        )
        token = await make_user()
        response = await app.http.delete(
            f"/api/logs?before={(DAY - timedelta(days=5)).date()}T00:00:00Z&level=INFO",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert (response.status_code, response.json()) == (
            200,
            {"success": True, "data": {"deleted": 1}, "message": "Logs cleared"},
        )
        async with db() as session:
            left = (await session.scalars(select(LogRecord.message))).all()
        assert sorted(left) == ["new info", "old error"]

    async def test_viewer_cannot_clear(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("v", roles=("viewer",))
        response = await app.http.delete(
            "/api/logs", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 403


class TestRetention:
    async def test_retention_setting_decides_what_is_purged(
        self, db: Sessionmaker
    ) -> None:
        now = utcnow()
        await seed(
            db,
            row(message="40 days", timestamp=now - timedelta(days=40)),
            row(message="2 days", timestamp=now - timedelta(days=2)),
            row(message="fresh", timestamp=now),
        )
        assert await service.purge_expired(db) == 1
        async with unit_of_work(db) as session:
            await settings_service.update(session, {"log_retention_days": 1}, None)
        assert await service.purge_expired(db) == 1
        async with db() as session:
            left = (await session.scalars(select(LogRecord.message))).all()
        assert left == ["fresh"]


LOGS = """query($s: String) { logs(filter: {source: $s}, first: 5) { totalCount
  edges { node { level source message extra } } } }"""
CLEAR = """mutation($l: String) { clearLogs(level: $l) { __typename
  ... on ClearLogsSuccess { deleted } ... on InvalidLogFilter { message field } } }"""
PAGES = """query($first: Int, $after: String, $last: Int, $before: String,
  $direction: OrderDirection! = DESC) {
  logs(first: $first, after: $after, last: $last, before: $before,
       filter: {source: "paged"}, direction: $direction) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id number message } } } }"""


async def grow(db: Sessionmaker, count: int) -> None:
    """Records of source `paged` until there are `count` of them."""
    async with db() as session:
        have = len((await service.list_logs(session, LogFilter(source="paged")))[0])
    more = [row(source="paged", message=f"m{i}") for i in range(have, count)]
    await seed(db, *more)


class TestLogsGraphQL:
    async def test_query_and_clear(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        await seed(db, row(), row(source="scan", message="scan done", extra={}))
        token = await make_user()
        page = await app.gql(LOGS, {"s": "scan"}, token)
        assert page["data"]["logs"] == {
            "totalCount": 1,
            "edges": [
                {
                    "node": {
                        "level": "INFO",
                        "source": "scan",
                        "message": "scan done",
                        "extra": {},
                    }
                }
            ],
        }
        bad = await app.gql(CLEAR, {"l": "LOUD"}, token)
        good = await app.gql(CLEAR, {"l": "info"}, token)
        assert bad["data"]["clearLogs"]["__typename"] == "InvalidLogFilter"
        assert bad["data"]["clearLogs"]["field"] == "level"
        assert good["data"]["clearLogs"] == {
            "__typename": "ClearLogsSuccess",
            "deleted": 2,
        }

    async def test_pages_both_ways_newest_first(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        await grow(db, 7)
        token = await make_user()
        ids = await walk(app, token, PAGES, "logs", 3)
        oldest = await walk(app, token, PAGES, "logs", 3, {"direction": "ASC"})
        assert oldest == list(reversed(ids))
        last = await app.gql(PAGES, {"first": 1}, token)
        assert last["data"]["logs"]["edges"][0]["node"]["message"] == "m6"

    async def test_statements_do_not_grow_with_rows(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        token = await make_user()

        async def more(n: int) -> None:
            await grow(db, n)

        await assert_constant_statements(app, token, PAGES, "logs", more)

    async def test_node_and_unknown_level(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        await grow(db, 1)
        token = await make_user()
        first = (await app.gql(PAGES, {"first": 1}, token))["data"]["logs"]
        entry = first["edges"][0]["node"]
        node = await app.gql(
            "query($id: ID!) { node(id: $id) { ... on LogEntry { message } } }",
            {"id": entry["id"]},
            token,
        )
        assert node["data"]["node"] == {"message": "m0"}
        bad = await app.gql(
            '{ logs(filter: {level: "LOUD"}) { totalCount } }', None, token
        )
        assert bad["data"] is None
        assert bad["errors"][0]["message"].startswith("level: must be one of")
