"""Errors of the notifications domain."""

from __future__ import annotations

from app.errors import ConflictError, InvalidError, NotFoundError


class ChannelNotFoundError(NotFoundError):
    """Raised when no notification channel has the given id."""

    def __init__(self, channel_id: int) -> None:
        super().__init__(f"Channel {channel_id} not found", details={"id": channel_id})


class TemplateNotFoundError(NotFoundError):
    """Raised when no notification template has the given id."""

    def __init__(self, template_id: int) -> None:
        super().__init__(
            f"Template {template_id} not found", details={"id": template_id}
        )


class RuleNotFoundError(NotFoundError):
    """Raised when no notification rule has the given id."""

    def __init__(self, rule_id: int) -> None:
        super().__init__(f"Rule {rule_id} not found", details={"id": rule_id})


class NameTakenError(ConflictError):
    """Raised when a channel or template name is already used."""

    code = "NAME_TAKEN"


class InvalidChannelConfigError(InvalidError):
    """Raised when a channel's type or configuration is not usable."""


class InvalidTemplateError(InvalidError):
    """Raised when a template does not compile (checked at save time)."""

    code = "TEMPLATE_ERROR"


class SmtpNotConfiguredError(ConflictError):
    """Raised when a system email is sent but OPSGRAPH_SMTP_HOST is not set."""

    code = "SMTP_NOT_CONFIGURED"

    def __init__(self) -> None:
        super().__init__("No SMTP server is configured")
