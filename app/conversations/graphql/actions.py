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
from app.conversations.errors import SuggestedActionNotFoundError
from app.errors import DomainError, ForbiddenError
from app.graphql.context import Info
from app.graphql.permissions import HasPermission, require
from app.graphql.types import Error

USE = "conversations.message.create"


@strawberry.type(description="One inventory's SSH test.")
class SshTestResult:
    inventory_id: int = strawberry.field(description="Inventory id.")
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
                inventory_id=r.inventory_id,
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


@strawberry.type
class ConversationActionsMutation:
    @strawberry.mutation(
        description="Perform action `index` the assistant offered in answer "
        "`messageId` of your conversation, with your own permissions; returns the "
        "created playbook, the started job or the SSH test results.",
        permission_classes=[HasPermission(USE)],
    )
    async def apply_suggested_action(
        self, info: Info, message_id: strawberry.ID, index: int
    ) -> ApplySuggestedActionPayload:
        try:
            applied = await service.apply_suggested_action(
                info.context.db,
                info.context.settings,
                require(info, USE),
                str(message_id),
                index,
            )
        except SuggestedActionNotFoundError as exc:
            return SuggestedActionNotFound(message=exc.message)
        except ForbiddenError as exc:
            return SuggestedActionNotPermitted(message=exc.message)
        except DomainError as exc:
            return SuggestedActionFailed(message=exc.message)
        return _success(applied)
