"""The secret sweep: a marker planted in every registered secret field, as admin,
never comes back to a viewer or an operator (REST and GraphQL), never reaches a
log line, and is stored nowhere in the database but in vault ciphertext.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.cli import upgrade_database
from app.db import Sessionmaker
from app.federations.graphql.types import Federation
from app.graphql.nodes import Entity, global_id
from app.models import Base
from app.pipelines.graphql.types import Pipeline
from app.settings import Settings
from app.workflows.graphql.types import Workflow
from tests.conftest import (
    TEST_KEY,
    UNTHROTTLED,
    RunningApp,
    TokenFactory,
    pg_settings,
    serve,
)
from tests.conversations.llm_server import LLMServer, llm_server
from tests.logs.test_access_log_redaction import Collector
from tests.pipelines.conftest import ORG, pipeline_body, step

MARK = f"sweepmark{uuid.uuid4().hex[:10]}"
OID = "1.3.6.1.2.1.1.5.0"


def m(field: str) -> str:
    """The marker planted in one field."""
    return f"{MARK}-{field}"


def _from_environment(llm: LLMServer) -> dict[str, Any]:
    """Settings carrying secrets: an AI provider's key, a git token."""
    return {
        "allow_loopback_urls": True,
        "ai_base_url": llm.base_url,
        "ai_model": "sweep-model",
        "ai_api_key": m("aikey"),
        "pipelines_git_token": m("gittoken"),
    }


@pytest.fixture
async def llm() -> AsyncIterator[LLMServer]:
    async with llm_server() as running:
        yield running


