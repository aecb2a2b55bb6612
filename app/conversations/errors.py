"""Errors of AI conversations, with Ansible Hub's codes."""

from __future__ import annotations

from app.errors import (
    InvalidError,
    NotFoundError,
    UnavailableError,
    UpstreamError,
    UpstreamTimeoutError,
)

AI_UNAVAILABLE = "AI_SERVICE_UNAVAILABLE"


class ConversationNotFoundError(NotFoundError):
    """Raised when no conversation has the id, or it belongs to someone else."""

    code = "CONVERSATION_NOT_FOUND"

    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"對話不存在: {conversation_id}")


class SuggestedActionNotFoundError(NotFoundError):
    """Raised when a message is not the caller's or offers no action at the index."""

    code = "SUGGESTED_ACTION_NOT_FOUND"

    def __init__(self) -> None:
        super().__init__("No such suggested action")


class InvalidMessageFormatError(InvalidError):
    """Raised when a message is empty or too long."""

    code = "INVALID_MESSAGE_FORMAT"


class AiNotConfiguredError(UnavailableError):
    """Raised when no AI provider is configured (OPSGRAPH_AI_BASE_URL/MODEL)."""

    code = AI_UNAVAILABLE

    def __init__(self) -> None:
        super().__init__(
            "AI 服務暫時不可用: no AI provider is configured "
            "(OPSGRAPH_AI_BASE_URL, OPSGRAPH_AI_MODEL)"
        )


class AiProviderError(UpstreamError):
    """Raised when the AI provider answered with an error or an unusable body."""

    code = AI_UNAVAILABLE
    conversation_id: int | None = None


class AiProviderTimeoutError(UpstreamTimeoutError):
    """Raised when the AI provider did not answer within the timeout."""

    code = AI_UNAVAILABLE
    conversation_id: int | None = None
