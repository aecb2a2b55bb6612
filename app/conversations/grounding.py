"""The tool-call loop: the model reads the platform through `tools`, then answers.

Bounded per reply: at most `max_tool_rounds` model turns may call tools (the
last turn is offered none, so it must answer), and at most `max_tool_bytes` of
tool output in all go back to the provider; past that, outputs are cut short.
"""

from __future__ import annotations

from dataclasses import dataclass

from app import auth
from app.conversations import provider as ai
from app.conversations import tools
from app.conversations.errors import AiProviderError
from app.db import Sessionmaker

TRUNCATED = "…[truncated: tool output budget of this reply reached]"


@dataclass
class _Budget:
    left: int

    def take(self, output: str) -> str:
        """`output`, cut to what is left of the budget."""
        data = output.encode()
        if len(data) <= self.left:
            self.left -= len(data)
            return output
        kept = data[: max(self.left, 0)].decode(errors="ignore")
        self.left = 0
        return kept + TRUNCATED


def _text(reply: ai.Reply) -> str:
    if reply.content is None:
        raise AiProviderError("AI 服務暫時不可用: the provider's answer has no text")
    return reply.content


async def answer(
    db: Sessionmaker,
    provider: ai.Provider,
    user: auth.Principal,
    prompt: list[ai.ChatMessage],
) -> str:
    """The model's final text for `prompt`, after the tool calls it asks for."""
    messages = [{**m, "content": tools.mask(m["content"])} for m in prompt]
    offered = [t.schema() for t in tools.offered(user)]
    budget = _Budget(provider.max_tool_bytes)
    for _ in range(provider.max_tool_rounds):
        reply = await ai.complete(provider, messages, offered)
        if not reply.tool_calls:
            return _text(reply)
        messages.append(
            {
                "role": "assistant",
                "content": reply.content,
                "tool_calls": [c.raw for c in reply.tool_calls],
            }
        )
        for call in reply.tool_calls:
            output = await tools.call(db, user, call.name, call.arguments)
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": call.id,
                    "content": budget.take(output),
                }
            )
    # Out of tool rounds: the model is offered no tool, so it has to answer.
    return _text(await ai.complete(provider, messages))
