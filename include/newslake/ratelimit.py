"""Rate limit: per-host politeness shared by every worker, kept in Redis.

Input: a host name and its minimum delay between requests. Output: the caller sleeps until that
host may be asked again. `RedisHostClock` has the same `wait(host, min_delay)` method as the
in-process `newslake.fetch.HostClock`, so `PoliteFetcher(settings, clock=...)` takes either.

With Celery, the fetch tasks of one day run in several processes on several machines; an
in-process clock would let each of them hit a publisher at the full rate. Here one atomic Lua
script reserves "the next allowed time" per host on the Redis server's own clock (so machines
whose clocks disagree still agree on the schedule) and returns how long the caller must pause.
Selected by the setting `rate_limit_redis_url` (`NEWSLAKE_RATE_LIMIT_REDIS_URL`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from newslake.fetch import HostClock

log = logging.getLogger(__name__)

KEY_PREFIX = "newslake:next-allowed:"

# KEYS[1] = host key; ARGV[1] = min delay in seconds; ARGV[2] = longest acceptable pause in
# seconds. Reserves the slot [start, start + delay) and returns the pause before `start` in
# microseconds (an integer: Lua numbers are truncated to integers in replies), or -1 without
# reserving anything when that pause would be longer than ARGV[2]. The key expires a minute
# after its slot, so idle hosts leave nothing.
_RESERVE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) * 1000000 + tonumber(now[2])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(t, nxt)
if start - t > tonumber(ARGV[2]) * 1000000 then
  return -1
end
local delay = math.floor(tonumber(ARGV[1]) * 1000000)
local ttl = math.floor((start + delay - t) / 1000) + 60000
redis.call('SET', KEYS[1], string.format('%d', start + delay), 'PX', ttl)
return start - t
"""


class RedisHostClock:
    """Minimum delay between requests to one host, across all processes sharing one Redis."""

    def __init__(self, client, key_prefix: str = KEY_PREFIX, sleep: Callable[[float], None] = time.sleep):
        self._client = client
        self._prefix = key_prefix
        self._sleep = sleep
        self._reserve = client.register_script(_RESERVE)
        self._fallback: HostClock | None = None

    @classmethod
    def from_url(cls, url: str, **kwargs) -> RedisHostClock:
        """`redis://host:port/db` -> a clock (short timeouts: a slow Redis must not stall a crawl)."""
        import redis

        return cls(redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2), **kwargs)

    def wait(self, host: str, min_delay: float, max_wait: float = float("inf")) -> bool:
        """Sleep until `host` may be asked again; False (nothing reserved) if that is over `max_wait` s away."""
        if min_delay <= 0:
            return True
        try:
            longest = repr(min(float(max_wait), 10.0**9))  # Lua has no 'inf' literal
            reply = int(self._reserve(keys=[self._prefix + host], args=[repr(float(min_delay)), longest]))
        except Exception as exc:  # noqa: BLE001 - redis errors must not fail a batch
            # Keep crawling, politely per process, rather than failing every URL of the batch.
            if self._fallback is None:
                log.warning("shared rate limiter unavailable (%s: %s); using a per-process clock", type(exc).__name__, exc)
                self._fallback = HostClock(sleep=self._sleep)
            return self._fallback.wait(host, min_delay, max_wait)
        if reply < 0:
            return False
        if reply > 0:
            self._sleep(reply / 1_000_000)
        return True

    def close(self) -> None:
        self._client.close()
