"""The default cache: Redis, and Django's database cache while Redis does not answer.

Sign-in rate limiting (allauth's `ACCOUNT_RATE_LIMITS`) keeps its counters in the default
cache, so with plain Redis caching a stopped Redis made every sign-in answer 500. This
backend sends each call to Redis and, when Redis cannot be reached, to the cache named by
`FALLBACK` (a `DatabaseCache`, shared by every web process, so limits still hold across
processes). After a failure Redis is left alone for `RETRY_SECONDS` rather than paying a
connection timeout on every call; a warning is logged at most once per `RETRY_SECONDS`.
Counters kept in Redis before the outage are not copied: limits restart from zero in the
fallback, which errs towards letting the owner in.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)

# Per process and per Redis location: when Redis last failed, and when that was logged.
# Cache objects are per thread, so this state lives at module level.
_state_lock = threading.Lock()
_down_since: dict[str, float] = {}
_last_warning: dict[str, float] = {}


class RedisWithDatabaseFallbackCache(RedisCache):
    """A `RedisCache` that falls back to another configured cache while Redis is down.

    Settings: `FALLBACK` (alias of the fallback cache, default "database") and
    `RETRY_SECONDS` (how long to skip Redis after a failure, default 10).
    """

    def __init__(self, server: str, params: dict) -> None:
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        self._fallback_alias = params.get("FALLBACK", "database")
        self._retry_seconds = float(params.get("RETRY_SECONDS", 10))

    @property
    def fallback(self):
        return caches[self._fallback_alias]

    def _redis_skipped(self) -> bool:
        failed_at = _down_since.get(self._location)
        return failed_at is not None and time.monotonic() - failed_at < self._retry_seconds

    def _note_failure(self, error: Exception) -> None:
        now = time.monotonic()
        with _state_lock:
            _down_since[self._location] = now
            last = _last_warning.get(self._location)
            warn = last is None or now - last >= self._retry_seconds
            if warn:
                _last_warning[self._location] = now
        if warn:
            logger.warning("Redis cache at %s unreachable (%s); using the %r cache",
                           self._location.rsplit("@", 1)[-1], error, self._fallback_alias)

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if not self._redis_skipped():
            try:
                return getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as error:
                self._note_failure(error)
        return getattr(self.fallback, name)(*args, **kwargs)

    @property
    def redis_available(self) -> bool:
        """False while calls go to the fallback (for health checks and tests)."""
        return not self._redis_skipped()


def _delegating(name: str) -> Callable[..., Any]:
    def method(self: RedisWithDatabaseFallbackCache, *args: Any, **kwargs: Any) -> Any:
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"`{name}` on Redis, or on the fallback cache while Redis is down."
    return method


for _name in ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr",
              "set_many", "delete_many", "clear"):
    setattr(RedisWithDatabaseFallbackCache, _name, _delegating(_name))


def redis_failure_reset() -> None:
    """Forget remembered Redis failures (tests)."""
    with _state_lock:
        _down_since.clear()
        _last_warning.clear()
