"""Secrets inside step configurations: masked on the way out, kept on echo.

A `notify` step carries an SMTP password or a Slack webhook URL (whose path is
its token). Callers see them masked; a PATCH that sends the mask back keeps
the stored value of the step with the same name.
"""

from __future__ import annotations

from typing import Any

MASK = "********"
SECRET_KEYS = frozenset({"password", "slack_webhook_url", "token", "secret"})
DESTINATION_KEYS = frozenset(
    {"host", "port", "url", "webhook_url", "slack_webhook_url"}
)


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


def _moved(new: dict[str, Any], old: dict[str, Any]) -> bool:
    """Whether a config names another destination than the stored one."""
    return any(
        new.get(k) != old.get(k)
        for k in DESTINATION_KEYS & (new.keys() | old.keys())
        if new.get(k) != MASK
    )


def _restore(new: Any, old: Any, keep: bool, may_read: bool) -> Any:
    if isinstance(new, dict):
        previous = old if isinstance(old, dict) else {}
        keep = keep and (may_read or not _moved(new, previous))
        restored = {}
        for k, v in new.items():
            if k in SECRET_KEYS and v == MASK:
                if keep:
                    restored[k] = previous.get(k, v)
            else:
                restored[k] = _restore(v, previous.get(k), keep, may_read)
        return restored
    if isinstance(new, list) and isinstance(old, list) and len(new) == len(old):
        return [_restore(n, o, keep, may_read) for n, o in zip(new, old, strict=True)]
    return new


def keep_unchanged(
    new: dict[str, Any], old: dict[str, Any], may_read_secrets: bool = False
) -> dict[str, Any]:
    """`new` with echoed masks replaced by the stored secrets (matched by step name).

    A stored secret only goes where it was stored for: where a config names
    another host, port or URL, its masked secrets are dropped unless the
    caller may read secrets.
    """
    before = {s["name"]: s.get("config") or {} for s in old.get("steps", [])}
    steps = [
        {
            **step,
            "config": _restore(
                step.get("config") or {},
                before.get(step["name"]),
                True,
                may_read_secrets,
            ),
        }
        for step in new.get("steps", [])
    ]
    return {**new, "steps": steps}
