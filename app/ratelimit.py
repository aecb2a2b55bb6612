"""Request budgets with `limits`: memory storage embedded, Redis distributed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import redis.asyncio as aioredis
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

from app.errors import RateLimitedError
from app.settings import Settings

Budget = Literal["auth", "default"]


@dataclass(frozen=True)
class Quota:
    """Where one caller stands in its current window."""

    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        """The `X-RateLimit-*` response headers."""
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


class TooManyRequestsError(RateLimitedError):
    """Raised when a caller spent its budget for the current window."""

    def __init__(self, quota: Quota, item: RateLimitItem) -> None:
        super().__init__(
            f"Rate limit exceeded: {item.amount} per {item.multiples} "
            f"{item.GRANULARITY.name}"
        )
        self.quota = quota


KEY_PREFIX = "opsgraph:ratelimit"


class RateLimiter:
    """Fixed-window budgets: `auth` per client address, `default` per user."""

    def __init__(self, settings: Settings) -> None:
        # Our own pool, so shutdown can close its connections.
        self.pool: aioredis.ConnectionPool | None = None
        storage: Storage = MemoryStorage()
        if settings.redis_url is not None:
            self.pool = aioredis.ConnectionPool.from_url(settings.redis_url)
            storage = RedisStorage(
                f"async+{settings.redis_url}",
                implementation="redispy",
                key_prefix=KEY_PREFIX,
                connection_pool=self.pool,
            )
        self.strategy = FixedWindowRateLimiter(storage)
        self.budgets: dict[Budget, RateLimitItem] = {
            "auth": parse(settings.rate_limit_auth),
            "default": parse(settings.rate_limit_default),
        }

    async def hit(self, budget: Budget, key: str) -> Quota:
        """Spend one request of `key`'s `budget`; raise when none is left."""
        item = self.budgets[budget]
        allowed = await self.strategy.hit(item, budget, key)
        stats = await self.strategy.get_window_stats(item, budget, key)
        quota = Quota(item.amount, stats.remaining, math.ceil(stats.reset_time))
        if not allowed:
            raise TooManyRequestsError(quota, item)
        return quota

    async def close(self) -> None:
        """Close the Redis connections, if any."""
        if self.pool is not None:
            await self.pool.aclose()
