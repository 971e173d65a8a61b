"""Is this replica ready to answer? Cheap, time-bounded checks of what a turn needs.

`/health/ready` (`extensions/health_routes.py`) answers 200 when every check passes, else 503:
- `model`: the Rasa agent has a loaded model;
- `redis`: Redis answers a PING (only when `REDIS_URL` is set);
- `actions`: the action server answers its `GET /health`.

The checks run at once, each within `CHECK_TIMEOUT_SECONDS`, so an answer never takes much
longer than that. A result is shared for `MAX_AGE_SECONDS`: Kubernetes, nginx's launcher and a
curl by hand probing together cost one round of checks. Nothing here sees a message; a change
of state is logged as `health.not_ready` (with the names of the failing checks) or
`health.ready`, and each check's result is the `relais_ready_check` gauge (`bot/metrics.py`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import structlog

from bot.metrics import record_readiness
from bot.redis_clients import probe_client

__all__ = [
    "CHECK_TIMEOUT_SECONDS",
    "MAX_AGE_SECONDS",
    "Check",
    "HttpCheck",
    "Readiness",
    "RedisCheck",
    "action_health_url",
]

log = structlog.get_logger(__name__)

CHECK_TIMEOUT_SECONDS = 1.0
MAX_AGE_SECONDS = 1.0

Check = Callable[[], Awaitable[bool]]


class Readiness:
    """Runs named checks, bounded in time, shared for a short while; logs changes of state."""

    def __init__(
        self,
        checks: Mapping[str, Check],
        timeout: float = CHECK_TIMEOUT_SECONDS,
        max_age: float = MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._checks = dict(checks)
        self._timeout = timeout
        self._max_age = max_age
        self._clock = clock
        self._lock = asyncio.Lock()
        self._last: tuple[float, dict[str, bool]] | None = None
        self._was_ready: bool | None = None

    async def check(self) -> dict[str, bool]:
        """Each check's result (True: passed), from the last round if it is recent enough."""
        async with self._lock:  # concurrent probes wait for one round instead of starting more
            if self._last is not None and self._clock() - self._last[0] < self._max_age:
                return dict(self._last[1])
            names = list(self._checks)
            passed = await asyncio.gather(*(self._bounded(self._checks[n]) for n in names))
            results = dict(zip(names, passed, strict=True))
            self._last = (self._clock(), results)
            self._report(results)
            return dict(results)

    async def _bounded(self, check: Check) -> bool:
        try:
            return bool(await asyncio.wait_for(check(), self._timeout))
        except asyncio.CancelledError:
            raise
        except Exception:  # a timeout, a refused connection, anything: not ready
            return False

    def _report(self, results: dict[str, bool]) -> None:
        record_readiness(results)
        ready = all(results.values())
        if ready != self._was_ready:
            if ready:
                log.info("health.ready")
            else:
                log.warning("health.not_ready", failing=[n for n, ok in results.items() if not ok])
        self._was_ready = ready


class RedisCheck:
    """PING on a client of its own with short timeouts, made on first use."""

    def __init__(self, url: str, timeout: float = CHECK_TIMEOUT_SECONDS) -> None:
        self._url = url
        self._timeout = timeout
        self._client: Any = None

    async def __call__(self) -> bool:
        if self._client is None:
            self._client = probe_client(self._url, self._timeout)
        return bool(await self._client.ping())

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


class HttpCheck:
    """A GET that must answer 200, on an HTTP session of its own made on first use."""

    def __init__(self, url: str, timeout: float = CHECK_TIMEOUT_SECONDS) -> None:
        self._url = url
        self._timeout = timeout
        self._session: Any = None

    async def __call__(self) -> bool:
        import aiohttp

        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout)
            )
        async with self._session.get(self._url, allow_redirects=False) as answer:
            return int(answer.status) == 200

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def action_health_url(webhook_url: str) -> str:
    """`http://host:5055/webhook` -> `http://host:5055/health` (the SDK's health route)."""
    parts = urlsplit(webhook_url)
    path = parts.path.rstrip("/")
    if path.endswith("/webhook"):
        path = path[: -len("/webhook")]
    return urlunsplit((parts.scheme, parts.netloc, path + "/health", "", ""))
