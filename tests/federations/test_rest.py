"""The Federation REST API: CRUD, service rules, routing and forwarding.

Upstreams are HTTP servers on 127.0.0.1 (tests/notifications/peers.py and a
server that never answers, for the timeout).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.db import Sessionmaker
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve
from tests.notifications.peers import http_peer
from tests.outbound_hosts import ALWAYS, LOOPBACK
from tests.pipelines.peers import silent_server

F = "/api/v1/federation"
ORG = "550e8400-e29b-41d4-a716-446655440001"
MISSING = "00000000-0000-0000-0000-000000000000"
KEYS = {"id", "name", "description", "org_id", "services", "created_at", "updated_at"}


def service(name: str, base_path: str, n: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "workspace_id": f"550e8400-e29b-41d4-a716-4466554400{n:02d}",
        "base_path": base_path,
        "reality_level": "real",
        "config": {},
        "dependencies": [],
        **extra,
    }


SERVICES = [
    service("auth", "/auth", 10),
    service(
        "payments", "/payments", 11, reality_level="mock_v3", dependencies=["auth"]
    ),
    service("refunds", "/payments/refunds", 12, reality_level="blended"),
]


def federation(**extra: Any) -> dict[str, Any]:
    return {
        "name": "e-commerce-platform",
        "description": "Federated e-commerce system",
        "org_id": ORG,
        "services": SERVICES,
        **extra,
    }


@pytest.fixture
async def api(db: Sessionmaker, pg_url: str) -> AsyncIterator[RunningApp]:
    async with serve(pg_settings(pg_url, allow_loopback_urls=True)) as running:
        yield running


async def create(
    app: RunningApp, headers: dict[str, str], **extra: Any
) -> dict[str, Any]:
    response = await app.http.post(F, json=federation(**extra), headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def error(response: Any) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"error", "message"}
    return response.status_code, body["error"], body["message"]


class TestCrud:
    async def test_create_shape(self, api: RunningApp, admin: dict[str, str]) -> None:
        body = await create(api, admin)
        assert set(body) == KEYS
        assert body["services"] == SERVICES
        assert (body["org_id"], body["description"]) == (
            ORG,
            "Federated e-commerce system",
        )
        assert body["updated_at"].endswith("Z")

    async def test_list_needs_org(self, api: RunningApp, admin: dict[str, str]) -> None:
        response = await api.http.get(F, headers=admin)
        assert await error(response) == (
            400,
            "Invalid request",
            "Missing required field: org_id",
        )

    async def test_list_by_org_paginated(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        for i in range(3):
            await create(api, admin, name=f"f{i}")
        other = "550e8400-e29b-41d4-a716-4466554400aa"
        await create(api, admin, name="elsewhere", org_id=other)
        response = await api.http.get(f"{F}?org_id={ORG}", headers=admin)
        assert [f["name"] for f in response.json()] == ["f0", "f1", "f2"]
        page = await api.http.get(f"{F}?org_id={ORG}&limit=1&offset=1", headers=admin)
        assert [f["name"] for f in page.json()] == ["f1"]

    async def test_get_patch_delete(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        created = await create(api, admin)
        url = f"{F}/{created['id']}"
        assert (await api.http.get(url, headers=admin)).json() == created
        patched = await api.http.patch(
            url,
            json={
                "name": "updated-federation-name",
                "description": "Updated description",
                "services": SERVICES[:1],
            },
            headers=admin,
        )
        body = patched.json()
        assert (body["name"], body["description"]) == (
            "updated-federation-name",
            "Updated description",
        )
        assert body["services"] == SERVICES[:1]
        deleted = await api.http.delete(url, headers=admin)
        assert (deleted.status_code, deleted.content) == (204, b"")
        assert await error(await api.http.get(url, headers=admin)) == (
            404,
            "Not found",
            "Federation not found",
        )

    async def test_unknown_ids(self, api: RunningApp, admin: dict[str, str]) -> None:
        for bad in (MISSING, "x"):
            for method, suffix in (
                ("GET", ""),
                ("PATCH", ""),
                ("DELETE", ""),
                ("POST", "/route"),
            ):
                response = await api.http.request(
                    method, f"{F}/{bad}{suffix}", json={"path": "/a"}, headers=admin
                )
                assert await error(response) == (
                    404,
                    "Not found",
                    "Federation not found",
                )

    async def test_duplicate_name(self, api: RunningApp, admin: dict[str, str]) -> None:
        await create(api, admin)
        response = await api.http.post(F, json=federation(), headers=admin)
        assert await error(response) == (
            409,
            "Conflict",
            "Federation 'e-commerce-platform' already exists in this organization",
        )

    async def test_viewer_cannot_create(
        self, api: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("vera", ("viewer",))
        response = await api.http.post(
            F, json=federation(), headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 403


class TestServiceRules:
    @pytest.mark.parametrize(
        ("services", "message"),
        [
            (
                [service("a", "/a", 1), service("a", "/b", 2)],
                "services.1.name: duplicate service name 'a'",
            ),
            (
                [service("a", "/a", 1), service("b", "/a/", 2)],
                "services.1.base_path: base path /a is already used",
            ),
            (
                [service("a", "/a", 1, dependencies=["ghost"])],
                "services.0.dependencies: unknown service 'ghost'",
            ),
            (
                [
                    service("a", "/a", 1, dependencies=["b"]),
                    service("b", "/b", 2, dependencies=["a"]),
                ],
                "services: dependency cycle a -> b -> a",
            ),
        ],
    )
    async def test_refused(
        self,
        api: RunningApp,
        admin: dict[str, str],
        services: list[dict[str, Any]],
        message: str,
    ) -> None:
        response = await api.http.post(
            F, json=federation(services=services), headers=admin
        )
        assert await error(response) == (400, "Invalid request", message)

    async def test_bad_reality_level(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        bad = [service("a", "/a", 1, reality_level="mock_v9")]
        response = await api.http.post(F, json=federation(services=bad), headers=admin)
        status, title, message = await error(response)
        assert (status, title) == (400, "Invalid request")
        assert message.startswith("Invalid field services.0.reality_level")

    async def test_missing_service_field(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        bad = [{"name": "a", "base_path": "/a"}]
        response = await api.http.post(F, json=federation(services=bad), headers=admin)
        assert await error(response) == (
            400,
            "Invalid request",
            "Missing required field: services.0.workspace_id",
        )

    async def test_link_local_upstream_refused(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        bad = [
            service("a", "/a", 1, config={"upstream_url": "http://169.254.169.254/"})
        ]
        response = await api.http.post(F, json=federation(services=bad), headers=admin)
        assert await error(response) == (
            400,
            "Invalid request",
            "Link-local addresses are not allowed",
        )


class TestRoute:
    async def route(
        self, app: RunningApp, auth: dict[str, str], fid: str, **body: Any
    ) -> Any:
        return await app.http.post(f"{F}/{fid}/route", json=body, headers=auth)

    async def test_documented_example(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        fid = (await create(api, admin))["id"]
        response = await self.route(
            api, admin, fid, path="/auth/login", method="GET", headers={}, body=None
        )
        assert (response.status_code, response.json()) == (
            200,
            {
                "workspace_id": "550e8400-e29b-41d4-a716-446655440010",
                "service": {
                    "name": "auth",
                    "workspace_id": "550e8400-e29b-41d4-a716-446655440010",
                    "base_path": "/auth",
                    "reality_level": "real",
                },
                "service_path": "/login",
            },
        )

    async def test_longest_prefix_and_segments(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        fid = (await create(api, admin))["id"]
        cases = {
            "/payments/refunds/9?full=1": ("refunds", "/9?full=1"),
            "/payments/charge": ("payments", "/charge"),
            "/payments": ("payments", "/"),
            "/auth": ("auth", "/"),
        }
        for path, (name, rest) in cases.items():
            body = (await self.route(api, admin, fid, path=path)).json()
            assert (body["service"]["name"], body["service_path"]) == (name, rest), path

    async def test_no_service(self, api: RunningApp, admin: dict[str, str]) -> None:
        fid = (await create(api, admin))["id"]
        response = await self.route(api, admin, fid, path="/authors/1")
        assert await error(response) == (
            404,
            "Not found",
            "No service handles path /authors/1",
        )

    async def test_bad_body(self, api: RunningApp, admin: dict[str, str]) -> None:
        fid = (await create(api, admin))["id"]
        missing = await self.route(api, admin, fid, method="GET")
        assert await error(missing) == (
            400,
            "Invalid request",
            "Missing required field: path",
        )
        relative = await self.route(api, admin, fid, path="auth/login")
        assert relative.status_code == 400

    async def test_forwards_to_upstream(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        async with http_peer(201) as peer:
            services = [
                service("auth", "/auth", 10, config={"upstream_url": peer.url + "/v2"})
            ]
            fid = (await create(api, admin, services=services))["id"]
            response = await self.route(
                api,
                admin,
                fid,
                path="/auth/login?next=/home",
                method="POST",
                headers={"X-Trace": "t-1", "Host": "evil.example"},
                body={"user": "alice"},
            )
        body = response.json()
        assert body["service_path"] == "/login?next=/home"
        assert body["response"]["status_code"] == 201
        assert body["response"]["body"] == "peer-body-SECRET-4711"
        sent = peer.received[0]
        assert (sent.method, sent.path) == ("POST", "/v2/login?next=/home")
        assert sent.json() == {"user": "alice"}
        assert sent.headers["x-trace"] == "t-1"
        assert sent.headers["host"] == f"127.0.0.1:{peer.port}"

    async def test_upstream_timeout(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        async with silent_server() as url:
            config = {"upstream_url": url, "timeout_seconds": 0.3}
            services = [service("slow", "/slow", 10, config=config)]
            fid = (await create(api, admin, services=services))["id"]
            response = await self.route(api, admin, fid, path="/slow/x")
        assert response.status_code == 200
        assert response.json()["response"] == {
            "status_code": None,
            "error": "upstream timed out after 0.3s",
        }

    async def test_upstream_down(self, api: RunningApp, admin: dict[str, str]) -> None:
        services = [
            service("gone", "/g", 10, config={"upstream_url": "http://127.0.0.1:9"})
        ]
        fid = (await create(api, admin, services=services))["id"]
        response = await self.route(api, admin, fid, path="/g")
        assert response.json()["response"] == {
            "status_code": None,
            "error": "upstream unreachable: ConnectError",
        }


class TestLoopbackPolicy:
    async def test_loopback_upstream_refused_by_default(
        self, db: Sessionmaker, pg_url: str, make_user: TokenFactory
    ) -> None:
        async with serve(pg_settings(pg_url)) as app:
            headers = {"Authorization": f"Bearer {await make_user()}"}
            bad = [
                service("a", "/a", 1, config={"upstream_url": "http://127.0.0.1:9/"})
            ]
            response = await app.http.post(
                F, json=federation(services=bad), headers=headers
            )
        assert await error(response) == (
            400,
            "Invalid request",
            "Loopback addresses are not allowed",
        )

    async def test_every_spelling_of_loopback_and_metadata_refused(
        self, db: Sessionmaker, pg_url: str, make_user: TokenFactory
    ) -> None:
        refused = [*LOOPBACK, *ALWAYS]
        async with serve(pg_settings(pg_url)) as app:
            headers = {"Authorization": f"Bearer {await make_user()}"}
            answers = []
            for host in refused:
                config = {"upstream_url": f"http://{host}:9/"}
                bad = [service("a", "/a", 1, config=config)]
                response = await app.http.post(
                    F, json=federation(services=bad), headers=headers
                )
                answers.append((response.status_code, response.json()["error"]))
        assert answers == [(400, "Invalid request")] * len(refused)

    async def test_unparsable_upstream_is_a_400(
        self, api: RunningApp, admin: dict[str, str]
    ) -> None:
        bad = [service("a", "/a", 1, config={"upstream_url": "http://0177.0.0.1/"})]
        response = await api.http.post(F, json=federation(services=bad), headers=admin)
        assert await error(response) == (400, "Invalid request", "Invalid URL")
        fid = (await create(api, admin))["id"]
        patched = await api.http.patch(
            f"{F}/{fid}", json={"services": bad}, headers=admin
        )
        assert await error(patched) == (400, "Invalid request", "Invalid URL")

    async def test_a_name_of_loopback_is_refused_when_routing(
        self, db: Sessionmaker, pg_url: str, make_user: TokenFactory
    ) -> None:
        async with http_peer() as peer, serve(pg_settings(pg_url)) as app:
            headers = {"Authorization": f"Bearer {await make_user()}"}
            config = {"upstream_url": f"http://localhost:{peer.port}/"}
            services = [service("a", "/a", 1, config=config)]
            fid = (await create(app, headers, services=services))["id"]
            response = await app.http.post(
                f"{F}/{fid}/route", json={"path": "/a/x"}, headers=headers
            )
        assert response.json()["response"] == {
            "status_code": None,
            "error": "Loopback addresses are not allowed",
        }
        assert peer.received == []
