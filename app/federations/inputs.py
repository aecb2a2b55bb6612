"""Validated shapes of federations, services and routed requests."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

RealityLevel = Literal["real", "mock_v3", "blended", "chaos_driven"]
BASE_PATH = r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$"


class Service(BaseModel):
    """One federated service: the base path it owns and how real it is.

    `config.upstream_url` (optional) is where routed requests are forwarded;
    `config.timeout_seconds` overrides the route timeout for this service.
    """

    name: str = Field(min_length=1, max_length=100)
    workspace_id: uuid.UUID
    base_path: str = Field(pattern=BASE_PATH, max_length=500)
    reality_level: RealityLevel = "real"
    config: dict[str, Any] = Field(default_factory=dict)
    dependencies: list[str] = Field(default_factory=list)


class FederationInput(BaseModel):
    """POST /federation."""

    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    org_id: uuid.UUID
    services: list[Service] = Field(default_factory=list)


class FederationPatch(BaseModel):
    """PATCH /federation/{id}: omitted fields stay as they are."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    services: list[Service] | None = None


class RouteInput(BaseModel):
    """POST /federation/{id}/route."""

    path: str = Field(pattern=r"^/", max_length=2000)
    method: str = Field(default="GET", pattern=r"^[A-Za-z]{1,10}$")
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None
