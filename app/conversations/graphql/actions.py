"""Applying an action the assistant suggested, with the caller's permissions."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.ansible.graphql.types import (
    AnsibleJob,
    AnsibleJobSuccess,
    AnsiblePlaybook,
    AnsiblePlaybookSuccess,
)
from app.ansible.models import AnsiblePlaybook as PlaybookModel
from app.conversations import proposals, service
from app.conversations.graphql.types import ConversationMessage
from app.errors import DomainError, ForbiddenError, NotFoundError
from app.graphql.context import Info
from app.graphql.mutations import expected
from app.graphql.nodes import global_id, key_of
from app.graphql.permissions import HasPermission, require
from app.graphql.types import Error, error_from
from app.inventories.graphql.schema import Inventory

USE = "conversations.message.create"


@strawberry.type(description="One inventory's SSH test.")
class SshTestResult:
    inventory_id: strawberry.ID = strawberry.field(
        description="The inventory's global id."
    )
    inventory_name: str = strawberry.field(description="Inventory name.")
    status: str = strawberry.field(description="`Connected` or `Unconnected`.")
    message: str = strawberry.field(description="Ansible Hub's words for it.")


@strawberry.type(description="The suggested SSH test ran.")
class SshTestSuccess:
    results: list[SshTestResult] = strawberry.field(description="Per inventory.")


@strawberry.type(description="The message is not yours or has no action there.")
class SuggestedActionNotFound(Error):
    pass


@strawberry.type(description="You lack the permission the action needs.")
class SuggestedActionNotPermitted(Error):
    pass


@strawberry.type(
    description="The action was refused as it stands now (a name taken since, "
    "a playbook or inventory deleted, ...)."
)
class SuggestedActionFailed(Error):
    pass


ApplySuggestedActionPayload = Annotated[
    AnsiblePlaybookSuccess
    | AnsibleJobSuccess
    | SshTestSuccess
    | SuggestedActionNotFound
    | SuggestedActionNotPermitted
    | SuggestedActionFailed,
    strawberry.union("ApplySuggestedActionPayload"),
]


def _success(
    applied: proposals.Applied,
) -> AnsiblePlaybookSuccess | AnsibleJobSuccess | SshTestSuccess:
    if isinstance(applied, proposals.SshTested):
        rows = [
            SshTestResult(
                inventory_id=global_id(Inventory, r.inventory_id),
                inventory_name=r.inventory_name,
                status=r.status,
                message=r.message,
            )
            for r in applied.results
        ]
        return SshTestSuccess(results=rows)
    if isinstance(applied, PlaybookModel):
        return AnsiblePlaybookSuccess(playbook=AnsiblePlaybook.from_model(applied))
    return AnsibleJobSuccess(job=AnsibleJob.from_model(applied))


def _failure(exc: Exception) -> Error | None:
    """The member naming why the action was not performed."""
    if isinstance(exc, NotFoundError):
        return SuggestedActionNotFound(message=exc.message, field="messageId")
    if isinstance(exc, ForbiddenError):
        return SuggestedActionNotPermitted(message=exc.message)
    if isinstance(exc, DomainError):
        return error_from(SuggestedActionFailed, exc)
    return None


@strawberry.type
class ConversationActionsMutation:
    @strawberry.mutation(
        description="Perform action `index` the assistant offered in answer "
        "`messageId` (global id) of your conversation, with your own permissions; "
        "returns the created playbook, the started job or the SSH test results.",
        permission_classes=[HasPermission(USE)],
    )
    async def apply_suggested_action(
        self, info: Info, message_id: strawberry.ID, index: int
    ) -> ApplySuggestedActionPayload:
        async with expected(
            SuggestedActionNotFound,
            SuggestedActionNotPermitted,
            SuggestedActionFailed,
            via=_failure,
        ) as out:
            key = key_of(message_id, ConversationMessage, field="messageId")
            applied = await service.apply_suggested_action(
                info.context.db,
                info.context.settings,
                require(info, USE),
                f"msg-{key}",
                index,
            )
        return out.error or _success(applied)
