"""OpsConductor `/api/workflows/folders` and `/api/workflows/tags`.

Imported by the workflows routes before they register, so these fixed paths
come before `/workflows/{id}` and are never shadowed by it.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.responses import Response

from app.compat.base import Call
from app.compat.opsconductor import ok, surface
from app.compat.timefmt import iso_z_micro
from app.db import unit_of_work
from app.workflows import service
from app.workflows.models import WorkflowFolder, WorkflowTag


class FolderBody(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


class TagBody(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    color: str | None = Field(default=None, max_length=20)


def folder_shape(folder: WorkflowFolder) -> dict[str, object]:
    """One workflow folder."""
    return {
        "id": folder.id,
        "name": folder.name,
        "description": folder.description,
        "created_at": iso_z_micro(folder.created_at),
        "updated_at": iso_z_micro(folder.updated_at),
    }


def tag_shape(tag: WorkflowTag) -> dict[str, object]:
    """One workflow tag."""
    return {
        "id": tag.id,
        "name": tag.name,
        "color": tag.color,
        "created_at": iso_z_micro(tag.created_at),
    }


@surface.route("GET", "/workflows/folders", permission="workflows.folder.view")
async def list_folders(call: Call) -> Response:
    async with call.db() as session:
        folders = await service.list_folders(session)
    return ok([folder_shape(f) for f in folders], count=len(folders))


@surface.route("POST", "/workflows/folders", permission="workflows.folder.create")
async def create_folder(call: Call) -> Response:
    body = await call.body(FolderBody)
    async with unit_of_work(call.db) as session:
        folder = await service.save_folder(session, None, body.name, body.description)
    return ok(folder_shape(folder), status=201)


@surface.route("PUT", "/workflows/folders/{id}", permission="workflows.folder.update")
async def update_folder(call: Call) -> Response:
    body = await call.body(FolderBody)
    async with unit_of_work(call.db) as session:
        folder = await service.save_folder(
            session, call.request.path_params["id"], body.name, body.description
        )
    return ok(folder_shape(folder))


@surface.route(
    "DELETE", "/workflows/folders/{id}", permission="workflows.folder.delete"
)
async def delete_folder(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await service.delete_folder(session, call.request.path_params["id"])
    return ok(None, message="Folder deleted")


@surface.route("GET", "/workflows/tags", permission="workflows.tag.view")
async def list_tags(call: Call) -> Response:
    async with call.db() as session:
        tags = await service.list_tags(session)
    return ok([tag_shape(t) for t in tags], count=len(tags))


@surface.route("POST", "/workflows/tags", permission="workflows.tag.create")
async def create_tag(call: Call) -> Response:
    body = await call.body(TagBody)
    async with unit_of_work(call.db) as session:
        tag = await service.save_tag(session, None, body.name, body.color)
    return ok(tag_shape(tag), status=201)


@surface.route("PUT", "/workflows/tags/{id}", permission="workflows.tag.update")
async def update_tag(call: Call) -> Response:
    body = await call.body(TagBody)
    async with unit_of_work(call.db) as session:
        tag = await service.save_tag(
            session, call.request.path_params["id"], body.name, body.color
        )
    return ok(tag_shape(tag))


@surface.route("DELETE", "/workflows/tags/{id}", permission="workflows.tag.delete")
async def delete_tag(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await service.delete_tag(session, call.request.path_params["id"])
    return ok(None, message="Tag deleted")
