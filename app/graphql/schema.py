"""The one GraphQL schema, assembled from every domain's roots."""

from __future__ import annotations

from functools import partial

import strawberry
from graphql import is_abstract_type, print_schema
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.query_depth_limiter import QueryDepthLimiter

from app.alerts.graphql.mutations import AlertsMutation
from app.alerts.graphql.queries import AlertsQuery
from app.alerts.graphql.subscriptions import AlertsSubscription
from app.ansible.graphql.mutations import AnsibleMutation
from app.ansible.graphql.queries import AnsibleQuery
from app.audit.graphql.queries import AuditQuery
from app.conversations.graphql.actions import ConversationActionsMutation
from app.conversations.graphql.mutations import ConversationsMutation
from app.conversations.graphql.queries import ConversationsQuery
from app.conversations.graphql.subscriptions import ConversationsSubscription
from app.credentials.graphql.schema import CredentialsMutation, CredentialsQuery
from app.devices.graphql.mutations import DevicesMutation
from app.devices.graphql.queries import DevicesQuery
from app.devices.graphql.subscriptions import DevicesSubscription
from app.executions.graphql.mutations import ExecutionsMutation
from app.executions.graphql.queries import ExecutionsQuery
from app.executions.graphql.subscriptions import ExecutionsSubscription
from app.federations.graphql.schema import FederationsMutation, FederationsQuery
from app.graphql import errors
from app.graphql.arguments import BoundedIds
from app.graphql.cost import CostLimit
from app.graphql.extensions import IntrospectionPolicy, StreamMaskErrors
from app.graphql.nodes import NodeQuery
from app.graphql.ratelimit import UserRateLimit
from app.graphql.shared import SharingExecutor
from app.inventories.graphql.schema import InventoriesMutation, InventoriesQuery
from app.logs.graphql.mutations import LogsMutation
from app.logs.graphql.queries import LogsQuery
from app.netbox.graphql.schema import NetboxMutation, NetboxQuery
from app.notifications.graphql.mutations import NotificationsMutation
from app.notifications.graphql.queries import NotificationsQuery
from app.pipelines.graphql.mutations import PipelinesMutation
from app.pipelines.graphql.queries import PipelinesQuery
from app.playbooks.graphql.mutations import StepPlaybooksMutation
from app.playbooks.graphql.queries import StepPlaybooksQuery
from app.runtime_settings.graphql.mutations import RuntimeSettingsMutation
from app.runtime_settings.graphql.queries import RuntimeSettingsQuery
from app.scans.graphql.changes import ScanChangesSubscription
from app.scans.graphql.polling import (
    PollingMutation,
    PollingQuery,
    ScanDefaultsMutation,
    ScanDefaultsQuery,
)
from app.scans.graphql.schema import ScansMutation, ScansQuery, ScansSubscription
from app.schedules.graphql.mutations import SchedulesMutation
from app.schedules.graphql.queries import SchedulesQuery
from app.scripts.graphql.mutations import ScriptsMutation
from app.scripts.graphql.queries import ScriptsQuery
from app.settings import Settings
from app.system.graphql.schema import SystemMutation, SystemQuery, SystemSubscription
from app.users.graphql.admin import UsersAdminMutation
from app.users.graphql.email import UsersEmailMutation
from app.users.graphql.mutations import UsersMutation
from app.users.graphql.queries import UsersQuery
from app.workflows.graphql.mutations import WorkflowsMutation
from app.workflows.graphql.queries import WorkflowsQuery
from app.workflows.graphql.subscriptions import WorkflowsSubscription


@strawberry.type
class Query(
    NodeQuery,
    UsersQuery,
    AuditQuery,
    SystemQuery,
    DevicesQuery,
    CredentialsQuery,
    InventoriesQuery,
    RuntimeSettingsQuery,
    AlertsQuery,
    LogsQuery,
    NotificationsQuery,
    WorkflowsQuery,
    SchedulesQuery,
    ScansQuery,
    PollingQuery,
    AnsibleQuery,
    ExecutionsQuery,
    ScanDefaultsQuery,
    ConversationsQuery,
    PipelinesQuery,
    FederationsQuery,
    NetboxQuery,
    ScriptsQuery,
    StepPlaybooksQuery,
):
    pass


@strawberry.type
class Mutation(
    UsersMutation,
    UsersAdminMutation,
    UsersEmailMutation,
    SystemMutation,
    DevicesMutation,
    CredentialsMutation,
    InventoriesMutation,
    RuntimeSettingsMutation,
    AlertsMutation,
    LogsMutation,
    NotificationsMutation,
    WorkflowsMutation,
    SchedulesMutation,
    ScansMutation,
    PollingMutation,
    AnsibleMutation,
    ExecutionsMutation,
    ScanDefaultsMutation,
    ConversationsMutation,
    ConversationActionsMutation,
    PipelinesMutation,
    FederationsMutation,
    NetboxMutation,
    ScriptsMutation,
    StepPlaybooksMutation,
):
    pass


@strawberry.type
class Subscription(
    SystemSubscription,
    AlertsSubscription,
    WorkflowsSubscription,
    ScansSubscription,
    ScanChangesSubscription,
    DevicesSubscription,
    ExecutionsSubscription,
    ConversationsSubscription,
):
    pass


# Clients send the same few operations again and again: each text is parsed
# and validated once (bounded caches, so unique texts cannot grow memory).
CACHED_OPERATIONS = 256


def _fixed_rules(*limiters: AddValidationRules) -> type[AddValidationRules]:
    """One extension adding the limiters' validation rules, built once: the
    same rule classes on every request let the validation cache hit (each
    limiter builds a new rule class per instance)."""
    rules = [rule for limiter in limiters for rule in limiter.validation_rules]

    class FixedRules(AddValidationRules):
        def __init__(self) -> None:
            super().__init__(rules)

    return FixedRules


def build_schema(settings: Settings) -> strawberry.Schema:
    """The schema with the limits `settings` ask for."""
    limits = _fixed_rules(
        QueryDepthLimiter(max_depth=settings.graphql_max_depth),
        MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases),
    )
    return errors.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=SharingExecutor,
        extensions=[
            partial(MaxTokensLimiter, max_token_count=settings.graphql_max_tokens),
            partial(ParserCache, maxsize=CACHED_OPERATIONS),
            limits,
            partial(ValidationCache, maxsize=CACHED_OPERATIONS),
            IntrospectionPolicy,
            partial(
                CostLimit,
                max_cost=settings.graphql_max_cost,
                default_list_size=settings.graphql_default_list_size,
            ),
            UserRateLimit,
            BoundedIds,
            partial(StreamMaskErrors, should_mask_error=errors.is_internal),
        ],
    )


schema = build_schema(Settings.model_construct())


def possible_types() -> dict[str, list[str]]:
    """Each interface's and union's object types, by name: the possibleTypes
    map a normalizing client cache needs to match fragments on them."""
    core = schema._schema
    return {
        name: sorted(t.name for t in core.get_possible_types(kind))
        for name, kind in core.type_map.items()
        if is_abstract_type(kind) and not name.startswith("__")
    }


def sdl() -> str:
    """The schema as SDL text, exactly as `schema.graphql` holds it."""
    return print_schema(schema._schema) + "\n"
