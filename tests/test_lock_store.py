"""The conversation lock: one turn at a time per conversation, in arrival order, across replicas.

Two `RelaisLockStore`s on one real Redis stand for two replicas; the same tests run on the
in-memory queue. (On the served stack: `tests/test_scale.py`, pairs of messages at two replicas.)
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from extensions.lock_store import GONE, MemoryTicketQueue, RedisTicketQueue, RelaisLockStore
from tests.servers import RedisServer, redis_server


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    with redis_server() as running:
        yield running


def stores(
    kind: str, server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> tuple[RelaisLockStore, RelaisLockStore]:
    if kind == "redis":
        monkeypatch.setenv("REDIS_URL", server.url)
        monkeypatch.setenv("REDIS_KEY_PREFIX", "relaislock")
        return RelaisLockStore(), RelaisLockStore()
    monkeypatch.delenv("REDIS_URL", raising=False)
    one = RelaisLockStore()
    return one, one  # in memory, one process


@pytest.fixture(params=["memory", "redis"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def conversation() -> str:
    return uuid.uuid4().hex


def test_tickets_are_served_in_order(kind: str, server: RedisServer) -> None:
    queue = MemoryTicketQueue() if kind == "memory" else RedisTicketQueue(server.url, "relaisq")
    talk = conversation()
    first, second, third = (queue.issue(talk, 60) for _ in range(3))
    assert [queue.ahead(talk, t) for t in (first, second, third)] == [0, 1, 2]
    queue.release(talk, first)
    assert [queue.ahead(talk, t) for t in (second, third)] == [0, 1]
    assert queue.ahead(talk, first) == GONE


def test_an_expired_ticket_blocks_no_one_and_cannot_release_another(
    kind: str, server: RedisServer
) -> None:
    queue = MemoryTicketQueue() if kind == "memory" else RedisTicketQueue(server.url, "relaisq")
    talk = conversation()
    crashed = queue.issue(talk, 0.05)  # a replica that died holding the turn
    waiting = queue.issue(talk, 60)
    assert queue.ahead(talk, waiting) == 1
    time.sleep(0.1)
    assert queue.ahead(talk, waiting) == 0
    queue.release(talk, crashed)  # the late release of the dead turn
    assert queue.ahead(talk, waiting) == 0
    queue.release(talk, waiting)
    assert queue.tickets(talk) == []


async def test_one_turn_at_a_time_in_arrival_order(
    kind: str, server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """50 pairs of turns of one conversation, each pair split over the two stores at once."""
    replica_a, replica_b = stores(kind, server, monkeypatch)
    talk = conversation()
    holding: list[int] = []
    overlaps = 0
    order: list[int] = []

    async def turn(store: RelaisLockStore, number: int) -> None:
        nonlocal overlaps
        async with store.lock(talk):
            holding.append(number)
            overlaps += len(holding) > 1
            order.append(number)
            await asyncio.sleep(0.002)  # the turn's own awaits: the model, the action server
            holding.remove(number)

    for pair in range(50):
        first = asyncio.create_task(turn(replica_a, 2 * pair))
        await asyncio.sleep(0)  # the first one takes its ticket first
        second = asyncio.create_task(turn(replica_b, 2 * pair + 1))
        await asyncio.gather(first, second)
    assert overlaps == 0
    assert order == list(range(100))
    assert replica_a.get_lock(talk) is None  # nothing left behind


async def test_a_waiter_given_up_leaves_the_queue(
    kind: str, server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The channel gives up on a turn after its deadline: its ticket goes, the next one runs."""
    store, other = stores(kind, server, monkeypatch)
    talk = conversation()
    async with store.lock(talk):
        waiter = asyncio.create_task(other.lock(talk).__aenter__())
        await asyncio.sleep(0.05)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    async with other.lock(talk) as lock:
        assert lock.now_serving is not None
    assert store.get_lock(talk) is None


def test_rasas_lock_store_interface(
    kind: str, server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = stores(kind, server, monkeypatch)
    talk = conversation()
    first = store.issue_ticket(talk, 60)
    second = store.issue_ticket(talk, 60)
    lock = store.get_lock(talk)
    assert lock is not None and lock.now_serving == first and lock.last_issued == second
    store.cleanup(talk, first)
    lock = store.get_lock(talk)
    assert lock is not None and lock.now_serving == second
    store.save_lock(lock)
    assert store.get_lock(talk) is not None
    store.delete_lock(talk)
    assert store.get_lock(talk) is None


def test_the_redis_queue_expires_with_its_last_ticket(server: RedisServer) -> None:
    queue = RedisTicketQueue(server.url, "relaisq")
    talk = conversation()
    queue.issue(talk, 30)
    ttl = redis.Redis.from_url(server.url).pttl(queue.key(talk))
    assert 0 < ttl <= 30_000
