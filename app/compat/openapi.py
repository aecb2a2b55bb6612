"""OpenAPI 3.1 documents of the REST surfaces, generated from the route registry.

Each documented route is one operation: its path below the configured prefix,
path parameters, the permission it needs, and the request models its handler
validates with (`call.body(Model)`, `query(call, Model)`, `Model.model_validate`),
found by reading the handler's code and the module functions it hands `call` to.
Error answers are described by rendering a sample failure through the surface's
own error renderer, so the documents follow the shapes the code really sends.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
import textwrap
from collections.abc import Callable, Iterator
from importlib import metadata
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from app.compat import docs_page, registry
from app.compat.base import CompatRoute, Failure, Surface
from app.settings import Settings

DOCUMENTS: dict[str, tuple[str, ...]] = {
    "opmas": ("opmas",),
    "mockops": ("mockops",),
    "opsconductor": ("opsconductor", "opsconductor_legacy"),
    "ansible-hub": ("ansible_hub",),
    "birun": ("birun",),
}
TITLES = {
    "opmas": "OPMAS playbook API",
    "mockops": "MockOps API",
    "opsconductor": "OpsConductor API",
    "ansible-hub": "Ansible Auto Control Hub API",
    "birun": "biRun API",
}
_PARAM = re.compile(r"\{([^}]+)\}")
_WRITES = {"POST", "PUT", "PATCH"}
_JSON = "application/json"
_TEXT = {"type": "string"}


def document(name: str, settings: Settings) -> dict[str, Any]:
    """The OpenAPI document of surface `name` (a key of DOCUMENTS)."""
    surfaces = dict(registry.SURFACES)
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    for key in DOCUMENTS[name]:
        surface = surfaces[key]
        schemas[f"{key}_error"] = _error_schema(surface)
        prefix = settings.rest_prefix(key)
        for route in surface.routes:
            item = paths.setdefault(prefix + route.path, {})
            item[route.method.lower()] = _operation(surface, key, route, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLES[name], "version": metadata.version("opsgraph")},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                }
            },
        },
    }


def _operation(
    surface: Surface, key: str, route: CompatRoute, schemas: dict[str, Any]
) -> dict[str, Any]:
    found = models_of(route.handler)
    operation: dict[str, Any] = {
        "operationId": f"{key}.{route.handler.__name__}",
        "summary": _summary(route.handler),
        "parameters": [*_path_parameters(route), *_query_parameters(route, schemas)],
        "responses": _responses(surface, key),
    }
    if route.permission is not None:
        operation["security"] = [{"bearerAuth": []}]
        operation["description"] = f"Requires the permission `{route.permission}`."
    if route.method in _WRITES:
        body = _schema_ref(found["body"], schemas) if found["body"] else {}
        operation["requestBody"] = {
            "required": found["body"] is not None,
            "content": {_JSON: {"schema": body or {"type": "object"}}},
        }
    return operation


def _summary(handler: Callable[..., Any]) -> str:
    doc = inspect.getdoc(handler) or handler.__name__.replace("_", " ")
    return doc.splitlines()[0]


def _path_parameters(route: CompatRoute) -> Iterator[dict[str, Any]]:
    integers = _path_ints(route.handler)
    for name in _PARAM.findall(route.path):
        schema: dict[str, Any] = (
            {"type": "integer", "minimum": 1} if name in integers else _TEXT
        )
        yield {"name": name, "in": "path", "required": True, "schema": schema}


def _query_parameters(
    route: CompatRoute, schemas: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    for name in _query_names(route.handler):
        yield {"name": name, "in": "query", "required": False, "schema": _TEXT}
    model = models_of(route.handler)["query"]
    if model is None:
        return
    full = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(full.pop("$defs", {}))
    required = set(full.get("required", ()))
    for name, schema in full.get("properties", {}).items():
        yield {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": schema,
        }


def _schema_ref(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    full = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(full.pop("$defs", {}))
    schemas[model.__name__] = full
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _responses(surface: Surface, key: str) -> dict[str, Any]:
    error = {
        "content": {_JSON: {"schema": {"$ref": f"#/components/schemas/{key}_error"}}}
    }
    statuses = {surface.invalid_status, 400, 401, 403, 404, 409, 413, 429, 503}
    responses: dict[str, Any] = {
        "2XX": {"description": "Success", "content": {_JSON: {"schema": {}}}}
    }
    for status in sorted(statuses):
        responses[str(status)] = {"description": _REASONS[status], **error}
    # No spec lists 415: a body not sent as JSON is the surface's validation error.
    invalid = responses[str(surface.invalid_status)]
    invalid["description"] += ", or a body whose Content-Type is not application/json"
    return responses


_REASONS = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Permission denied",
    404: "Not found",
    409: "Conflict",
    413: "Request body too large",
    422: "Validation error",
    429: "Rate limited",
    503: "A dependency (database, queue, AI provider, NetBox) is unavailable",
}


def _error_schema(surface: Surface) -> dict[str, Any]:
    """A JSON schema of the surface's error body, read off a rendered sample."""
    sample = surface.render_error(Failure(400, "CODE", "message", {"field": "x"}))
    return _schema_of(sample)


