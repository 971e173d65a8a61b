"""Redis clients configured once for the whole bot: short timeouts, one retry on a lost link.

A connection pooled before Redis restarted (a failover, a maintenance restart) is dead; without
a retry, the first command on it fails and someone gets the fail-safe reply for nothing. With
one retry, it reconnects. If Redis is really down, the retry fails too, within the timeouts.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RETRIES", "TIMEOUT_SECONDS", "async_client", "probe_client", "sync_client"]

TIMEOUT_SECONDS = 2.0  # each of: connecting, and waiting for an answer
RETRIES = 1  # on a lost link or a timeout, at once (no backoff)


def _options(retry: Any) -> dict[str, Any]:
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError, TimeoutError

    return {
        "socket_timeout": TIMEOUT_SECONDS,
        "socket_connect_timeout": TIMEOUT_SECONDS,
        "retry": retry(NoBackoff(), RETRIES),
        "retry_on_error": [ConnectionError, TimeoutError],
    }


def sync_client(url: str, *, decode_responses: bool = False) -> Any:
    """For Rasa's tracker and lock stores, which call Redis synchronously."""
    from redis import Redis
    from redis.retry import Retry

    return Redis.from_url(url, decode_responses=decode_responses, **_options(Retry))


def async_client(url: str) -> Any:
    """For the channels' own keys (`bot.channel_state`)."""
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry

    return Redis.from_url(url, **_options(Retry))


def probe_client(url: str, timeout: float) -> Any:
    """For the readiness check (`bot.health`): its own short timeouts, no retry."""
    from redis.asyncio import Redis

    return Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
