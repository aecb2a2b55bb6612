"""Surface mounting, collision refusal and each surface's error shapes."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import Response

from app.compat.base import Call, Surface
from app.compat.opsconductor import render_error
from app.compat.registry import RouteCollisionError, mount
from app.main import create_app
from tests.conftest import RunningApp, TokenFactory, pg_settings


class TestMounting:
    def test_two_surfaces_on_one_method_and_path_refuse_to_start(self) -> None:
        settings = pg_settings("sqlite+aiosqlite://", rest_prefix_birun="/api")
        with pytest.raises(RouteCollisionError) as raised:
            create_app(settings)
        message = str(raised.value)
        assert "POST /api/auth/login" in message
        assert "opsconductor" in message
        assert "birun" in message

    def test_default_prefixes_do_not_collide(self) -> None:
        routes, _ = mount(pg_settings("sqlite+aiosqlite://"))
        paths = {r.path for r in routes}
        assert {"/api/auth/login", "/birun/api/auth/login"} <= paths


class TestErrorShapes:
    @pytest.mark.parametrize(
        ("path", "body"),
        [
            ("/api/v1/playbooks/nope/x", {"detail": "Not found"}),
            (
                "/api/nothing-here",
                {
                    "success": False,
                    "error": {"code": "NOT_FOUND", "message": "Not found"},
                },
            ),
            (
                "/birun/api/nothing",
                {
                    "error": "Not found",
                    "status": "error",
                    "details": {"code": "NOT_FOUND"},
                },
            ),
        ],
    )
    async def test_unknown_path_answers_in_the_surface_shape(
        self, app: RunningApp, path: str, body: dict[str, object]
    ) -> None:
        response = await app.http.get(path)
        assert (response.status_code, response.json()) == (404, body)

    async def test_malformed_json_is_a_400_in_the_surface_shape(
        self, app: RunningApp
    ) -> None:
        response = await app.http.post(
            "/api/auth/login",
            content=b"{not json",
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 400
        assert response.json() == {
            "success": False,
            "error": {
                "code": "VALIDATION_ERROR",
                "message": "Request body is not valid JSON",
                "details": {
                    "position": 1,
                    "problem": "Expecting property name enclosed in double quotes",
                },
            },
        }

    async def test_missing_field_names_the_field(self, app: RunningApp) -> None:
        response = await app.http.post("/birun/api/auth/login", json={"username": "a"})
        assert response.status_code == 422
        body = response.json()
        assert body["status"] == "error"
        assert body["error"] == "password: Field required"

    async def test_no_token_is_401_and_wrong_role_is_403(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        anonymous = await app.http.get("/api/auth/me")
        assert anonymous.status_code == 401
        assert anonymous.json()["error"]["code"] == "UNAUTHORIZED"
        token = await make_user(roles=("viewer",))
        me = await app.http.get(
            "/api/auth/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert me.status_code == 200
        assert me.json()["data"]["roles"] == ["viewer"]

    async def test_crash_is_a_500_without_stack_trace_and_is_logged(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        surface = Surface("probe", render_error)

        @surface.route("GET", "/boom", permission=None)
        async def boom(call: Call) -> Response:
            raise RuntimeError("secret internals")

        app = Starlette(routes=surface.starlette_routes("/x"))
        app.state.settings = pg_settings("sqlite+aiosqlite://")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t"
        ) as client:
            with caplog.at_level(logging.ERROR, logger="app.compat"):
                response = await client.get(
                    "/x/boom", headers={"X-Request-ID": "rid-42"}
                )
        assert response.status_code == 500
        assert response.json() == {
            "success": False,
            "error": {"code": "INTERNAL_ERROR", "message": "Internal server error"},
        }
        assert "secret internals" not in response.text
        assert any("GET /x/boom" in r.getMessage() for r in caplog.records)
