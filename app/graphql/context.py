"""The typed per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from app.auth import Principal
from app.db import Sessionmaker
from app.settings import Settings


@dataclass
class Context:
    """What one GraphQL request (or websocket connection) knows."""

    request: Request | WebSocket
    response: Response | None
    db: Sessionmaker
    settings: Settings
    principal: Principal | None = None
    auth_error: str | None = None
    connection_params: dict[str, object] | None = None
    # Each domain's DataLoaders, created on first use in this request.
    loaders: dict[str, Any] = field(default_factory=dict)

    @property
    def client(self) -> str | None:
        """The caller's address, for audit records."""
        return self.request.client.host if self.request.client else None


Info: TypeAlias = strawberry.Info[Context, None]
