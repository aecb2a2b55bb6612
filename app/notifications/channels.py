"""Channel types: their configuration, which parts are secret, how they send."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Literal
from urllib.parse import urlsplit

import aiosmtplib
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.notifications.errors import InvalidChannelConfigError
from app.outbound import Policy, http_request, tcp_socket

MASK = "********"
SEND_SECONDS = 10.0


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SlackConfig(_Config):
    webhook_url: str = Field(min_length=1, max_length=2000)
    channel: str | None = None
    username: str | None = None


class WebhookConfig(_Config):
    url: str = Field(min_length=1, max_length=2000)
    method: Literal["POST", "PUT", "PATCH"] = "POST"
    headers: dict[str, str] = Field(default_factory=dict)
    secret: str | None = None


class EmailConfig(_Config):
    smtp_host: str = Field(min_length=1, max_length=253)
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: str | None = None
    security: Literal["starttls", "tls", "none"] = "starttls"
    from_address: str = Field(min_length=3, max_length=320)
    to_addresses: list[str] = Field(min_length=1)


SCHEMAS: dict[str, type[_Config]] = {
    "slack": SlackConfig,
    "webhook": WebhookConfig,
    "email": EmailConfig,
}
SECRET_FIELDS = {
    "slack": ("webhook_url",),
    "webhook": ("url", "secret", "headers"),
    "email": ("smtp_password",),
}
URL_FIELDS = {"webhook_url", "url"}


@dataclass(frozen=True)
class Message:
    """What to send, already rendered."""

    subject: str
    body: str
    format: str
    event_type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class SendResult:
    """How one send went; `error` never carries the peer's response body."""

    success: bool
    status_code: int | None = None
    error: str | None = None


def validate(channel_type: str, config: Any, policy: Policy) -> dict[str, Any]:
    """The checked configuration of a `channel_type` channel."""
    schema = SCHEMAS.get(channel_type)
    if schema is None:
        raise InvalidChannelConfigError(
            "channel_type: must be slack, webhook or email",
            details={"field": "channel_type"},
        )
    try:
        checked = schema.model_validate(config).model_dump(exclude_none=True)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        field = "config." + ".".join(str(p) for p in first["loc"])
        raise InvalidChannelConfigError(
            f"{field}: {first['msg']}", details={"field": field}
        ) from exc
    for name in URL_FIELDS & set(checked):
        policy.check_url(checked[name])
    if "smtp_host" in checked:
        policy.check_host(checked["smtp_host"])
    return checked


def split(
    channel_type: str, config: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(public, secret) parts of a checked configuration."""
    secret_names = SECRET_FIELDS[channel_type]
    public = {k: v for k, v in config.items() if k not in secret_names}
    return public, {k: v for k, v in config.items() if k in secret_names}


def masked(
    channel_type: str, public: dict[str, Any], secret: dict[str, Any]
) -> dict[str, Any]:
    """The configuration as callers see it: secrets replaced by a mask."""
    shown = dict(public)
    for name, value in secret.items():
        if name in URL_FIELDS:
            parts = urlsplit(str(value))
            shown[name] = f"{parts.scheme}://{parts.hostname}/{MASK}"
        elif isinstance(value, dict):
            shown[name] = dict.fromkeys(value, MASK)
        else:
            shown[name] = MASK
    return shown


def keep_unchanged(new: dict[str, Any], old_secret: dict[str, Any]) -> dict[str, Any]:
    """`new` with masked or omitted secrets replaced by the stored ones."""
    merged = dict(new)
    for name, value in old_secret.items():
        echoed = merged.get(name)
        if echoed is None or (isinstance(echoed, str) and echoed.endswith(MASK)):
            merged[name] = value
        elif isinstance(echoed, dict) and isinstance(value, dict):
            merged[name] = {
                k: value.get(k, v) if v == MASK else v for k, v in echoed.items()
            }
    return merged


def destination(channel_type: str, config: dict[str, Any]) -> tuple[Any, ...]:
    """Where a channel's secrets go: its URL, or its SMTP host and port."""
    if channel_type == "email":
        return (config.get("smtp_host"), config.get("smtp_port", 587))
    return (config.get("webhook_url" if channel_type == "slack" else "url"),)


def without_masks(config: dict[str, Any]) -> dict[str, Any]:
    """`config` with every masked value left out (nothing stored is reused)."""
    kept: dict[str, Any] = {}
    for name, value in config.items():
        if isinstance(value, dict):
            kept[name] = {k: v for k, v in value.items() if v != MASK}
        elif not (isinstance(value, str) and value.endswith(MASK)):
            kept[name] = value
    return kept


async def send(
    channel_type: str, config: dict[str, Any], message: Message, policy: Policy
) -> SendResult:
    """Send `message` through a channel of `channel_type` with full `config`."""
    try:
        if channel_type == "email":
            await _send_email(config, message, policy)
            return SendResult(True)
        status = await _send_http(channel_type, config, message, policy)
    except Exception as exc:
        return SendResult(False, error=describe(exc))
    if 200 <= status < 300:
        return SendResult(True, status)
    return SendResult(False, status, f"HTTP {status}")


def describe(exc: BaseException) -> str:
    """A short, secret-free reason for a failed send."""
    message = getattr(exc, "message", None)
    if isinstance(message, str) and type(exc).__module__.startswith("app."):
        return message[:300]
    return type(exc).__name__


async def _send_http(
    channel_type: str, config: dict[str, Any], message: Message, policy: Policy
) -> int:
    if channel_type == "slack":
        text = (
            f"*{message.subject}*\n{message.body}" if message.subject else message.body
        )
        payload: dict[str, Any] = {"text": text}
        for extra in ("channel", "username"):
            if config.get(extra):
                payload[extra] = config[extra]
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        return await http_request(
            policy, "POST", config["webhook_url"], headers, body, SEND_SECONDS
        )
    body = json.dumps(
        {
            "subject": message.subject,
            "message": message.body,
            "format": message.format,
            "event_type": message.event_type,
            "data": message.data,
        },
        default=str,
    ).encode()
    headers = {**config.get("headers", {}), "Content-Type": "application/json"}
    if config.get("secret"):
        digest = hmac.new(config["secret"].encode(), body, hashlib.sha256).hexdigest()
        headers["X-OpsGraph-Signature"] = f"sha256={digest}"
    return await http_request(
        policy, config.get("method", "POST"), config["url"], headers, body, SEND_SECONDS
    )


async def _send_email(config: dict[str, Any], message: Message, policy: Policy) -> None:
    email = EmailMessage()
    email["From"] = config["from_address"]
    email["To"] = ", ".join(config["to_addresses"])
    email["Subject"] = message.subject or message.event_type
    email.set_content(
        message.body, subtype="html" if message.format == "html" else "plain"
    )
    security = config.get("security", "starttls")
    sock = await tcp_socket(
        policy, config["smtp_host"], config["smtp_port"], SEND_SECONDS
    )
    smtp = aiosmtplib.SMTP(
        hostname=config["smtp_host"],
        sock=sock,
        # No password (never set, or dropped when the server changed): no login.
        username=config.get("smtp_user") if config.get("smtp_password") else None,
        password=config.get("smtp_password"),
        use_tls=security == "tls",
        start_tls=security == "starttls",
        timeout=SEND_SECONDS,
    )
    async with smtp:
        await smtp.send_message(email)
