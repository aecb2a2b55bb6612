"""Queries of the users domain."""

from __future__ import annotations

from enum import Enum

import strawberry

from app.graphql.context import Info
from app.graphql.nodes import key_of, key_or_none, node_of
from app.graphql.pagination import Connection, OrderDirection, Window, paginate
from app.graphql.permissions import HasPermission
from app.users import models, service
from app.users.graphql.types import Role, User


@strawberry.enum(description="What users can be sorted by.")
class UserOrderField(Enum):
    NUMBER = "id"
    USERNAME = "username"
    CREATED_AT = "created_at"


@strawberry.input(description="How to sort users.")
class UserOrder:
    field: UserOrderField = UserOrderField.NUMBER
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Which users to list; every given filter applies.")
class UserFilter:
    search: str | None = strawberry.field(
        default=None, description="Part of the username or email address."
    )
    is_active: bool | None = strawberry.field(
        default=None, description="Only users who may (or may not) log in."
    )
    role_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only holders of this role (global id)."
    )

    def selection(self) -> service.UserFilter:
        """The service's filter, with the role's global id as its row id."""
        role = (
            None if self.role_id is None else key_of(self.role_id, Role, field="roleId")
        )
        return service.UserFilter(self.search, self.is_active, role)


@strawberry.input(description="Which roles to list; every given filter applies.")
class RoleFilter:
    search: str | None = strawberry.field(
        default=None, description="Part of the name or description."
    )
    builtin: bool | None = strawberry.field(
        default=None, description="Only built-in (or only custom) roles."
    )


@strawberry.type
class UsersQuery:
    @strawberry.field(
        description="The calling user.",
        permission_classes=[HasPermission("users.self.view")],
    )
    async def me(self, info: Info) -> User:
        principal = info.context.principal
        assert principal is not None  # noqa: S101  guaranteed by the permission class
        async with info.context.db() as session:
            user = await service.get_user(session, principal.user_id)
        return User.from_model(user)

    @strawberry.field(
        description="Users matching the filter, sorted, one page at a time.",
        permission_classes=[HasPermission("users.user.view")],
    )
    async def users(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: UserFilter | None = None,
        order_by: UserOrder | None = None,
    ) -> Connection[User]:
        query = service.user_query((filter or UserFilter()).selection())
        order = order_by or UserOrder()
        keys = [getattr(models.User, order.field.value), models.User.id]
        if order.field is UserOrderField.NUMBER:
            keys = [models.User.id]
        window = Window(first, after, last, before)
        return await paginate(
            info, query, keys, order.direction, window, User.from_model
        )

    @strawberry.field(
        description="One user, or null when absent or not visible.",
        permission_classes=[HasPermission("users.user.view")],
    )
    async def user(self, info: Info, id: strawberry.ID) -> User | None:
        return await node_of(info, User, key_or_none(id, User))

    @strawberry.field(
        description="Roles matching the filter, sorted by name, one page at a time.",
        permission_classes=[HasPermission("users.role.view")],
    )
    async def roles(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: RoleFilter | None = None,
        direction: OrderDirection = OrderDirection.ASC,
    ) -> Connection[Role]:
        f = filter or RoleFilter()
        query = service.role_query(f.search, f.builtin)
        keys = [models.Role.name, models.Role.id]
        window = Window(first, after, last, before)
        return await paginate(info, query, keys, direction, window, Role.from_model)

    @strawberry.field(
        description="One role, or null when absent or not visible.",
        permission_classes=[HasPermission("users.role.view")],
    )
    async def role(self, info: Info, id: strawberry.ID) -> Role | None:
        return await node_of(info, Role, key_or_none(id, Role))
