"""The lock store: one conversation's turns run one at a time, in arrival order, across replicas.

Rasa 3.6's `RedisLockStore` issues a ticket by reading the lock, adding a ticket in Python and
writing the lock back: two replicas that read at the same moment both get ticket 0, both run,
and the later save of the conversation loses the other's message (22 pairs of 50 in a test, a
danger message among them). Its waiters also poll only once a second.

Here the queue of tickets of a conversation is a Redis sorted set, and each step is one atomic
command: issuing a ticket is one Lua script (next number after the last, with an expiry taken
from Redis's own clock), "whose turn is it" is one Lua script (drops expired tickets, counts the
live ones ahead), releasing is one `ZREM` (Redis deletes an empty set by itself, so there is no
"is anyone waiting, then delete" race). A ticket is `<number>:<expiry in ms>`: a turn that
outlived its ticket cannot release someone else's. Waiters poll every few milliseconds, less
often the further back they are. Without `REDIS_URL`, the same queue lives in the process.

A turn waits for its ticket as long as the channel lets it (`channels.turn`: the fail-safe
answer after 10 s, the ticket released); a ticket expires after `TICKET_LOCK_LIFETIME` seconds
(Rasa's setting, 60 by default), so a crashed replica blocks no one for longer.
Keys: `<REDIS_KEY_PREFIX>:lock:<conversation id>` (sorted set, expires with its last ticket).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import structlog
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore

from bot.logs import keep_served_format
from bot.redis_clients import sync_client
from bot.settings import load_settings

__all__ = ["MemoryTicketQueue", "RedisTicketQueue", "RelaisLockStore", "TicketQueue"]

log = structlog.get_logger(__name__)

FIRST_POLL_SECONDS = 0.005
POLL_SECONDS_PER_TICKET_AHEAD = 0.01
MAX_POLL_SECONDS = 0.25
GONE = -1  # "whose turn": the ticket expired or was removed


def _number(member: str) -> int:
    return int(member.split(":", 1)[0])


def _expires_ms(member: str) -> int:
    return int(member.split(":", 1)[1])


class TicketQueue(Protocol):
    def issue(self, conversation_id: str, lifetime_seconds: float) -> str:
        """A new ticket at the back of the queue (`<number>:<expiry ms>`)."""

    def ahead(self, conversation_id: str, ticket: str) -> int:
        """Live tickets ahead of this one (0: its turn), or `GONE`."""

    def release(self, conversation_id: str, ticket: str) -> None: ...

    def tickets(self, conversation_id: str) -> list[str]:
        """The live tickets, first to last."""

    def replace(self, conversation_id: str, tickets: list[str]) -> None: ...


class MemoryTicketQueue:
    """One process's queues; each method runs without awaiting, so it is atomic in the loop."""

    def __init__(self) -> None:
        self._queues: dict[str, list[str]] = {}

    @staticmethod
    def _now_ms() -> int:
        return int(time.time() * 1000)

    def _live(self, conversation_id: str) -> list[str]:
        now = self._now_ms()
        queue = [t for t in self._queues.get(conversation_id, []) if _expires_ms(t) > now]
        if queue:
            self._queues[conversation_id] = queue
        else:
            self._queues.pop(conversation_id, None)
        return queue

    def issue(self, conversation_id: str, lifetime_seconds: float) -> str:
        queue = self._queues.setdefault(conversation_id, [])
        number = _number(queue[-1]) + 1 if queue else 1
        ticket = f"{number}:{self._now_ms() + int(lifetime_seconds * 1000)}"
        queue.append(ticket)
        return ticket

    def ahead(self, conversation_id: str, ticket: str) -> int:
        queue = self._live(conversation_id)
        return queue.index(ticket) if ticket in queue else GONE

    def release(self, conversation_id: str, ticket: str) -> None:
        queue = self._queues.get(conversation_id, [])
        if ticket in queue:
            queue.remove(ticket)
        if not queue:
            self._queues.pop(conversation_id, None)

    def tickets(self, conversation_id: str) -> list[str]:
        return list(self._live(conversation_id))

    def replace(self, conversation_id: str, tickets: list[str]) -> None:
        if tickets:
            self._queues[conversation_id] = list(tickets)
        else:
            self._queues.pop(conversation_id, None)


