"""The event value every producer, transport and subscriber shares."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from app.events.models import StoredEvent


@dataclass(frozen=True)
class Event:
    """An event as subscribers see it."""

    stream: str
    seq: int
    type: str
    data: dict[str, Any]
    created_at: datetime

    @cached_property
    def wire(self) -> str:
        """The event serialised once, shared by every transport and subscriber."""
        return json.dumps(
            {
                "stream": self.stream,
                "seq": self.seq,
                "type": self.type,
                "data": self.data,
                "created_at": self.created_at.isoformat(),
            },
            separators=(",", ":"),
            default=str,
        )

    @classmethod
    def from_wire(cls, raw: str | bytes) -> Event:
        """Rebuild an event from `wire`."""
        obj = json.loads(raw)
        return cls(
            obj["stream"],
            obj["seq"],
            obj["type"],
            obj["data"],
            datetime.fromisoformat(obj["created_at"]),
        )

    @classmethod
    def from_row(cls, row: StoredEvent) -> Event:
        """An event from its stored row."""
        return cls(row.stream, row.seq, row.type, row.data, row.created_at)
