"""Runtime settings on biRun, OpsConductor and GraphQL; changes take effect."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from app.db import Sessionmaker, unit_of_work, utcnow
from app.graphql.nodes import global_id
from app.runtime_settings import service as settings_service
from app.runtime_settings.graphql.types import RuntimeSettingChange as ChangeType
from app.runtime_settings.models import RuntimeSettingChange
from app.users.graphql.types import User
from app.users.models import AuthSession
from tests.conftest import RunningApp, TokenFactory
from tests.connections import assert_constant_statements, walk

BIRUN_DEFAULTS = {
    "access_token_expire_minutes": 30,
    "long_running_delay_seconds": 30,
    "max_concurrent_executions": 8,
    "schedule_trigger_tolerance_seconds": 60,
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def restore_root_level() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    yield
    root.setLevel(level)


class TestBirunSettings:
    async def test_defaults_come_from_process_settings(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("viewer1", roles=("viewer",))
        response = await app.http.get("/birun/api/settings/", headers=bearer(token))
        assert (response.status_code, response.json()) == (200, BIRUN_DEFAULTS)

    async def test_update_is_stored_and_returned(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        body = {"max_concurrent_executions": 10, "long_running_delay_seconds": 45}
        put = await app.http.put(
            "/birun/api/settings/", json=body, headers=bearer(token)
        )
        expected = {**BIRUN_DEFAULTS, **body}
        assert (put.status_code, put.json()) == (200, expected)
        got = await app.http.get("/birun/api/settings", headers=bearer(token))
        assert got.json() == expected

    async def test_out_of_range_is_422_in_birun_shape(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await app.http.put(
            "/birun/api/settings/",
            json={"max_concurrent_executions": 0},
            headers=bearer(token),
        )
        assert (response.status_code, response.json()) == (
            422,
            {
                "error": "max_concurrent_executions: must be between 1 and 1000",
                "status": "error",
                "details": {"field": "max_concurrent_executions"},
            },
        )

    async def test_opsconductor_key_is_unknown_on_birun(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await app.http.put(
            "/birun/api/settings/", json={"log_level": "DEBUG"}, headers=bearer(token)
        )
        assert response.status_code == 422
        assert response.json()["details"] == {"field": "log_level"}

    async def test_viewer_cannot_change_settings(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("viewer2", roles=("viewer",))
        response = await app.http.put(
            "/birun/api/settings/",
            json={"max_concurrent_executions": 3},
            headers=bearer(token),
        )
        assert response.status_code == 403
        assert response.json()["status"] == "error"


class TestOpsConductorSettings:
    async def test_get_in_envelope(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await app.http.get("/api/settings", headers=bearer(token))
        assert (response.status_code, response.json()) == (
            200,
            {
                "success": True,
                "data": {
                    "log_level": "INFO",
                    "log_retention_days": 30,
                    "max_concurrent_jobs": 10,
                    "netbox_default_device_type_id": 0,
                    "netbox_default_role_id": 0,
                    "netbox_default_site_id": 0,
                    "netbox_sync_interval_minutes": 0,
                    "netbox_timeout_seconds": 10,
                    "netbox_token": "",
                    "netbox_url": "",
                    "netbox_verify_tls": True,
                    "session_timeout_hours": 24,
                },
            },
        )

    async def test_bad_log_level_is_400_in_envelope(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        response = await app.http.put(
            "/api/settings", json={"log_level": "LOUD"}, headers=bearer(token)
        )
        assert (response.status_code, response.json()) == (
            400,
            {
                "success": False,
                "error": {
                    "code": "VALIDATION_ERROR",
                    "message": "log_level: must be one of "
                    "DEBUG, INFO, WARNING, ERROR, CRITICAL",
                    "details": {"field": "log_level"},
                },
            },
        )

    async def test_change_is_audited(
        self, app: RunningApp, make_user: TokenFactory, db: Sessionmaker
    ) -> None:
        token = await make_user()
        response = await app.http.put(
            "/api/settings", json={"max_concurrent_jobs": 4}, headers=bearer(token)
        )
        assert response.json()["data"]["max_concurrent_jobs"] == 4
        async with db() as session:
            rows = (await session.scalars(select(RuntimeSettingChange))).all()
        assert [(r.key, r.old_value, r.new_value, r.changed_by) for r in rows] == [
            ("max_concurrent_jobs", None, 4, 1)
        ]


class TestSettingsTakeEffect:
    async def test_new_token_lifetime_applies_to_the_next_login(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("root", password="root-password-1")
        await app.http.put(
            "/birun/api/settings/",
            json={"access_token_expire_minutes": 5},
            headers=bearer(token),
        )
        login = await app.http.post(
            "/api/auth/login", json={"username": "root", "password": "root-password-1"}
        )
        expires = datetime.fromisoformat(login.json()["data"]["expires_at"])
        assert abs(expires - (utcnow() + timedelta(minutes=5))) < timedelta(seconds=30)

    async def test_session_timeout_ends_older_sessions_and_their_refresh(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        token = await make_user("root", password="root-password-1")
        login = await app.http.post(
            "/api/auth/login", json={"username": "root", "password": "root-password-1"}
        )
        old = login.json()["data"]
        # That login happened three hours ago; the timeout becomes two hours.
        async with unit_of_work(db) as session:
            await session.execute(
                update(AuthSession).values(created_at=utcnow() - timedelta(hours=3))
            )
        fresh = await make_user("sam", password="sam-password-1")
        answer = await app.http.put(
            "/api/settings", json={"session_timeout_hours": 2}, headers=bearer(fresh)
        )
        assert answer.status_code == 200

        me = await app.http.get("/api/auth/me", headers=bearer(old["session_token"]))
        assert me.status_code == 401
        refreshed = await app.http.post(
            "/api/auth/refresh", json={"refresh_token": old["refresh_token"]}
        )
        assert refreshed.status_code == 401
        assert (
            await app.http.get("/api/auth/me", headers=bearer(token))
        ).status_code == 401
        assert (
            await app.http.get("/api/auth/me", headers=bearer(fresh))
        ).status_code == 200

    async def test_log_level_applies_to_the_root_logger(
        self, app: RunningApp, make_user: TokenFactory, restore_root_level: None
    ) -> None:
        token = await make_user()
        await app.http.put(
            "/api/settings", json={"log_level": "error"}, headers=bearer(token)
        )
        assert logging.getLogger().level == logging.ERROR
        await app.http.put(
            "/api/settings", json={"log_level": "INFO"}, headers=bearer(token)
        )
        assert logging.getLogger().level == logging.INFO


QUERY = "{ runtimeSettings { maxConcurrentExecutions logLevel } }"
UPDATE = """mutation($i: RuntimeSettingsInput!) { updateRuntimeSettings(input: $i) {
  __typename
  ... on UpdateRuntimeSettingsSuccess { settings { maxConcurrentExecutions } }
  ... on InvalidSetting { message field } } }"""


class TestSettingsGraphQL:
    async def test_query_and_update(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        changed = await app.gql(UPDATE, {"i": {"maxConcurrentExecutions": 3}}, token)
        assert changed["data"]["updateRuntimeSettings"] == {
            "__typename": "UpdateRuntimeSettingsSuccess",
            "settings": {"maxConcurrentExecutions": 3},
        }
        body = await app.gql(QUERY, token=token)
        assert body["data"]["runtimeSettings"] == {
            "maxConcurrentExecutions": 3,
            "logLevel": "INFO",
        }
        audit = await app.gql(
            "{ runtimeSettingChanges { edges { node { key oldValue newValue "
            "changedBy } } } }",
            token=token,
        )
        assert audit["data"]["runtimeSettingChanges"]["edges"] == [
            {
                "node": {
                    "key": "max_concurrent_executions",
                    "oldValue": None,
                    "newValue": 3,
                    "changedBy": global_id(User, 1),
                }
            }
        ]

    async def test_invalid_value_is_a_union_member(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        body = await app.gql(UPDATE, {"i": {"logRetentionDays": 0}}, token)
        assert body["data"]["updateRuntimeSettings"] == {
            "__typename": "InvalidSetting",
            "message": "log_retention_days: must be between 1 and 3650",
            "field": "log_retention_days",
        }


CHANGES = """query($first: Int, $after: String, $last: Int, $before: String,
  $direction: OrderDirection! = DESC, $filter: RuntimeSettingChangeFilter) {
  runtimeSettingChanges(first: $first, after: $after, last: $last,
                        before: $before, direction: $direction, filter: $filter) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id number key newValue } } } }"""


async def change(db: Sessionmaker, count: int) -> None:
    """Change max_concurrent_executions until it was changed `count` times."""
    async with unit_of_work(db) as session:
        have = len((await session.scalars(select(RuntimeSettingChange))).all())
        for i in range(have, count):
            await settings_service.update(
                session, {"max_concurrent_executions": i + 1}, None
            )


class TestSettingChangesConnection:
    async def test_pages_both_ways_newest_first(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        await change(db, 7)
        token = await make_user()
        ids = await walk(app, token, CHANGES, "runtimeSettingChanges", 3)
        assert ids == [global_id(ChangeType, n) for n in range(7, 0, -1)]
        oldest = await walk(
            app, token, CHANGES, "runtimeSettingChanges", 2, {"direction": "ASC"}
        )
        assert oldest == list(reversed(ids))
        other = {"filter": {"key": "log_level"}}
        none = await app.gql(CHANGES, other, token)
        assert none["data"]["runtimeSettingChanges"]["totalCount"] == 0

    async def test_statements_do_not_grow_with_rows(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        token = await make_user()

        async def grow(n: int) -> None:
            await change(db, n)

        await assert_constant_statements(
            app, token, CHANGES, "runtimeSettingChanges", grow
        )
