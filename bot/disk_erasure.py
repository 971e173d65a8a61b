"""Erased data leaves Redis's disk files too, in a bounded time.

Deleting keys removes them from memory, but Redis's append-only file (AOF) still holds the
commands that wrote them until Redis rewrites it; a snapshot (RDB), if Redis keeps one, holds
them until the next. After an erasure, this asks Redis to rewrite the AOF (`BGREWRITEAOF`) and,
when it keeps snapshots, to write a new one (`BGSAVE`). Each rewrite starts after the deletions
it covers, at most one every `MIN_INTERVAL_SECONDS` per process: an erasure leaves the disk
within that interval plus the time Redis takes to rewrite.

If the Redis server refuses these commands (some managed services do), the failure is logged
(`erasure.disk_rewrite_failed`) and the provider's persistence settings bound the time instead.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import structlog

from bot.redis_clients import async_client

__all__ = ["MIN_INTERVAL_SECONDS", "DiskErasure"]

log = structlog.get_logger(__name__)

MIN_INTERVAL_SECONDS = 10.0
POLL_SECONDS = 0.2
BUSY_FLAGS = ("aof_rewrite_in_progress", "aof_rewrite_scheduled", "rdb_bgsave_in_progress")
GIVE_UP_SECONDS = 120.0  # a rewrite already running that does not end: try at the next erasure


class DiskErasure:
    """One per process: rewrites Redis's files after erasures, never more often than the bound."""

    def __init__(self, url: str, clock: Any = time.monotonic) -> None:
        self._url = url
        self._redis: Any = None
        self._clock = clock
        self._last_start = -MIN_INTERVAL_SECONDS
        self._dirty = False
        self._task: asyncio.Task[None] | None = None

    def after_erasure(self) -> None:
        """Call once the erased keys are deleted; the rewrite runs in the background."""
        self._dirty = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def wait(self) -> None:
        """Until the rewrites asked for so far have started and finished (for tests)."""
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        if self._redis is None:
            self._redis = async_client(self._url)
        while self._dirty:
            await asyncio.sleep(max(0.0, self._last_start + MIN_INTERVAL_SECONDS - self._clock()))
            self._dirty = False  # erasures from now on need the next rewrite
            self._last_start = self._clock()
            try:
                await self._rewrite()
            except Exception as error:  # never let this cost anyone a reply
                log.warning("erasure.disk_rewrite_failed", error=type(error).__name__)

    async def _rewrite(self) -> None:
        persistence = await self._redis.info("persistence")
        if int(persistence.get("aof_enabled", 0)):
            await self._start(self._redis.bgrewriteaof)
        if await self._keeps_snapshots():
            await self._start(self._redis.bgsave)
        log.info("erasure.disk_rewrite_started")

    async def _keeps_snapshots(self) -> bool:
        from redis.exceptions import ResponseError

        try:
            config = await self._redis.config_get("save")
        except ResponseError:  # CONFIG is not allowed here: the provider's settings apply
            return False
        return bool((config.get("save") or config.get(b"save") or "").strip())

    async def _start(self, command: Any) -> None:
        """Starts the background job once no other runs: one running now may have taken its
        copy of the data before the deletion (another replica's, or Redis's own)."""
        from redis.exceptions import ResponseError

        deadline = self._clock() + GIVE_UP_SECONDS
        while True:
            persistence = await self._redis.info("persistence")
            busy = any(int(persistence.get(flag, 0)) for flag in BUSY_FLAGS)
            if not busy:
                try:
                    await command()
                    return
                except ResponseError as error:  # another one started in between
                    if "progress" not in str(error):
                        raise
            if self._clock() > deadline:
                raise TimeoutError("redis persistence busy")
            await asyncio.sleep(POLL_SECONDS)
