"""Rate limits on GraphQL: the auth budget for login fields, the user budget for all."""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import ExecutionResult, GraphQLError
from starlette.requests import Request
from strawberry.extensions import SchemaExtension

from app.graphql.context import Context, Info
from app.ratelimit import Budget, Quota, RateLimiter, TooManyRequestsError


async def spend(info: Info, budget: Budget = "auth") -> None:
    """Spend one request of the caller's budget; raises when it is used up."""
    await _spend(info.context, budget)


async def _spend(context: Context, budget: Budget) -> None:
    limiter: RateLimiter = context.request.app.state.limiter
    key = context.client or "unknown"
    if budget == "default" and context.principal is not None:
        key = f"user:{context.principal.user_id}"
    try:
        quota = await limiter.hit(budget, key)
    except TooManyRequestsError as exc:
        _headers(context, exc.quota)
        raise
    _headers(context, quota)


def _headers(context: Context, quota: Quota) -> None:
    if context.response is not None:
        context.response.headers.update(quota.headers())


class UserRateLimit(SchemaExtension):
    """Spend a logged-in caller's per-user budget once per HTTP operation."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if (
            isinstance(context, Context)
            and isinstance(context.request, Request)
            and context.principal is not None
        ):
            try:
                await _spend(context, "default")
            except TooManyRequestsError as exc:
                error = GraphQLError(exc.message, extensions={"code": exc.code})
                self.execution_context.result = ExecutionResult(None, [error])
        yield
