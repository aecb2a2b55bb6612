"""GraphQL types of the logs domain."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.graphql.nodes import Entity
from app.graphql.types import Error
from app.logs import models


@strawberry.type(description="One stored application log record.")
class LogEntry(Entity):
    table = models.LogRecord
    permission = "logs.log.view"

    number: int = strawberry.field(description="Row id.")
    timestamp: datetime = strawberry.field(description="When it was logged.")
    level: str = strawberry.field(description="INFO, WARNING, ERROR or CRITICAL.")
    source: str = strawberry.field(description="Domain that logged it.")
    category: str = strawberry.field(description="Kind of record within the source.")
    message: str = strawberry.field(description="The message, secrets redacted.")
    extra: JSON = strawberry.field(description="Structured fields, secrets redacted.")

    @classmethod
    def from_model(cls, row: models.LogRecord) -> LogEntry:
        return cls(
            number=row.id,
            timestamp=row.timestamp,
            level=row.level,
            source=row.source,
            category=row.category,
            message=row.message,
            extra=row.extra,
        )


@strawberry.type(description="Log records were deleted.")
class ClearLogsSuccess:
    deleted: int = strawberry.field(description="How many records were deleted.")


@strawberry.type(description="A filter value (level, date) is not valid.")
class InvalidLogFilter(Error):
    pass