@pytest.fixture
async def app(
    db: Sessionmaker, pg_url: str, llm: LLMServer
) -> AsyncIterator[RunningApp]:
    async with serve(pg_settings(pg_url, **_from_environment(llm))) as running:
        yield running


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], list[str]]]:
    """Every log line so far: app loggers (root) and uvicorn's own."""
    caplog.set_level(logging.DEBUG)
    collector = Collector()
    loggers = [logging.getLogger(n) for n in ("uvicorn.access", "uvicorn.error")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(collector)
    yield lambda: [*collector.lines, *(r.getMessage() for r in caplog.records)]
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(collector)
        logger.setLevel(level)


def _federation() -> dict[str, Any]:
    upstream = f"http://svc:{m('fed')}@127.0.0.1:9/v1?token={m('fedq')}&page=1"
    service = {
        "name": "api",
        "workspace_id": "550e8400-e29b-41d4-a716-446655440010",
        "base_path": "/api",
        "reality_level": "real",
        "config": {"upstream_url": upstream},
        "dependencies": [],
    }
    return {"name": "sweep", "org_id": ORG, "services": [service]}


def _pipeline() -> dict[str, Any]:
    smtp = {"host": "127.0.0.1", "port": 2525, "password": m("smtp"), "from": "a@x.io"}
    mail = {"type": "email", "smtp": smtp, "to": ["b@x.io"], "message": "m"}
    slack = {
        "type": "slack",
        "message": "m",
        "slack_webhook_url": f"http://127.0.0.1:9/services/{m('slack')}",
    }
    hook = {
        "type": "webhook",
        "message": "m",
        "webhook_url": f"http://u:{m('hookurl')}@127.0.0.1:9/h",
        "headers": {"Authorization": f"Bearer {m('hookhdr')}"},
    }
    configs = {"mail": mail, "slack": slack, "hook": hook}
    steps = [step(name, "notify", config) for name, config in configs.items()]
    return pipeline_body(steps, name="sweep")


def _workflow() -> dict[str, Any]:
    snmp = {"host": "127.0.0.1", "oids": [OID], "community": m("community")}
    http = {
        "url": f"http://u:{m('httpurl')}@127.0.0.1:9/x",
        "headers": {"X-Api-Key": m("httphdr")},
    }
    nodes = [
        {"id": "start", "type": "trigger:manual", "data": {}},
        {"id": "snmp", "type": "snmp_get", "data": snmp},
        {"id": "http", "type": "http_request", "data": http},
    ]
    edges = [
        {"id": "e1", "source": "start", "target": "snmp"},
        {"id": "e2", "source": "start", "target": "http"},
    ]
    return {"name": "sweep", "nodes": nodes, "edges": edges}


def _inventory() -> dict[str, Any]:
    config = (
        "[web]\n"
        f"h1 ansible_host=127.0.0.3 ansible_user=ops ansible_ssh_pass={m('hostpass')}\n"
        "h2 ansible_host=127.0.0.4 ansible_user=ops\n\n"
        "[all:vars]\n"
        f"ansible_password = {m('groupvar')}\n"
        f"ansible_become_pass={m('become')}\n"
    )
    return {"name": "sweep", "config": config}


def _channels() -> list[dict[str, Any]]:
    hook = {
        "url": f"http://u:{m('chanurl')}@127.0.0.1:9/h",
        "secret": m("chansecret"),
        "headers": {"Authorization": m("chanhdr")},
    }
    mail = {
        "smtp_host": "127.0.0.1",
        "smtp_port": 2525,
        "smtp_password": m("chansmtp"),
        "from_address": "a@x.io",
        "to_addresses": ["b@x.io"],
    }
    return [
        {"name": "sweep-hook", "channel_type": "webhook", "config": hook},
        {"name": "sweep-mail", "channel_type": "email", "config": mail},
    ]


SCAN = {
    "type": "snmp",
    "targets": ["127.0.0.1"],
    "options": {
        "snmp_communities": [m("scan")],
        "snmp_v3_users": [{"username": "u", "auth_key": m("v3auth")}],
    },
}
CREDENTIAL = {
    "name": "sweep",
    "credential_type": "ssh",
    "username": "ops",
    "password": m("credential"),
}


def _id(body: dict[str, Any]) -> str:
    """The id of what a create answered, whatever the surface's envelope."""
    data = body.get("data") or {}
    found = body.get("id") or data.get("id") or data.get("scan_id")
    assert found is not None, body
    return str(found)


async def plant(app: RunningApp, admin: str) -> dict[str, str]:
    """Every secret planted through the public faces; the ids created."""
    h = {"Authorization": f"Bearer {admin}"}

    async def post(url: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await app.http.post(url, json=body, headers=h)
        assert response.status_code in (200, 201, 202), response.text
        assert MARK not in response.text, f"{url} answered a secret"
        result: dict[str, Any] = response.json()
        return result

    ids = {
        "federation": _id(await post("/api/v1/federation", _federation())),
        "pipeline": _id(await post("/api/v1/pipelines", _pipeline())),
        "workflow": _id(await post("/api/workflows", _workflow())),
        "inventory": _id(await post("/api/inventories", _inventory())),
        "scan": _id(await post("/api/scans", SCAN)),
    }
    await post(f"/api/workflows/{ids['workflow']}/execute", {"test_mode": True})
    await post("/save_settings", {"snmp_communities": [m("defaults")]})
    for channel in _channels():
        await post("/api/notifications/channels", channel)
    await post("/api/credentials", CREDENTIAL)
    await plant_graphql(app, admin)
    answered = await post("/api/ai/messages", {"message": "hello"})
    assert "hello" in str(answered)
    return ids


def _gql_pipeline() -> dict[str, Any]:
    body = _pipeline()
    return {"name": "sweep-gql", "definition": body["definition"], "orgId": ORG}


GQL_PLANT = {
    """mutation($i: CreatePipelineInput!) { createPipeline(input: $i) {
      __typename ... on PipelineSuccess { pipeline { definition } } } }""": (
        _gql_pipeline
    ),
    """mutation($i: WorkflowInput!) { createWorkflow(input: $i) {
      __typename ... on WorkflowSuccess { workflow { nodes } } } }""": lambda: {
        **_workflow(),
        "name": "sweep-gql",
    },
}


async def plant_graphql(app: RunningApp, admin: str) -> None:
    """The same secrets through GraphQL mutations, whose answers are masked too."""
    for mutation, variables in GQL_PLANT.items():
        answer = await app.gql(mutation, {"i": variables()}, token=admin)
        assert "Success" in str(answer), answer
        assert "********" in str(answer)
        assert MARK not in str(answer)


def rest_reads(ids: dict[str, str]) -> list[str]:
    return [
        f"/api/v1/federation?org_id={ORG}",
        f"/api/v1/federation/{ids['federation']}",
        "/api/v1/pipelines",
        f"/api/v1/pipelines/{ids['pipeline']}",
        "/api/workflows",
        f"/api/workflows/{ids['workflow']}",
        f"/api/workflows/{ids['workflow']}/executions",
        "/birun/api/workflows/",
        f"/birun/api/workflows/{ids['workflow']}",
        "/api/inventories",
        f"/api/inventories/{ids['inventory']}",
        "/api/scans",
        f"/api/scans/{ids['scan']}",
        "/get_settings",
        "/api/notifications/channels",
        "/api/credentials",
        "/api/ai/conversations",
    ]


GQL_READS = [
    f'{{ federations(filter: {{orgId: "{ORG}"}}) '
    "{ edges { node { id services } } } }",
    "query($id: ID!) { federation(id: $id) { services } }",
    "{ pipelines { edges { node { id definition } } } }",
    "query($id: ID!) { pipeline(id: $id) { definition } }",
    "{ workflows(filter: {includeTemplates: true}) { edges { node { id nodes } } } }",
    "query($id: ID!) { workflow(id: $id) { nodes } }",
    "{ inventories { edges { node { id config hosts { hostName } } } } }",
    "{ scans { edges { node { id options } } } }",
    "{ scanDefaults }",
    "{ notificationChannels { edges { node { id config } } } }",
    "{ credentials { edges { node { id name attributes } } } }",
]
GQL_IDS: dict[str, tuple[str, type[Entity]]] = {
    "federation(": ("federation", Federation),
    "pipeline(": ("pipeline", Pipeline),
    "workflow(": ("workflow", Workflow),
}


async def read_everything(app: RunningApp, token: str, ids: dict[str, str]) -> str:
    """Every list and detail answer for this caller, concatenated."""
    texts: list[str] = []
    h = {"Authorization": f"Bearer {token}"}
    for url in rest_reads(ids):
        response = await app.http.get(url, headers=h)
        assert response.status_code < 500, (url, response.text)
        texts.append(f"{url} {response.status_code} {response.text}")
    for query in GQL_READS:
        key = next((k for k in GQL_IDS if k in query), None)
        variables = {}
        if key:
            name, node_type = GQL_IDS[key]
            variables = {"id": global_id(node_type, ids[name])}
        texts.append(f"{query} {await app.gql(query, variables, token=token)}")
    return "\n".join(texts)


async def database_text(db: Sessionmaker) -> str:
    """Every row of every table, as text."""
    rows: list[str] = []
    async with db() as session:
        for table in Base.metadata.sorted_tables:
            result = await session.execute(select(table))
            rows.extend(f"{table.name} {tuple(row)}" for row in result.all())
    return "\n".join(rows)


def assert_unseen(role: str, seen: str) -> None:
    assert "sweep" in seen
    assert "********" in seen
    for line in seen.splitlines():
        assert MARK not in line, f"{role} read a secret: {line[:300]}"


def assert_unlogged(lines: list[str]) -> None:
    assert any("/api/v1/pipelines" in line for line in lines)
    for line in lines:
        assert MARK not in line, f"logged: {line[:300]}"


LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  ... on LoginSuccess { accessToken } } }"""
CREATE_USER = """mutation($i: CreateUserInput!) { createUser(input: $i) {
  __typename } }"""
ROLES = "{ roles { edges { node { id name } } } }"


async def login(app: RunningApp, username: str, password: str) -> str:
    answer = await app.gql(LOGIN, {"u": username, "p": password})
    token: str = answer["data"]["login"]["accessToken"]
    return token


class TestSecretSweep:
    async def test_postgresql(
        self,
        app: RunningApp,
        make_user: TokenFactory,
        db: Sessionmaker,
        logged: Callable[[], list[str]],
    ) -> None:
        ids = await plant(app, await make_user("sweep-admin"))
        for role in ("viewer", "operator"):
            token = await make_user(f"sweep-{role}", roles=(role,))
            assert_unseen(role, await read_everything(app, token, ids))
        stored = await database_text(db)
        assert ids["pipeline"] in stored
        assert "$vault$" in stored
        for line in stored.splitlines():
            assert MARK not in line, f"stored in clear: {line[:300]}"
        assert_unlogged(logged())

    async def test_sqlite_file(
        self, tmp_data_dir: Path, llm: LLMServer, logged: Callable[[], list[str]]
    ) -> None:
        settings = Settings(
            _env_file=None,
            data_dir=tmp_data_dir,
            secret_key=TEST_KEY,
            admin_password="sweep-admin-pass-1",
            **UNTHROTTLED,
            **_from_environment(llm),
        )
        await asyncio.to_thread(upgrade_database, settings)
        async with serve(settings) as app:
            admin = await login(app, "admin", "sweep-admin-pass-1")
            ids = await plant(app, admin)
            roles = (await app.gql(ROLES, token=admin))["data"]["roles"]["edges"]
            role_ids = {e["node"]["name"]: e["node"]["id"] for e in roles}
            for role in ("viewer", "operator"):
                user = {"username": f"sweep-{role}", "password": "sweep-pass-12345"}
                made = await app.gql(
                    CREATE_USER, {"i": {**user, "roleIds": [role_ids[role]]}}, admin
                )
                assert made["data"]["createUser"]["__typename"] == "UserSuccess"
                token = await login(app, user["username"], user["password"])
                assert_unseen(role, await read_everything(app, token, ids))
            files = sorted(tmp_data_dir.glob("opsgraph.db*"))
            assert len(files) == 3
            for path in files:
                assert MARK.encode() not in path.read_bytes(), path.name
        assert_unlogged(logged())
