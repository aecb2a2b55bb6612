"""Known hostile and careless inputs answer the surface's documented client error."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest

from app.db import Sessionmaker
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestIds:
    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/playbooks/²",
            "/api/v1/playbooks/٣",
            "/api/v1/playbooks/2147483648",
            "/api/v1/playbooks/100000000000000000000",
        ],
    )
    async def test_opmas_id_beyond_int4_or_not_ascii_is_its_404(
        self, app: RunningApp, make_user: TokenFactory, path: str
    ) -> None:
        response = await app.http.get(path, headers=bearer(await make_user()))
        assert response.status_code == 404
        assert response.json() == {"detail": "Playbook not found"}

    @pytest.mark.parametrize("raw", ["2147483648", "9223372036854775808", "²", "-1"])
    async def test_opsconductor_device_id_out_of_range_is_not_found(
        self, app: RunningApp, make_user: TokenFactory, raw: str
    ) -> None:
        response = await app.http.get(
            f"/api/devices/{raw}", headers=bearer(await make_user())
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"

    async def test_offset_beyond_int4_is_a_validation_error_naming_it(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        response = await app.http.get(
            "/api/devices",
            params={"offset": str(10**20)},
            headers=bearer(await make_user()),
        )
        assert response.status_code == 400
        assert response.json()["error"]["message"].startswith("offset:")

    async def test_unicode_digit_page_is_a_400(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        response = await app.http.get(
            "/api/v1/playbooks",
            params={"limit": "²"},
            headers=bearer(await make_user()),
        )
        assert response.status_code == 400
        assert "limit" in response.json()["detail"]


class TestBodies:
    @pytest.mark.parametrize(
        "field", ["hostname", "name", "device_type", "description"]
    )
    async def test_null_in_a_required_device_field_is_a_400_naming_it(
        self, app: RunningApp, make_user: TokenFactory, field: str
    ) -> None:
        headers = bearer(await make_user())
        created = await app.http.post(
            "/api/devices",
            json={"ip_address": "127.0.0.1", "hostname": "h"},
            headers=headers,
        )
        device_id = created.json()["data"]["id"]
        response = await app.http.put(
            f"/api/devices/{device_id}", json={field: None}, headers=headers
        )
        assert response.status_code == 400
        error = response.json()["error"]
        assert (error["code"], error["details"]["field"]) == ("VALIDATION_ERROR", field)

    async def test_credential_without_a_name_is_a_400_naming_it(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        response = await app.http.post(
            "/api/credentials",
            json={"credential_type": "ssh"},
            headers=bearer(await make_user()),
        )
        assert response.status_code == 400
        assert response.json()["error"]["details"] == {"field": "name"}

    async def test_id_list_beyond_int4_names_the_field(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        response = await app.http.post(
            "/api/devices",
            json={"ip_address": "127.0.0.1", "groups": [1, 2**40]},
            headers=bearer(await make_user()),
        )
        assert response.status_code == 400
        assert response.json()["error"]["message"].startswith("groups.1:")

    @pytest.mark.parametrize(
        "content",
        [b"\xff\xfe{}", b"[" * 50_000, b'{"a":' * 100 + b"1" + b"}" * 100],
    )
    async def test_bad_utf8_and_deep_nesting_are_400_on_anonymous_login(
        self, app: RunningApp, content: bytes
    ) -> None:
        response = await app.http.post(
            "/api/auth/login",
            content=content,
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "VALIDATION_ERROR"

    async def test_deep_nesting_is_a_400_on_graphql(self, app: RunningApp) -> None:
        response = await app.http.post(
            "/graphql",
            content=b"[" * 50_000,
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 400


@pytest.fixture
async def strict_app(db: Sessionmaker, pg_url: str) -> AsyncIterator[RunningApp]:
    """The API with a 4 KiB body limit and half-second read timeouts."""
    settings = pg_settings(
        pg_url,
        max_body_bytes=4096,
        body_read_timeout_seconds=0.5,
        header_read_timeout_seconds=0.5,
    )
    async with serve(settings) as running:
        yield running


async def _chunks(total: int) -> AsyncIterator[bytes]:
    yield b'{"username": "'
    for _ in range(total // 1024):
        yield b"x" * 1024


class TestBodyLimits:
    async def test_declared_oversized_body_is_413_in_the_surface_shape(
        self, strict_app: RunningApp
    ) -> None:
        response = await strict_app.http.post("/api/auth/login", content=b"x" * 10_000)
        assert response.status_code == 413
        error = response.json()["error"]
        assert (error["code"], error["details"]) == (
            "VALIDATION_ERROR",
            {"reason": "PAYLOAD_TOO_LARGE"},
        )

    async def test_streamed_oversized_body_is_413_on_every_face(
        self, strict_app: RunningApp
    ) -> None:
        rest = await strict_app.http.post(
            "/birun/api/auth/login", content=_chunks(8 * 1024)
        )
        graphql = await strict_app.http.post(
            "/graphql",
            content=_chunks(8 * 1024),
            headers={"content-type": "application/json"},
        )
        assert rest.status_code == graphql.status_code == 413
        assert rest.json()["details"] == {"code": "PAYLOAD_TOO_LARGE"}
        assert graphql.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"

    async def test_a_body_that_stalls_is_408(self, strict_app: RunningApp) -> None:
        host, port = strict_app.base_url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 5)
        writer.close()
        assert status_line.startswith(b"HTTP/1.1 408")

    async def test_headers_trickled_slowly_lose_the_connection(
        self, strict_app: RunningApp
    ) -> None:
        host, port = strict_app.base_url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        await writer.drain()
        started = asyncio.get_running_loop().time()
        with contextlib.suppress(ConnectionError):  # the server hung up
            for _ in range(10):
                await asyncio.sleep(0.2)
                writer.write(b"X-Slow: 1\r\n")
                await writer.drain()
        with contextlib.suppress(ConnectionError):
            assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
        assert asyncio.get_running_loop().time() - started < 1.5


class TestLogging:
    async def test_rest_client_error_is_one_warning_line(
        self, app: RunningApp, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO):
            await app.http.get("/api/devices/²", headers={"X-Request-ID": "rid-7"})
        ours = [r for r in caplog.records if r.name.startswith("app")]
        assert [(r.levelno, r.exc_info) for r in ours] == [(logging.WARNING, None)]
        assert (
            ours[0].getMessage()
            == "GET /api/devices/² -> 401 UNAUTHORIZED (request rid-7)"
        )

    async def test_graphql_denied_field_is_one_warning_line_without_traceback(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        token = await make_user(roles=("viewer",))
        with caplog.at_level(logging.INFO):
            body = await app.gql(
                'mutation { createDeviceGroup(name: "g") { __typename } }',
                token=token,
            )
        assert body["errors"]
        logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [(r.levelno, r.exc_info) for r in logged] == [(logging.WARNING, None)]
        assert "FORBIDDEN" in logged[0].getMessage()


class TestGraphQL:
    @pytest.mark.parametrize("raw", ["2147483648", "100000000000000000000", "²"])
    async def test_id_beyond_int4_is_not_found_not_a_crash(
        self, app: RunningApp, make_user: TokenFactory, raw: str
    ) -> None:
        body = await app.gql(
            "mutation($id: ID!) { deleteDevice(id: $id) { __typename } }",
            {"id": raw},
            token=await make_user(),
        )
        assert body["errors"][0]["message"] == f"No object with id '{raw}'"

    async def test_oversized_name_names_the_field(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        body = await app.gql(
            "mutation($n: String!) {"
            " createDeviceGroup(name: $n) { ... on Error { message } } }",
            {"n": "x" * 100_000},
            token=await make_user(),
        )
        assert body["data"]["createDeviceGroup"] == {
            "message": "name: at most 200 characters"
        }

    async def test_non_ascii_two_factor_code_is_refused_not_a_crash(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user()
        await app.gql("mutation { enrollTwoFactor { __typename } }", token=token)
        body = await app.gql(
            "mutation($c: String!) { confirmTwoFactor(code: $c) { __typename } }",
            {"c": "٣٣٣٣٣٣"},
            token=token,
        )
        assert "Unexpected error." not in str(body)

    async def test_workflow_nodes_must_be_a_list_of_objects(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        body = await app.gql(
            "mutation($i: WorkflowInput!) {"
            " createWorkflow(input: $i) { ... on Error { message } } }",
            {"i": {"name": "w", "nodes": {"a": None}, "edges": []}},
            token=await make_user(),
        )
        assert body["data"]["createWorkflow"] == {
            "message": "nodes must be a list of objects"
        }


class TestDocumentedCodes:
    async def test_opsconductor_conflict_is_a_documented_code_with_the_reason(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        headers = bearer(await make_user())
        await app.http.post("/api/groups", json={"name": "g"}, headers=headers)
        again = await app.http.post("/api/groups", json={"name": "g"}, headers=headers)
        assert again.status_code == 409
        error = again.json()["error"]
        assert error["code"] in {
            "VALIDATION_ERROR",
            "NOT_FOUND",
            "UNAUTHORIZED",
            "FORBIDDEN",
            "INTERNAL_ERROR",
        }
        assert error["details"]["reason"] == "GROUP_NAME_DUPLICATE"
