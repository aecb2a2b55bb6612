"""Every route of every surface answers its refusals in the documented shape and codes.

One real server; each test walks the whole route registry: anonymous callers,
callers without a permission, JSON bodies sent as another content type, unknown
paths and methods, oversized bodies and rate limits.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from app.compat import ansible_hub, openapi
from app.compat.base import CompatRoute, Failure, Surface
from app.compat.registry import SURFACES
from app.db import Sessionmaker
from tests.compat import documented
from tests.conftest import RunningApp, TokenFactory, pg_settings, serve

WRITES = ("POST", "PUT", "PATCH")
# Ends the caller's own session: the rest of the walk needs it.
SKIPPED = {("POST", "/auth/logout")}
WRONG_TYPES = {
    "text/plain": {"content-type": "text/plain"},
    "form": {"content-type": "application/x-www-form-urlencoded"},
    "none": {},
}
BODY = b'{"name": "x"}'


def _routes(app: RunningApp) -> Iterator[tuple[str, Surface, CompatRoute, str]]:
    """(surface name, surface, route, path with every parameter set to 1)."""
    for name, surface in SURFACES:
        prefix = app.settings.rest_prefix(name)
        for route in surface.routes:
            parts = (p if not p.startswith("{") else "1" for p in route.path.split("/"))
            yield name, surface, route, prefix + "/".join(parts)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _wrong(answers: list[str]) -> None:
    assert not answers, "\n".join(answers)


class TestEveryRoute:
    async def test_anonymous_caller_is_a_documented_401(self, app: RunningApp) -> None:
        answers = []
        for name, _, route, path in _routes(app):
            if route.permission is None:
                continue
            response = await app.http.request(route.method, path)
            why = documented.problem(name, response)
            if response.status_code != 401 or why:
                answers.append(f"{route.method} {path}: {response.status_code} {why}")
        _wrong(answers)

    async def test_caller_without_the_permission_is_a_documented_403(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        headers = bearer(await make_user("nobody", roles=()))
        answers = []
        for name, _, route, path in _routes(app):
            if route.permission is None or route.permission.startswith("users.self"):
                continue
            response = await app.http.request(route.method, path, headers=headers)
            why = documented.problem(name, response)
            if response.status_code != 403 or why:
                answers.append(f"{route.method} {path}: {response.status_code} {why}")
        _wrong(answers)

    @pytest.mark.parametrize("kind", sorted(WRONG_TYPES))
    async def test_json_body_sent_as_another_type_is_refused(
        self, app: RunningApp, make_user: TokenFactory, kind: str
    ) -> None:
        headers = {**bearer(await make_user()), **WRONG_TYPES[kind]}
        answers = []
        for name, surface, route, path in _routes(app):
            if route.method not in WRITES or (route.method, route.path) in SKIPPED:
                continue
            response = await app.http.request(
                route.method, path, content=BODY, headers=headers
            )
            why = documented.problem(name, response)
            if response.status_code >= 500 or why:
                answers.append(f"{route.method} {path}: {response.status_code} {why}")
            elif _parsed(name, surface, route, response):
                answers.append(f"{route.method} {path}: parsed a {kind} body")
        _wrong(answers)

    async def test_wrong_content_type_is_one_warning_line(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        headers = {**bearer(await make_user()), "content-type": "text/plain"}
        with caplog.at_level(logging.INFO):
            response = await app.http.post(
                "/api/inventories", content=BODY, headers=headers
            )
        assert (response.status_code, response.json()["error"]) == (
            422,
            {
                "code": "INVALID_INVENTORY_CONFIG",
                "message": "Content-Type must be application/json (got 'text/plain')",
                "details": {
                    "content_type": "text/plain",
                    "reason": "UNSUPPORTED_MEDIA_TYPE",
                },
            },
        )
        ours = [r for r in caplog.records if r.name.startswith("app")]
        assert [(r.levelno, r.exc_info) for r in ours] == [(logging.WARNING, None)]
        assert "422 UNSUPPORTED_MEDIA_TYPE" in ours[0].getMessage()

    async def test_json_body_is_still_accepted(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        response = await app.http.post(
            "/api/inventories",
            content=b'{"name": "inv", "config": "h1"}',
            headers={
                **bearer(await make_user()),
                "content-type": "application/json; charset=utf-8",
            },
        )
        assert response.status_code == 201, response.text


def _parsed(name: str, surface: Surface, route: CompatRoute, response: Any) -> bool:
    """A route validating a JSON body took the body in: it succeeded, or refused
    it for what it holds rather than for its content type. (Refusals before the
    body is read, such as an unknown id, say nothing either way.)"""
    if not openapi.models_of(route.handler)["body"]:
        return False
    if response.status_code < 400:
        return True
    if response.status_code != surface.invalid_status:
        return False
    text = documented.message(name, response.json())
    return "Content-Type must be application/json" not in text


class TestSharedPrefixes:
    @pytest.mark.parametrize(
        ("surface", "path"),
        [
            ("ansible_hub", "/api/inventories/1/nothing"),
            ("ansible_hub", "/api/playbooks/jobs/1/nothing"),
            ("ansible_hub", "/api/ai/nothing"),
            ("opsconductor", "/api/nothing-here"),
            ("opmas", "/api/v1/playbooks/1/nothing/else"),
            ("mockops", "/api/v1/pipelines/1/nothing/else"),
            ("birun", "/birun/api/nothing"),
        ],
    )
    async def test_unknown_path_and_method_are_documented(
        self, app: RunningApp, surface: str, path: str
    ) -> None:
        missing = await app.http.get(path)
        assert missing.status_code == 404
        assert documented.problem(surface, missing) is None, missing.text

    @pytest.mark.parametrize(
        ("surface", "path", "code"),
        [
            ("ansible_hub", "/api/inventories/1", "INVALID_INVENTORY_CONFIG"),
            ("ansible_hub", "/api/playbooks/jobs/1", "PLAYBOOK_VALIDATION_ERROR"),
            ("opsconductor", "/api/devices/1", "VALIDATION_ERROR"),
            ("opmas", "/api/v1/playbooks/1", None),
            ("birun", "/birun/api/scripts/1", None),
        ],
    )
    async def test_wrong_method_is_documented(
        self, app: RunningApp, surface: str, path: str, code: str | None
    ) -> None:
        response = await app.http.request("PATCH", path)
        assert response.status_code == 405
        assert documented.problem(surface, response) is None, response.text
        if code is not None:
            error = response.json()["error"]
            assert (error["code"], error["details"]) == (
                code,
                {"reason": "METHOD_NOT_ALLOWED"},
            )


class TestAnsibleHubCodes:
    @pytest.mark.parametrize(
        ("path", "status", "code"),
        [
            ("/api/inventories", 401, "INVALID_INVENTORY_CONFIG"),
            ("/api/inventories/1", 404, "INVENTORY_NOT_FOUND"),
            ("/api/ssh/test", 500, "SSH_CONNECTION_FAILED"),
            ("/api/playbooks", 429, "PLAYBOOK_VALIDATION_ERROR"),
            ("/api/playbooks/9", 409, "PLAYBOOK_NAME_DUPLICATE"),
            ("/api/playbooks/execute", 403, "PLAYBOOK_VALIDATION_ERROR"),
            ("/api/playbooks/jobs/3", 404, "JOB_NOT_FOUND"),
            ("/api/playbooks/jobs/3", 500, "PLAYBOOK_EXECUTION_FAILED"),
            ("/api/ai/messages", 413, "INVALID_MESSAGE_FORMAT"),
            ("/api/ai/conversations/x", 503, "AI_SERVICE_UNAVAILABLE"),
        ],
    )
    def test_generic_failure_takes_the_resource_code(
        self, path: str, status: int, code: str
    ) -> None:
        body = ansible_hub.render_error(Failure(status, "GENERIC", "m", path=path))
        assert body["error"] == {
            "code": code,
            "message": "m",
            "details": {"reason": "GENERIC"},
        }

    def test_documented_code_is_kept_without_a_reason(self) -> None:
        failure = Failure(
            404, "INVENTORY_NOT_FOUND", "m", path="/api/playbooks/execute"
        )
        body = ansible_hub.render_error(failure)
        assert body["error"] == {"code": "INVENTORY_NOT_FOUND", "message": "m"}


@pytest.fixture
async def tight_app(db: Sessionmaker, pg_url: str) -> AsyncIterator[RunningApp]:
    """The API with a 1 KiB body limit and two requests a minute per caller."""
    settings = pg_settings(pg_url, max_body_bytes=1024, rate_limit_default="2/minute")
    async with serve(settings) as running:
        yield running


class TestLimits:
    @pytest.mark.parametrize(
        ("surface", "path"),
        [
            ("ansible_hub", "/api/inventories"),
            ("opsconductor", "/api/devices"),
            ("opmas", "/api/v1/playbooks"),
            ("mockops", "/api/v1/pipelines"),
            ("birun", "/birun/api/scripts/"),
        ],
    )
    async def test_oversized_body_and_rate_limit_are_documented(
        self,
        tight_app: RunningApp,
        make_user: TokenFactory,
        surface: str,
        path: str,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        headers = {**bearer(await make_user()), "content-type": "application/json"}
        with caplog.at_level(logging.INFO):
            big = await tight_app.http.post(path, content=b" " * 4096, headers=headers)
        assert big.status_code == 413
        assert documented.problem(surface, big) is None, big.text
        ours = [r for r in caplog.records if r.name.startswith("app")]
        assert [(r.levelno, r.exc_info) for r in ours] == [(logging.WARNING, None)]
        for _ in range(3):
            limited = await tight_app.http.get(path, headers=headers)
        assert limited.status_code == 429
        assert documented.problem(surface, limited) is None, limited.text
