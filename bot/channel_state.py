"""What the channels remember about a person between requests, outside the conversation itself.

Three things, never under a raw id:
- the ids of messages claimed and answered (Telegram `update_id`, Twilio `MessageSid`, web chat
  message `id`, see `bot.dedup`), under a hash of the pseudonymised sender id and the message
  id, so a retried delivery is answered once, and a delivery whose turn failed is processed
  when it is retried;
- rate-limit counters (per client, and per pseudonymised address);
- the SMS numbered menu of the last reply, so "2" means the second button.

In memory by default (one process, `make run`); in Redis when `REDIS_URL` is set, so replicas
share it, each key with its own TTL. `forget(person)` removes every key named by the person: it
runs when the person erases their data (`/oubli`, `OUBLI`), together with the tracker. The
answered ids stay until their TTL: they name no one, and they keep a retry of an erased
conversation's message from being answered (and the conversation rebuilt).

Redis keys (`<prefix>` is `REDIS_KEY_PREFIX`): `<prefix>:seen:<hash of person and id>` ("done",
or a lease while the turn runs), `<prefix>:rate:<bucket>:<key>` (counter),
`<prefix>:menu:<person>` (JSON object).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Protocol

import structlog

from bot.dedup import ANSWERED, Claim, MessageIds, answered_key
from bot.ratelimit import FixedWindow
from bot.redis_clients import async_client
from bot.settings import Settings, load_settings

__all__ = [
    "ChannelState",
    "Claim",
    "MemoryChannelState",
    "RedisChannelState",
    "shared_channel_state",
]

log = structlog.get_logger(__name__)

DEDUP_TTL_SECONDS = 24 * 3600  # Telegram and Twilio retry for hours, not days
CLAIM_LEASE_SECONDS = 60  # longer than any turn (channels.turn's deadline), short for a crash
PERSONAL_BUCKETS = ("client",)  # rate-limit buckets keyed by the person (erased with them)


class ChannelState(Protocol):
    async def claim(self, person: str, message_id: str) -> Claim:
        """NEW: this delivery runs the turn, then `settle`s; ANSWERED or IN_FLIGHT: it does not."""

    async def settle(self, person: str, message_id: str, answered: bool) -> None:
        """After the turn: answered (a retry is not answered again), or released (it is)."""

    async def allow(self, bucket: str, key: str, limit: int, window_seconds: int) -> bool:
        """True while `key` has made at most `limit` requests in the current window."""

    async def menu(self, person: str) -> dict[str, str]:
        """The numbered menu of the person's last reply ("1" -> payload), or {}."""

    async def set_menu(self, person: str, menu: Mapping[str, str] | None) -> None: ...

    async def forget(self, person: str) -> None:
        """Removes every key of this person."""