# Redis's clock in ms, so that replicas with skewed clocks agree on expiry (Redis >= 5).
_NOW_MS = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) "
ISSUE = (
    _NOW_MS
    + """
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local number = 1
if #last > 0 then number = tonumber(last[2]) + 1 end
local ticket = number .. ':' .. (now + tonumber(ARGV[1]))
redis.call('ZADD', KEYS[1], number, ticket)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return ticket
"""
)
AHEAD = (
    _NOW_MS
    + """
local ahead = 0
for _, ticket in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if tonumber(string.match(ticket, ':(%d+)$')) <= now then
    redis.call('ZREM', KEYS[1], ticket)
  elseif ticket == ARGV[1] then
    return ahead
  else
    ahead = ahead + 1
  end
end
return -1
"""
)
LIVE = (
    _NOW_MS
    + """
local live = {}
for _, ticket in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if tonumber(string.match(ticket, ':(%d+)$')) <= now then
    redis.call('ZREM', KEYS[1], ticket)
  else
    table.insert(live, ticket)
  end
end
return live
"""
)


class RedisTicketQueue:
    """Shared by every replica on one Redis; every step is one atomic command."""

    def __init__(self, url: str, prefix: str) -> None:
        self._redis = sync_client(url, decode_responses=True)
        self._prefix = prefix
        self._issue = self._redis.register_script(ISSUE)
        self._ahead = self._redis.register_script(AHEAD)
        self._live = self._redis.register_script(LIVE)

    def key(self, conversation_id: str) -> str:
        return f"{self._prefix}:lock:{conversation_id}"

    def issue(self, conversation_id: str, lifetime_seconds: float) -> str:
        lifetime_ms = max(1, int(lifetime_seconds * 1000))
        return str(self._issue(keys=[self.key(conversation_id)], args=[lifetime_ms]))

    def ahead(self, conversation_id: str, ticket: str) -> int:
        return int(self._ahead(keys=[self.key(conversation_id)], args=[ticket]))

    def release(self, conversation_id: str, ticket: str) -> None:
        self._redis.zrem(self.key(conversation_id), ticket)

    def tickets(self, conversation_id: str) -> list[str]:
        return [str(t) for t in self._live(keys=[self.key(conversation_id)])]

    def replace(self, conversation_id: str, tickets: list[str]) -> None:
        key = self.key(conversation_id)
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            if tickets:
                pipe.zadd(key, {t: _number(t) for t in tickets})
                last_ms = max(_expires_ms(t) for t in tickets) - int(time.time() * 1000)
                pipe.pexpire(key, max(1, last_ms))
            pipe.execute()


class RelaisLockStore(LockStore):  # type: ignore[misc]
    """Rasa's `LockStore` interface over a `TicketQueue` (Redis when `REDIS_URL` is set)."""

    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        keep_served_format()  # built as the served server starts: its loggers are set up now
        settings = load_settings()
        self._queue: TicketQueue
        if settings.redis_url:
            self._queue = RedisTicketQueue(settings.redis_url, settings.redis_key_prefix)
        else:
            self._queue = MemoryTicketQueue()
        super().__init__()

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = FIRST_POLL_SECONDS,
    ) -> AsyncIterator[TicketLock]:
        """Waits for this conversation's turn (until cancelled, or the ticket expires)."""
        ticket = self._queue.issue(conversation_id, lock_lifetime)
        try:
            while (ahead := self._queue.ahead(conversation_id, ticket)) != 0:
                if ahead == GONE:
                    raise LockError(f"the ticket expired after {lock_lifetime} s of waiting")
                poll = min(
                    MAX_POLL_SECONDS, FIRST_POLL_SECONDS + POLL_SECONDS_PER_TICKET_AHEAD * ahead
                )
                await asyncio.sleep(poll)
            yield self._ticket_lock(conversation_id, [ticket])
        finally:
            try:
                self._queue.release(conversation_id, ticket)
            except Exception as error:  # the ticket expires by itself: never fail the turn here
                log.warning("lock.release_failed", error=type(error).__name__)

    @staticmethod
    def _ticket_lock(conversation_id: str, tickets: list[str]) -> TicketLock:
        return TicketLock(
            conversation_id,
            deque(Ticket(_number(t), _expires_ms(t) / 1000) for t in tickets),
        )

    # Rasa's other LockStore methods, atomic too (Rasa 3.6 itself only calls `lock`).

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return _number(self._queue.issue(conversation_id, lock_lifetime))

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        tickets = self._queue.tickets(conversation_id)
        return self._ticket_lock(conversation_id, tickets) if tickets else None

    def delete_lock(self, conversation_id: str) -> None:
        self._queue.replace(conversation_id, [])

    def save_lock(self, lock: TicketLock) -> None:
        tickets = [f"{t.number}:{int(t.expires * 1000)}" for t in lock.tickets]
        self._queue.replace(lock.conversation_id, tickets)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        for ticket in self._queue.tickets(conversation_id):
            if _number(ticket) == ticket_number:
                self._queue.release(conversation_id, ticket)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self.finish_serving(conversation_id, ticket_number)  # an empty queue is gone by itself
