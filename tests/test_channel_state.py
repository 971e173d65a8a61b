"""What the channels remember between requests, in memory and in a real Redis, behaves the same.

Dedup, rate limits and SMS menus are shared by replicas through Redis, each key has a TTL, and
`forget` (the erasure) leaves no key named by the person. A message id is answered only once
its turn settled as answered; a released one (the turn failed) is processed again; answered ids
outlive an erasure under a name that names no one. When Redis is down, dedup and rate limits
fail open so the person still gets an answer; an erasure fails loudly instead of lying.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from bot.channel_state import (
    CLAIM_LEASE_SECONDS,
    DEDUP_TTL_SECONDS,
    ChannelState,
    Claim,
    MemoryChannelState,
    RedisChannelState,
)
from tests.servers import RedisServer, redis_server

MENU_TTL = 3600


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    with redis_server() as running:
        yield running


def make_redis_state(server: RedisServer, prefix: str = "relaisunit") -> RedisChannelState:
    return RedisChannelState(server.url, prefix, MENU_TTL)


@pytest.fixture(params=["memory", "redis"])
def state(request: pytest.FixtureRequest, server: RedisServer) -> ChannelState:
    if request.param == "memory":
        return MemoryChannelState()
    return make_redis_state(server)


def person() -> str:
    return uuid.uuid4().hex


async def answered(state: ChannelState, someone: str, message_id: str) -> bool:
    """A delivery whose turn succeeds: True when it ran (it was new)."""
    if await state.claim(someone, message_id) is not Claim.NEW:
        return False
    await state.settle(someone, message_id, answered=True)
    return True


async def test_a_retried_message_is_answered_once(state: ChannelState) -> None:
    alice, bob = person(), person()
    assert await answered(state, alice, "m1")
    assert not await answered(state, alice, "m1")
    assert await answered(state, alice, "m2")
    assert await answered(state, bob, "m1")


async def test_a_message_whose_turn_failed_is_processed_when_retried(state: ChannelState) -> None:
    alice = person()
    assert await state.claim(alice, "m1") is Claim.NEW
    assert await state.claim(alice, "m1") is Claim.IN_FLIGHT  # a retry while the turn runs
    await state.settle(alice, "m1", answered=False)  # the turn failed: the fail-safe was sent
    assert await state.claim(alice, "m1") is Claim.NEW  # the next retry is processed
    await state.settle(alice, "m1", answered=True)
    assert await state.claim(alice, "m1") is Claim.ANSWERED


async def test_answered_ids_outlive_an_erasure(state: ChannelState) -> None:
    alice = person()
    assert await answered(state, alice, "m1")
    await state.forget(alice)
    assert await state.claim(alice, "m1") is Claim.ANSWERED


async def test_rate_limit_counts_per_key(state: ChannelState) -> None:
    alice, bob = person(), person()
    assert [await state.allow("client", alice, 3, 60) for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    assert await state.allow("client", bob, 3, 60)


async def test_menu_round_trip_and_clear(state: ChannelState) -> None:
    alice = person()
    assert await state.menu(alice) == {}
    await state.set_menu(alice, {"1": "/victim", "2": "/witness"})
    assert await state.menu(alice) == {"1": "/victim", "2": "/witness"}
    await state.set_menu(alice, None)
    assert await state.menu(alice) == {}


async def test_forget_removes_the_person_and_only_them(state: ChannelState) -> None:
    alice, bob = person(), person()
    for someone in (alice, bob):
        await state.set_menu(someone, {"1": "/victim"})
        for _ in range(3):
            await state.allow("client", someone, 3, 60)
    await state.forget(alice)
    assert await state.menu(alice) == {}
    assert await state.allow("client", alice, 3, 60)
    assert await state.menu(bob) == {"1": "/victim"}
    assert not await state.allow("client", bob, 3, 60)


async def test_replicas_share_redis_state(server: RedisServer) -> None:
    replica_a, replica_b = make_redis_state(server), make_redis_state(server)
    alice = person()
    assert await replica_a.claim(alice, "m1") is Claim.NEW
    assert await replica_b.claim(alice, "m1") is Claim.IN_FLIGHT
    await replica_a.settle(alice, "m1", answered=True)
    assert await replica_b.claim(alice, "m1") is Claim.ANSWERED
    await replica_a.set_menu(alice, {"1": "/parent"})
    assert await replica_b.menu(alice) == {"1": "/parent"}
    assert await replica_a.allow("client", alice, 2, 60)
    assert await replica_b.allow("client", alice, 2, 60)
    assert not await replica_a.allow("client", alice, 2, 60)


async def test_every_redis_key_expires_and_forget_leaves_none(server: RedisServer) -> None:
    state = make_redis_state(server, prefix="relaisttl")
    alice = person()
    assert await state.claim(alice, "m1") is Claim.NEW
    client = redis.Redis.from_url(server.url, decode_responses=True)
    seen = state.answered_key(alice, "m1")
    assert 0 < client.ttl(seen) <= CLAIM_LEASE_SECONDS  # a lease while the turn runs
    await state.settle(alice, "m1", answered=True)
    await state.allow("client", alice, 5, 60)
    await state.allow("address", "someaddress" + alice, 5, 60)
    await state.set_menu(alice, {"1": "/victim"})
    keys = sorted(client.scan_iter("relaisttl:*"))
    assert alice not in seen
    assert keys == sorted(
        [
            seen,
            f"relaisttl:rate:client:{alice}",
            f"relaisttl:rate:address:someaddress{alice}",
            f"relaisttl:menu:{alice}",
        ]
    )
    assert DEDUP_TTL_SECONDS - 60 < client.ttl(seen) <= DEDUP_TTL_SECONDS
    assert 0 < client.ttl(f"relaisttl:rate:client:{alice}") <= 60
    assert 0 < client.ttl(f"relaisttl:rate:address:someaddress{alice}") <= 60
    assert 0 < client.ttl(f"relaisttl:menu:{alice}") <= MENU_TTL
    await state.forget(alice)
    assert sorted(client.scan_iter("relaisttl:*")) == sorted(
        [seen, "relaisttl:rate:address:someaddress" + alice]
    )  # neither names the person: the answered id (24 h), the address counter (a minute)


async def test_redis_down_fails_open_but_erasure_fails_loudly() -> None:
    with redis_server() as lone:
        state = make_redis_state(lone)
        alice = person()
        assert await answered(state, alice, "m1")
        lone.stop()
        assert await state.claim(alice, "m1") is Claim.NEW  # a possible double answer, never none
        await state.settle(alice, "m1", answered=True)  # logged, not raised
        assert await state.allow("client", alice, 1, 60)
        assert await state.allow("client", alice, 1, 60)
        assert await state.menu(alice) == {}
        await state.set_menu(alice, {"1": "/victim"})
        with pytest.raises((redis.RedisError, OSError)):
            await state.forget(alice)
        lone.start()
        assert await state.claim(alice, "m1") is Claim.ANSWERED  # what was stored is still there


async def test_the_first_request_after_redis_restarts_is_served() -> None:
    """A pooled connection left over from before a Redis restart is retried, not failed."""
    with redis_server() as restarting:
        state = make_redis_state(restarting)
        alice = person()
        await state.set_menu(alice, {"1": "/victim"})
        restarting.stop()
        restarting.start()  # nothing used the connection while Redis was away
        assert await state.menu(alice) == {"1": "/victim"}
