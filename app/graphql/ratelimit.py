"""Rate limits for GraphQL fields that anyone may call (login, refresh)."""

from __future__ import annotations

from app.graphql.context import Info
from app.ratelimit import Budget, Quota, RateLimiter, TooManyRequestsError


async def spend(info: Info, budget: Budget = "auth") -> None:
    """Spend one request of the caller's budget; raises when it is used up."""
    limiter: RateLimiter = info.context.request.app.state.limiter
    key = info.context.client or "unknown"
    if budget == "default" and info.context.principal is not None:
        key = f"user:{info.context.principal.user_id}"
    try:
        quota = await limiter.hit(budget, key)
    except TooManyRequestsError as exc:
        _headers(info, exc.quota)
        raise
    _headers(info, quota)


def _headers(info: Info, quota: Quota) -> None:
    if info.context.response is not None:
        info.context.response.headers.update(quota.headers())
