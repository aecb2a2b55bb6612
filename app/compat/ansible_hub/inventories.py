"""Ansible Hub Inventory and SSH test API (`specs/ansible-hub.md`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response

from app.compat.ansible_hub import ok, surface
from app.compat.base import Call
from app.compat.params import page_count, query
from app.compat.timefmt import iso_z
from app.credentials import service as credentials_service
from app.db import unit_of_work
from app.inventories import service
from app.inventories.models import Inventory


class PageQuery(BaseModel):
    search: str | None = None
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=10, ge=1, le=1000)


class InventoryBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    group: str = Field(default="Default", max_length=200)
    config: str = Field(max_length=1_000_000)


class InventoryUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    group: str | None = Field(default=None, max_length=200)
    config: str | None = Field(default=None, max_length=1_000_000)


class SSHTestBody(BaseModel):
    inventory_ids: list[int] | None = None


def actor(call: Call) -> credentials_service.Actor:
    """The caller, for the credential audit log (inventory passwords)."""
    user = call.user()
    return credentials_service.Actor(
        user.user_id,
        user.username,
        call.client,
        may_use_credentials=user.can(credentials_service.CREDENTIAL_USE_PERMISSION),
    )


def summary(inventory: Inventory) -> dict[str, Any]:
    """An inventory as the list shows it."""
    return {
        "id": inventory.id,
        "name": inventory.name,
        "status": inventory.status,
        "ssh_status": inventory.ssh_status,
        "group": inventory.group,
        "created_at": iso_z(inventory.created_at),
        "updated_at": iso_z(inventory.updated_at),
    }


def detail(inventory: Inventory) -> dict[str, Any]:
    """An inventory with its config."""
    shape = summary(inventory)
    return {
        **{k: shape[k] for k in ("id", "name", "status", "ssh_status", "group")},
        "config": inventory.config,
        "created_at": shape["created_at"],
        "updated_at": shape["updated_at"],
    }


@surface.route("GET", "/inventories", permission="inventories.inventory.view")
async def list_inventories(call: Call) -> Response:
    q = query(call, PageQuery)
    async with call.db() as session:
        rows, total = await service.list_inventories(
            session, q.search, q.per_page, (q.page - 1) * q.per_page
        )
    pagination = {
        "page": q.page,
        "per_page": q.per_page,
        "total": total,
        "total_pages": page_count(total, q.per_page),
    }
    return ok({"items": [summary(i) for i in rows], "pagination": pagination})


@surface.route("GET", "/inventories/{id}", permission="inventories.inventory.view")
async def get_inventory(call: Call) -> Response:
    async with call.db() as session:
        inventory = await service.get_inventory(session, call.path_int("id"))
    return ok(detail(inventory))


@surface.route("POST", "/inventories", permission="inventories.inventory.create")
async def create_inventory(call: Call) -> Response:
    body = await call.body(InventoryBody)
    async with unit_of_work(call.db) as session:
        inventory = await service.create_inventory(
            session, actor(call), body.name, body.config, body.group
        )
    return ok(detail(inventory), status=201, message="Inventory 創建成功")


@surface.route("PUT", "/inventories/{id}", permission="inventories.inventory.update")
async def update_inventory(call: Call) -> Response:
    body = await call.body(InventoryUpdate)
    async with unit_of_work(call.db) as session:
        inventory = await service.update_inventory(
            session, actor(call), call.path_int("id"), body.model_dump()
        )
    return ok(detail(inventory), message="Inventory 更新成功")


@surface.route("DELETE", "/inventories/{id}", permission="inventories.inventory.delete")
async def delete_inventory(call: Call) -> Response:
    async with unit_of_work(call.db) as session:
        await service.delete_inventory(session, actor(call), call.path_int("id"))
    return JSONResponse({"success": True, "message": "Inventory 刪除成功"})


@surface.route("POST", "/ssh/test", permission="inventories.inventory.test")
async def ssh_test(call: Call) -> Response:
    body = await call.body(SSHTestBody)
    results = await service.check_ssh_as_configured(
        call.db, call.settings, body.inventory_ids
    )
    rows = [
        {
            "inventory_id": r.inventory_id,
            "inventory_name": r.inventory_name,
            "status": r.status,
            "message": r.message,
            "error_code": r.code,
            "tested_at": iso_z(r.tested_at),
            "hosts": r.hosts,
        }
        for r in results
    ]
    return ok({"results": rows}, message="SSH 連線測試完成")