class MemoryChannelState:
    """One process's memory: the demo and single-process default."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._ids = MessageIds(DEDUP_TTL_SECONDS, clock=clock)
        self._windows: dict[tuple[str, int, int], FixedWindow] = {}
        self._menus: dict[str, dict[str, str]] = {}

    async def claim(self, person: str, message_id: str) -> Claim:
        return self._ids.claim(answered_key(person, message_id), CLAIM_LEASE_SECONDS)

    async def settle(self, person: str, message_id: str, answered: bool) -> None:
        self._ids.settle(answered_key(person, message_id), answered)

    async def allow(self, bucket: str, key: str, limit: int, window_seconds: int) -> bool:
        window = self._windows.get((bucket, limit, window_seconds))
        if window is None:
            window = FixedWindow(limit, window_seconds, clock=self._clock)
            self._windows[(bucket, limit, window_seconds)] = window
        return window.allow(key)

    async def menu(self, person: str) -> dict[str, str]:
        return dict(self._menus.get(person, {}))

    async def set_menu(self, person: str, menu: Mapping[str, str] | None) -> None:
        if menu:
            if len(self._menus) >= 100_000:
                self._menus.clear()
            self._menus[person] = dict(menu)
        else:
            self._menus.pop(person, None)

    async def forget(self, person: str) -> None:
        self._menus.pop(person, None)
        for (bucket, _, _), window in self._windows.items():
            if bucket in PERSONAL_BUCKETS:
                window.forget(person)


class RedisChannelState:
    """Shared by every replica. If Redis fails, dedup and rate limits fail open (the person
    still gets an answer, possibly twice) and the failure is logged; `forget` raises, so an
    erasure is never reported done when it was not."""

    # A claim is `SET NX` with the lease; settling sets "done" with the TTL, or deletes.

    def __init__(self, url: str, prefix: str, menu_ttl_seconds: int) -> None:
        self._redis = async_client(url)
        self._prefix = prefix
        self._menu_ttl = menu_ttl_seconds

    def keys_of(self, person: str) -> list[str]:
        """Every key named by this person (what `forget` deletes)."""
        personal = [f"{self._prefix}:rate:{bucket}:{person}" for bucket in PERSONAL_BUCKETS]
        return [f"{self._prefix}:menu:{person}", *personal]

    def answered_key(self, person: str, message_id: str) -> str:
        return f"{self._prefix}:seen:{answered_key(person, message_id)}"

    async def claim(self, person: str, message_id: str) -> Claim:
        from redis.exceptions import RedisError

        key = self.answered_key(person, message_id)
        try:
            if await self._redis.set(key, "lease", nx=True, ex=CLAIM_LEASE_SECONDS):
                return Claim.NEW
            state = await self._redis.get(key)
        except (RedisError, OSError) as error:
            log.error("state.unavailable", operation="dedup", error=type(error).__name__)
            return Claim.NEW
        if state is None:  # the lease ran out in between: a crashed turn
            return Claim.NEW
        return Claim.ANSWERED if state == ANSWERED.encode() else Claim.IN_FLIGHT

    async def settle(self, person: str, message_id: str, answered: bool) -> None:
        from redis.exceptions import RedisError

        key = self.answered_key(person, message_id)
        try:
            if answered:
                await self._redis.set(key, ANSWERED, ex=DEDUP_TTL_SECONDS)
            else:
                await self._redis.delete(key)
        except (RedisError, OSError) as error:
            log.error("state.unavailable", operation="dedup_settle", error=type(error).__name__)

    async def allow(self, bucket: str, key: str, limit: int, window_seconds: int) -> bool:
        from redis.exceptions import RedisError

        name = f"{self._prefix}:rate:{bucket}:{key}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                hits, _ = await pipe.incr(name).expire(name, window_seconds, nx=True).execute()
        except (RedisError, OSError) as error:
            log.error("state.unavailable", operation="rate_limit", error=type(error).__name__)
            return True
        return int(hits) <= limit

    async def menu(self, person: str) -> dict[str, str]:
        from redis.exceptions import RedisError

        try:
            raw = await self._redis.get(f"{self._prefix}:menu:{person}")
        except (RedisError, OSError) as error:
            log.error("state.unavailable", operation="menu_read", error=type(error).__name__)
            return {}
        if not raw:
            return {}
        value = json.loads(raw)
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    async def set_menu(self, person: str, menu: Mapping[str, str] | None) -> None:
        from redis.exceptions import RedisError

        key = f"{self._prefix}:menu:{person}"
        try:
            if menu:
                await self._redis.set(key, json.dumps(dict(menu)), ex=self._menu_ttl)
            else:
                await self._redis.delete(key)
        except (RedisError, OSError) as error:
            log.error("state.unavailable", operation="menu_write", error=type(error).__name__)

    async def forget(self, person: str) -> None:
        await self._redis.delete(*self.keys_of(person))


def channel_state_for(settings: Settings) -> ChannelState:
    if settings.redis_url:
        return RedisChannelState(
            settings.redis_url, settings.redis_key_prefix, settings.conversation_ttl
        )
    return MemoryChannelState()


@lru_cache(maxsize=1)
def shared_channel_state() -> ChannelState:
    """The process's one channel state, shared by the connectors and the erasure."""
    return channel_state_for(load_settings())
