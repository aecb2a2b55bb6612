"""Secrets inside step configurations: masked on the way out, kept on echo.

A `notify` step carries an SMTP password or a Slack webhook URL (whose path is
its token). Callers see them masked; a PATCH that sends the mask back keeps
the stored value of the step with the same name.
"""

from __future__ import annotations

from typing import Any

MASK = "********"
SECRET_KEYS = frozenset({"password", "slack_webhook_url", "token", "secret"})


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: MASK if k in SECRET_KEYS and isinstance(v, str) and v else _mask(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


def masked(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition as callers see it: every secret in step configs masked."""
    steps = [
        {**step, "config": _mask(step.get("config") or {})}
        for step in definition.get("steps", [])
    ]
    return {**definition, "steps": steps}


def _restore(new: Any, old: Any) -> Any:
    if isinstance(new, dict):
        previous = old if isinstance(old, dict) else {}
        return {
            k: previous.get(k, v)
            if k in SECRET_KEYS and v == MASK
            else _restore(v, previous.get(k))
            for k, v in new.items()
        }
    if isinstance(new, list) and isinstance(old, list) and len(new) == len(old):
        return [_restore(n, o) for n, o in zip(new, old, strict=True)]
    return new


def keep_unchanged(new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    """`new` with echoed masks replaced by the stored secrets (matched by step name)."""
    before = {s["name"]: s.get("config") or {} for s in old.get("steps", [])}
    steps = [
        {**step, "config": _restore(step.get("config") or {}, before.get(step["name"]))}
        for step in new.get("steps", [])
    ]
    return {**new, "steps": steps}
