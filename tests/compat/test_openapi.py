"""The published OpenAPI documents: valid 3.1, every route, the configured prefixes."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from app.compat import openapi, registry
from tests.conftest import RunningApp, pg_settings, serve


async def test_each_surface_publishes_a_valid_document_with_every_route(
    app: RunningApp,
) -> None:
    operations: set[tuple[str, str]] = set()
    for name in openapi.DOCUMENTS:
        response = await app.http.get(f"/openapi/{name}.json")
        assert response.status_code == 200
        document = response.json()
        validate(document)
        assert document["openapi"] == "3.1.0"
        for path, item in document["paths"].items():
            operations.update((method.upper(), path) for method in item)
    registered = {
        (route.method, app.settings.rest_prefix(key) + route.path)
        for key, surface in registry.SURFACES
        for route in surface.routes
    }
    assert registered == operations


async def test_documents_name_bodies_parameters_permissions_and_errors(
    app: RunningApp,
) -> None:
    document = (await app.http.get("/openapi/opsconductor.json")).json()
    create = document["paths"]["/api/devices"]["post"]
    assert create["security"] == [{"bearerAuth": []}]
    assert "devices." in create["description"]
    body = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    model = document["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert "hostname" in model["properties"]
    listing = document["paths"]["/api/devices"]["get"]
    assert {"limit", "offset"} <= {p["name"] for p in listing["parameters"]}
    one = document["paths"]["/api/devices/{id}"]["get"]
    assert one["parameters"][0] == {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
    error = document["components"]["schemas"]["opsconductor_error"]
    assert error["properties"]["success"] == {"type": "boolean"}
    assert one["responses"]["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/opsconductor_error"
    }


async def test_documents_follow_the_configured_prefixes(pg_url: str) -> None:
    settings = pg_settings(pg_url, rest_prefix_birun="/legacy/birun")
    async with serve(settings) as running:
        document = (await running.http.get("/openapi/birun.json")).json()
    assert document["paths"]
    assert all(path.startswith("/legacy/birun/") for path in document["paths"])


async def test_unknown_document_is_a_404(app: RunningApp) -> None:
    response = await app.http.get("/openapi/nope.json")
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


async def test_docs_page_lists_every_surface_without_outside_assets(
    app: RunningApp,
) -> None:
    response = await app.http.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for name in openapi.DOCUMENTS:
        assert f"/openapi/{name}.json" in page
    assert "/api/devices" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
