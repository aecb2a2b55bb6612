"""Config models of the node types, validated on save and again after rendering."""

from __future__ import annotations

import re
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.workflows.templating import TemplateFailure, check_expression

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class NodeConfig(BaseModel):
    """Base of every config: unknown keys are refused, so typos surface on save."""

    model_config = ConfigDict(extra="forbid")


class OpenConfig(BaseModel):
    """A config that accepts any keys (manual triggers carry labels and notes)."""

    model_config = ConfigDict(extra="allow")


def check_cron(expression: str) -> str:
    """`expression` if croniter accepts it (5 fields, or 6 with seconds)."""
    if len(expression.split()) not in (5, 6) or not croniter.is_valid(expression):
        raise ValueError(f"invalid cron expression {expression!r}")
    return expression


def check_zone(zone: str) -> str:
    """`zone` if it names an IANA time zone."""
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {zone!r}") from exc
    return zone


class CronTriggerConfig(NodeConfig):
    cron_expression: str
    timezone: str = "UTC"

    _cron = field_validator("cron_expression")(check_cron)
    _zone = field_validator("timezone")(check_zone)


class BirunTriggerConfig(OpenConfig):
    cron_expression: str | None = None

    @field_validator("cron_expression")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)


class EventTriggerConfig(NodeConfig):
    event_type: str = Field(min_length=1, max_length=100)
    filter: dict[str, Any] = Field(default_factory=dict)


class ConditionConfig(NodeConfig):
    expression: str = Field(min_length=1, max_length=2000)

    @field_validator("expression")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            check_expression(value)
        except TemplateFailure as exc:
            raise ValueError(str(exc)) from exc
        return value


class DelayConfig(NodeConfig):
    seconds: float = Field(ge=0, le=3600)


class SetVariableConfig(NodeConfig):
    name: str
    value: Any = None

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _IDENTIFIER.match(value):
            raise ValueError(f"variable name {value!r} is not an identifier")
        return value


class HttpRequestConfig(NodeConfig):
    url: str = Field(min_length=1, max_length=2000)
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None
    timeout: float = Field(default=10.0, gt=0, le=120)
    expect_status: list[int] | None = None


class PingConfig(NodeConfig):
    host: str = Field(min_length=1, max_length=255)
    port: int = Field(default=22, ge=1, le=65535)
    timeout: float = Field(default=3.0, gt=0, le=60)


class _ExecutionConfig(NodeConfig):
    timeout: int = Field(default=60, ge=1, le=86_400)


class CommandConfig(_ExecutionConfig):
    device_ids: list[int] = Field(default_factory=list)
    group_id: int | None = Field(default=None, ge=1)
    command: str = Field(min_length=1, max_length=65_536)

    @model_validator(mode="after")
    def _targets(self) -> CommandConfig:
        if not self.device_ids and self.group_id is None:
            raise ValueError("device_ids or group_id is required")
        return self


class ScriptConfig(_ExecutionConfig):
    script_id: int = Field(ge=1)
    server_ids: list[int] = Field(default_factory=list)
    group_id: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _targets(self) -> ScriptConfig:
        if not self.server_ids and self.group_id is None:
            raise ValueError("server_ids or group_id is required")
        return self


class PlaybookConfig(_ExecutionConfig):
    """An OPMAS playbook on devices, or Ansible playbooks on an inventory.

    For Ansible, `timeout` bounds the whole job (it is cancelled after it).
    """

    engine: Literal["opmas", "ansible"] = "opmas"
    playbook_id: int | None = Field(default=None, ge=1)
    device_ids: list[int] = Field(default_factory=list)
    playbook_ids: list[int] = Field(default_factory=list, max_length=50)
    inventory_id: int | None = Field(default=None, ge=1)
    extra_vars: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _per_engine(self) -> PlaybookConfig:
        if self.engine == "ansible":
            if not self.playbook_ids and self.playbook_id is None:
                raise ValueError("playbook_ids (or playbook_id) is required")
            if self.device_ids:
                raise ValueError("Ansible runs on inventory_id, not device_ids")
            return self
        if self.playbook_id is None or not self.device_ids:
            raise ValueError("playbook_id and device_ids are required")
        if self.playbook_ids or self.inventory_id or self.extra_vars:
            raise ValueError(
                "playbook_ids, inventory_id and extra_vars need engine 'ansible'"
            )
        return self
