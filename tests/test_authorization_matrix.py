"""Every REST route and every GraphQL query and mutation, for an anonymous caller
and each built-in role: 401, 403 or allowed, exactly as the permissions say.

Routes and fields are enumerated from the app itself, so one added later without
a declared permission fails here (unless it is listed as deliberately anonymous).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from graphql import (
    GraphQLField,
    GraphQLInputType,
    Undefined,
    get_named_type,
    is_enum_type,
    is_input_object_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)

from app import auth
from app.compat.registry import SURFACES
from app.db import Sessionmaker, unit_of_work
from app.graphql.schema import schema
from app.settings import Settings
from app.users import repository as users_repository
from app.users import service as users_service
from tests.conftest import TEST_KEY, RunningApp, pg_settings, serve

ROLES = tuple(users_service.BUILTIN_ROLES)
ANONYMOUS_ROUTES = {
    ("opsconductor", "POST", "/auth/login"),
    ("opsconductor", "POST", "/auth/verify-2fa"),
    ("opsconductor", "POST", "/auth/refresh"),
    ("birun", "POST", "/auth/login"),
    ("birun", "POST", "/auth/register"),
}
ANONYMOUS_FIELDS = {"login", "verifyTwoFactor", "refreshToken"}
ADMIN_PASSWORD = "bootstrap-admin-pass"
SCALARS: dict[str, Any] = {
    "String": "x",
    "ID": "999999",
    "Int": 999999,
    "Float": 1.0,
    "Boolean": False,
    "DateTime": "2020-01-01T00:00:00+00:00",
    "JSON": {},
    "UUID": "00000000-0000-0000-0000-000000000000",
}


@dataclass(frozen=True)
class Target:
    """One thing to call, and the permission it declares (None: any login)."""

    label: str
    permission: str | None


def _grants(role: str) -> frozenset[str]:
    return frozenset([*users_service.BUILTIN_ROLES[role][1], auth.SELF_SERVICE])


def expected(target: Target, role: str | None) -> str:
    """`401`, `403` or `allowed` for `role` (None: anonymous)."""
    if role is None:
        return "401"
    if target.permission is None:
        return "allowed"
    granted = any(auth.permission_covers(g, target.permission) for g in _grants(role))
    return "allowed" if granted else "403"


def rest_routes() -> Iterator[tuple[str, str, str, str | None]]:
    """(surface, method, path, permission) of every registered REST route."""
    for name, surface in SURFACES:
        for route in surface.routes:
            yield name, route.method, route.path, route.permission


def gql_fields() -> Iterator[tuple[str, str, GraphQLField, str | None]]:
    """(operation, name, field, permission) of every query and mutation."""
    for operation, root in (
        ("query", schema._schema.query_type),
        ("mutation", schema._schema.mutation_type),
    ):
        assert root is not None
        for name, field in root.fields.items():
            definition = field.extensions["strawberry-definition"]
            required = [c.required for c in definition.permission_classes]
            yield operation, name, field, required[0] if required else None


def _has_permission_class(name: str, field: GraphQLField) -> bool:
    return bool(field.extensions["strawberry-definition"].permission_classes)


class TestEveryEntryPointDeclaresAPermission:
    def test_rest_routes(self) -> None:
        undeclared = [
            (surface, method, path)
            for surface, method, path, permission in rest_routes()
            if permission is None and (surface, method, path) not in ANONYMOUS_ROUTES
        ]
        assert undeclared == []

    def test_graphql_fields(self) -> None:
        undeclared = [
            name
            for _, name, field, _ in gql_fields()
            if name not in ANONYMOUS_FIELDS and not _has_permission_class(name, field)
        ]
        assert undeclared == []

    def test_declared_permissions_are_well_formed(self) -> None:
        declared = [p for *_, p in rest_routes()] + [p for *_, p in gql_fields()]
        assert [p for p in declared if p and not auth.valid_permission(p)] == []


def _dummy(kind: GraphQLInputType) -> Any:
    if is_non_null_type(kind):
        return _dummy(kind.of_type)  # type: ignore[attr-defined]
    if is_list_type(kind):
        return []
    named = get_named_type(kind)
    if is_enum_type(named):
        return next(iter(named.values))  # type: ignore[attr-defined]
    if is_input_object_type(named):
        return {
            key: _dummy(f.type)
            for key, f in named.fields.items()  # type: ignore[attr-defined]
            if is_non_null_type(f.type) and f.default_value is Undefined
        }
    return SCALARS.get(named.name, "x")


def operation_for(operation: str, name: str, field: GraphQLField) -> tuple[str, dict]:
    """A document calling `name` with placeholder values for required arguments."""
    required = {
        arg_name: arg
        for arg_name, arg in field.args.items()
        if is_non_null_type(arg.type) and arg.default_value is Undefined
    }
    params = ", ".join(f"${a}: {arg.type}" for a, arg in required.items())
    call = ", ".join(f"{a}: ${a}" for a in required)
    selection = "" if is_leaf_type(get_named_type(field.type)) else " { __typename }"
    header = f"{operation}({params})" if params else operation
    document = f"{header} {{ {name}{f'({call})' if call else ''}{selection} }}"
    return document, {a: _dummy(arg.type) for a, arg in required.items()}


def classify_gql(body: dict[str, Any]) -> str:
    codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors", [])}
    if "UNAUTHENTICATED" in codes:
        return "401"
    return "403" if "FORBIDDEN" in codes else "allowed"


def classify_rest(status: int) -> str:
    return {401: "401", 403: "403"}.get(status, "allowed")


class Callers:
    """Fresh tokens for the bootstrap admin and the users it created."""

    def __init__(self, db: Sessionmaker, ids: dict[str, int]) -> None:
        self.db, self.ids = db, ids

    async def headers(self, role: str | None) -> dict[str, str]:
        """A new session each call: logout routes revoke the one they are given."""
        if role is None:
            return {}
        async with unit_of_work(self.db) as session:
            user = await users_repository.user_by_id(session, self.ids[role])
            assert user is not None
            issued = await users_service.start_session(
                session, user, TEST_KEY, timedelta(minutes=5)
            )
        return {"Authorization": f"Bearer {issued.access_token}"}


async def _login_everywhere(app: RunningApp) -> str:
    """The bootstrap admin logs in on GraphQL and both REST login routes."""
    creds = {"username": "admin", "password": ADMIN_PASSWORD}
    gql = await app.gql(
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) "
        "{ ... on LoginSuccess { accessToken } } }",
        {"u": "admin", "p": ADMIN_PASSWORD},
    )
    birun = await app.http.post("/birun/api/auth/login", json=creds)
    conductor = await app.http.post("/api/auth/login", json=creds)
    tokens = [
        gql["data"]["login"]["accessToken"],
        birun.json()["access_token"],
        conductor.json()["data"]["session_token"],
    ]
    for token in tokens:
        me = await app.http.get(
            "/api/auth/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert me.json()["data"]["roles"] == ["admin"]
    return str(tokens[2])


async def _create(app: RunningApp, admin: str, role: str) -> int:
    response = await app.http.post(
        "/api/auth/users",
        json={
            "username": f"{role}-user",
            "password": "role-user-pass",
            "roles": [role],
        },
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["data"]["id"])


@pytest.fixture
async def matrix_app(db: Sessionmaker, pg_url: str) -> Any:
    settings: Settings = pg_settings(pg_url, admin_password=ADMIN_PASSWORD)
    async with serve(settings) as app:
        admin = await _login_everywhere(app)
        ids = {"admin": 1}
        for role in ("operator", "viewer"):
            ids[role] = await _create(app, admin, role)
        yield app, Callers(db, ids)


def _url(app: RunningApp, surface: str, path: str) -> str:
    prefix = app.settings.rest_prefix(surface)
    return prefix + re.sub(r"\{[^}]+\}", "999999", path)


class TestMatrix:
    async def test_rest_routes(self, matrix_app: tuple[RunningApp, Callers]) -> None:
        app, callers = matrix_app
        mismatches = []
        for surface, method, path, permission in rest_routes():
            if permission is None:
                continue
            target = Target(f"{surface} {method} {path}", permission)
            for role in (None, *ROLES):
                response = await app.http.request(
                    method,
                    _url(app, surface, path),
                    json={} if method in ("POST", "PUT", "PATCH") else None,
                    headers=await callers.headers(role),
                )
                got, want = classify_rest(response.status_code), expected(target, role)
                if got != want:
                    mismatches.append((target.label, role, want, got))
        assert mismatches == []

    async def test_graphql_fields(self, matrix_app: tuple[RunningApp, Callers]) -> None:
        app, callers = matrix_app
        mismatches = []
        for operation, name, field, permission in gql_fields():
            if name in ANONYMOUS_FIELDS:
                continue
            document, variables = operation_for(operation, name, field)
            target = Target(name, permission)
            for role in (None, *ROLES):
                headers = await callers.headers(role)
                response = await app.http.post(
                    "/graphql",
                    json={"query": document, "variables": variables},
                    headers=headers,
                )
                got, want = classify_gql(response.json()), expected(target, role)
                if got != want:
                    mismatches.append((name, role, want, got, response.text[:200]))
        assert mismatches == []

    async def test_operator_and_viewer_rights_in_practice(
        self, matrix_app: tuple[RunningApp, Callers]
    ) -> None:
        app, callers = matrix_app
        viewer = await callers.headers("viewer")
        operator = await callers.headers("operator")
        listed = await app.http.get("/api/auth/users", headers=viewer)
        assert [u["username"] for u in listed.json()["data"]] == [
            "admin",
            "operator-user",
            "viewer-user",
        ]
        for headers in (viewer, operator):
            refused = await app.http.post(
                "/api/auth/roles", json={"name": "x"}, headers=headers
            )
            assert refused.status_code == 403
        ping = "mutation { pingWorkers { ... on PingWorkersSuccess { pingId } } }"
        assert classify_gql(await _gql(app, ping, operator)) == "403"
        admin = await callers.headers("admin")
        assert classify_gql(await _gql(app, ping, admin)) == "allowed"


async def _gql(app: RunningApp, query: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await app.http.post("/graphql", json={"query": query}, headers=headers)
    body: dict[str, Any] = response.json()
    return body
