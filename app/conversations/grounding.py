"""The tool-call loop: the model reads the platform through `tools`, then answers.

Bounded per reply: at most `max_tool_rounds` model turns may call tools (the
last turn is offered none, so it must answer), and at most `max_tool_bytes` of
tool output in all go back to the provider; past that, outputs are cut short.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from app import auth
from app.conversations import proposals, tools
from app.conversations import provider as ai
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


@dataclass
class Answer:
    """The model's final text and what it proposed on the way."""

    text: str = ""
    proposal: proposals.Proposal = field(default_factory=proposals.Proposal)


async def _run(
    db: Sessionmaker, user: auth.Principal, call: ai.ToolCall, answer: Answer
) -> str:
    """The output of one tool call; a `propose` call is kept in `answer`."""
    if call.name != proposals.NAME:
        return await tools.call(db, user, call.name, call.arguments)
    answer.proposal = proposals.check(call.arguments)
    return json.dumps(
        {
            "offered_actions": len(answer.proposal.actions),
            "rejected": answer.proposal.rejected,
        }
    )


def _text(reply: ai.Reply) -> str:
    if reply.content is None:
        raise AiProviderError(ai.NO_TEXT)
    return reply.content


async def answer(
    db: Sessionmaker,
    provider: ai.Provider,
    user: auth.Principal,
    prompt: list[ai.ChatMessage],
    on_text: ai.OnText | None = None,
) -> Answer:
    """The model's final text for `prompt`, after the tool calls it asks for;
    streamed text goes to `on_text` as it arrives."""
    messages = [{**m, "content": tools.mask(m["content"])} for m in prompt]
    offered = [t.schema() for t in tools.offered(user)] + [proposals.SCHEMA]
    budget, answer = _Budget(provider.max_tool_bytes), Answer()
    for _ in range(provider.max_tool_rounds):
        reply = await ai.complete(provider, messages, offered, on_text)
        if not reply.tool_calls:
            answer.text = _text(reply)
            return answer
        messages.append(
            {
                "role": "assistant",
                "content": reply.content,
                "tool_calls": [c.raw for c in reply.tool_calls],
            }
        )
        for call in reply.tool_calls:
            output = await _run(db, user, call, answer)
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": call.id,
                    "content": budget.take(output),
                }
            )
    # Out of tool rounds: the model is offered no tool, so it has to answer.
    answer.text = _text(await ai.complete(provider, messages, None, on_text))
    return answer
