"""OPMAS playbook API (`specs/opmas-playbooks.md`): `{"detail": ...}` errors."""

from __future__ import annotations

from typing import Any

from app.compat.base import Failure, Surface


def render_error(failure: Failure) -> dict[str, Any]:
    """OPMAS errors are FastAPI-style: only a `detail` string."""
    return {"detail": failure.message}


surface = Surface("opmas", render_error, invalid_status=400)
