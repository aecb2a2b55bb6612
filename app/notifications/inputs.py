"""What callers send to create or change channels, templates and rules."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.errors import InvalidError

M = TypeVar("M", bound=BaseModel)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChannelInput(_Input):
    name: str = Field(min_length=1, max_length=200)
    channel_type: str
    config: dict[str, Any]
    enabled: bool = True


class ChannelPatch(_Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    channel_type: str | None = None
    config: dict[str, Any] | None = None
    enabled: bool | None = None


class TemplateInput(_Input):
    name: str = Field(min_length=1, max_length=200)
    subject: str = Field(default="", max_length=2000)
    body: str = Field(min_length=1, max_length=100_000)
    format: str = "text"


class TemplatePatch(_Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    subject: str | None = Field(default=None, max_length=2000)
    body: str | None = Field(default=None, min_length=1, max_length=100_000)
    format: str | None = None


class RuleInput(_Input):
    name: str = Field(min_length=1, max_length=200)
    event_type: str = Field(min_length=1, max_length=100)
    conditions: dict[str, Any] = Field(default_factory=dict)
    channel_ids: list[int] = Field(default_factory=list)
    template_id: int | None = None
    enabled: bool = True


class RulePatch(_Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    event_type: str | None = Field(default=None, min_length=1, max_length=100)
    conditions: dict[str, Any] | None = None
    channel_ids: list[int] | None = None
    template_id: int | None = None
    enabled: bool | None = None


class SendInput(_Input):
    channel_ids: list[int] = Field(min_length=1)
    subject: str = Field(default="", max_length=2000)
    message: str = Field(min_length=1, max_length=100_000)
    data: dict[str, Any] = Field(default_factory=dict)
    format: str = "text"


def parse(model: type[M], data: Any) -> M:
    """`data` validated against `model`; raise InvalidError naming the first field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InvalidError(
            f"{field}: {first['msg']}", details={"field": field}
        ) from exc
