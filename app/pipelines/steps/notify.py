"""`notify`: a Slack, email or webhook message through the notifications service."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from app.notifications import service as notifications_service
from app.pipelines.errors import StepFailedError
from app.pipelines.inputs import EmailNotify, NotifyConfig, SlackNotify
from app.pipelines.steps.base import Context

EVENT_TYPE = "pipeline.notify"


def _channels(channel: BaseModel) -> list[tuple[str, dict[str, Any]]]:
    """(channel type, notifications channel config) for each message to send."""
    if isinstance(channel, SlackNotify):
        base = {"webhook_url": channel.slack_webhook_url}
        targets = channel.channels or [None]
        return [("slack", {**base, **({"channel": t} if t else {})}) for t in targets]
    if isinstance(channel, EmailNotify):
        smtp = channel.smtp
        security = smtp.security or ("tls" if smtp.port == 465 else "starttls")
        config = {
            "smtp_host": smtp.host,
            "smtp_port": smtp.port,
            "smtp_user": smtp.username,
            "smtp_password": smtp.password,
            "security": security,
            "from_address": smtp.sender,
            "to_addresses": channel.to,
        }
        return [("email", {k: v for k, v in config.items() if v is not None})]
    return [
        (
            "webhook",
            {
                "url": channel.webhook_url,  # type: ignore[attr-defined]
                "method": channel.method,  # type: ignore[attr-defined]
                "headers": channel.headers,  # type: ignore[attr-defined]
            },
        )
    ]


async def run(config: NotifyConfig, context: Context) -> dict[str, Any]:
    """Send the message to every target; fail if any send failed."""
    channel = config.channel
    data: dict[str, Any] = {
        "execution_id": str(context.execution_id),
        "event": context.event,
        **getattr(channel, "payload", {}),
    }
    sent = []
    for kind, channel_config in _channels(channel):
        result = await notifications_service.send_direct(
            context.settings,
            kind,
            channel_config,
            channel.subject,
            channel.message,
            EVENT_TYPE,
            data,
        )
        target = channel_config.get("channel")
        sent.append(
            {
                "channel": target,
                "success": result.success,
                "status_code": result.status_code,
                "error": result.error,
            }
        )
        if not result.success:
            output = {"type": channel.type, "sent": sent, "status": "failed"}
            raise StepFailedError(f"{channel.type} send failed: {result.error}", output)
    return {"type": channel.type, "sent": sent, "status": "success"}