def _schema_of(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return {
            "type": "object",
            "properties": {
                k: {"type": "object"} if k == "details" else _schema_of(v)
                for k, v in value.items()
            },
            "required": sorted(k for k in value if k != "details"),
        }
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, str):
        return {"type": "string"}
    return {}


def models_of(handler: Callable[..., Any]) -> dict[str, type[BaseModel] | None]:
    """The body and query models `handler` (or a helper it passes `call`) validates."""
    found: dict[str, type[BaseModel] | None] = {"body": None, "query": None}
    for function in _reached(handler):
        scope = function.__globals__
        for kind, name in _model_uses(_tree(function)):
            model = scope.get(name)
            if inspect.isclass(model) and issubclass(model, BaseModel):
                found[kind] = found[kind] or model
    return found


def _reached(handler: Callable[..., Any]) -> list[Callable[..., Any]]:
    """`handler` and the functions of its module it calls with `call`."""
    seen = [handler]
    for node in ast.walk(_tree(handler)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        if not any(isinstance(a, ast.Name) and a.id == "call" for a in node.args):
            continue
        helper = handler.__globals__.get(node.func.id)
        if inspect.isfunction(helper) and helper not in seen:
            seen.append(helper)
    return seen


def _model_uses(tree: ast.AST) -> Iterator[tuple[str, str]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        names = [a.id for a in node.args if isinstance(a, ast.Name)]
        if isinstance(func, ast.Attribute) and func.attr == "body" and names:
            yield "body", names[-1]
        elif isinstance(func, ast.Name) and func.id == "query" and len(names) > 1:
            yield "query", names[-1]
        elif (
            isinstance(func, ast.Attribute)
            and func.attr == "model_validate"
            and isinstance(func.value, ast.Name)
        ):
            yield _validated_kind(node), func.value.id


def _validated_kind(node: ast.Call) -> str:
    source = ast.unparse(node)
    return "query" if "query_params" in source else "body"


def _path_ints(handler: Callable[..., Any]) -> set[str]:
    names: set[str] = set()
    for function in _reached(handler):
        for node in ast.walk(_tree(function)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "path_int"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(str(node.args[0].value))
    return names


@functools.cache
def _tree(function: Callable[..., Any]) -> ast.AST:
    return ast.parse(textwrap.dedent(inspect.getsource(function)))


def _query_names(handler: Callable[..., Any]) -> list[str]:
    """Query parameters read one by one: `query_params.get("x")`, or a helper
    of the module called as `helper(call, "x")` that reads the query string."""
    names: list[str] = []
    for function in _reached(handler):
        for node in ast.walk(_tree(function)):
            if not isinstance(node, ast.Call):
                continue
            texts = [
                a.value
                for a in node.args
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
            if texts and _reads_query(node, function):
                names.append(texts[0])
    return list(dict.fromkeys(names))


def _reads_query(node: ast.Call, function: Callable[..., Any]) -> bool:
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "get":
        receiver = ast.unparse(func.value)
        return "query_params" in receiver or receiver in {"params", "query"}
    if isinstance(func, ast.Name) and any(
        isinstance(a, ast.Name) and a.id == "call" for a in node.args
    ):
        helper = function.__globals__.get(func.id)
        return inspect.isfunction(helper) and "query_params" in inspect.getsource(
            helper
        )
    return False


def routes(settings: Settings) -> list[Route]:
    """`GET /openapi/<surface>.json` and `GET /docs` (no asset from a CDN)."""
    built: dict[str, dict[str, Any]] = {}

    def cached(name: str) -> dict[str, Any]:
        if name not in built:
            built[name] = document(name, settings)
        return built[name]

    async def serve_document(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in DOCUMENTS:
            return JSONResponse({"detail": f"No OpenAPI document '{name[:64]}'"}, 404)
        return JSONResponse(cached(name))

    async def serve_docs(request: Request) -> Response:
        return HTMLResponse(docs_page.render({n: cached(n) for n in DOCUMENTS}))

    return [
        Route("/openapi/{name}.json", serve_document, methods=["GET"]),
        Route("/docs", serve_docs, methods=["GET"]),
    ]
