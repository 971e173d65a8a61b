"""The Redis settings `bot/redis_clients.py` declares are the ones in force on every client the
served Rasa process talks to Redis with: the tracker store's, the lock store's, the channels'
state's and the disk erasure's, each built as the process builds it, on a real redis-server.

In force means on the connection a real command went through: its socket's timeout, its connect
timeout, its retry. And when Redis stalls, a command gives up after one retry, each attempt
bounded by the timeout, instead of waiting as long as Redis does.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
import redis.asyncio
from redis.exceptions import ConnectionError, TimeoutError

from bot.channel_state import channel_state_for
from bot.health import CHECK_TIMEOUT_SECONDS, RedisCheck
from bot.redis_clients import RETRIES, TIMEOUT_SECONDS
from bot.settings import load_settings
from extensions.lock_store import RelaisLockStore
from extensions.tracker_store import RelaisTrackerStore
from tests.servers import RedisServer, redis_server


@dataclass(frozen=True)
class InForce:
    """The settings of the connection a client's command went through."""

    port: int
    socket_timeout: float | None
    connect_timeout: float | None
    retries: int
    retried_on: frozenset[type[Exception]]


async def run(answer: Any) -> Any:
    """A command's answer, from a synchronous client or an asyncio one."""
    return await answer if inspect.isawaitable(answer) else answer


async def in_force(client: Any) -> InForce:
    await run(client.ping())
    connection = client.connection_pool._available_connections[-1]  # back from the PING
    sock = getattr(connection, "_sock", None)  # a synchronous client's socket
    return InForce(
        port=int(connection.port),
        # the OS socket's own timeout; asyncio sockets do not block, and redis.asyncio bounds
        # each read with the connection's `socket_timeout`
        socket_timeout=sock.gettimeout() if sock is not None else connection.socket_timeout,
        connect_timeout=connection.socket_connect_timeout,
        retries=int(connection.retry._retries),
        retried_on=frozenset(connection.retry._supported_errors),
    )


async def tracker_store_client() -> Any:
    store = RelaisTrackerStore()
    return store._inner.red


async def lock_store_client() -> Any:
    return RelaisLockStore()._queue._redis


async def channel_state_client() -> Any:
    return channel_state_for(load_settings())._redis  # what `shared_channel_state` builds


async def disk_erasure_client() -> Any:
    disk = RelaisTrackerStore()._disk
    assert disk is not None
    disk.after_erasure()  # its client is made on the first erasure
    await disk.wait()
    return disk._redis


CLIENTS: dict[str, Callable[[], Awaitable[Any]]] = {
    "tracker store": tracker_store_client,
    "lock store": lock_store_client,
    "channel state": channel_state_client,
    "disk erasure": disk_erasure_client,
}


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    with redis_server() as running:
        yield running


def serve_on(server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The served process's environment, on this Redis."""
    monkeypatch.setenv("REDIS_URL", server.url)
    monkeypatch.setenv("REDIS_KEY_PREFIX", "relaisclients")
    monkeypatch.delenv("METRICS_PORT", raising=False)


@pytest.mark.parametrize("name", CLIENTS)
async def test_the_declared_settings_are_in_force_on_each_client(
    name: str, server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_on(server, monkeypatch)
    client = await CLIENTS[name]()
    settings = await in_force(client)
    assert settings.port == server.port
    assert (settings.socket_timeout, settings.connect_timeout) == (TIMEOUT_SECONDS, TIMEOUT_SECONDS)
    assert settings.retries == RETRIES
    assert {ConnectionError, TimeoutError} <= settings.retried_on


async def test_the_readiness_probe_has_its_own_short_timeouts_and_no_retry(
    server: RedisServer,
) -> None:
    check = RedisCheck(server.url)
    assert await check()
    settings = await in_force(check._client)
    await check.close()
    timeouts = (settings.socket_timeout, settings.connect_timeout)
    assert timeouts == (CHECK_TIMEOUT_SECONDS, CHECK_TIMEOUT_SECONDS)
    assert settings.retries == 0


async def test_a_stalled_redis_fails_each_command_after_one_retry_not_when_redis_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pause_seconds = 4 * TIMEOUT_SECONDS * (RETRIES + 1)
    with redis_server() as stalling:
        serve_on(stalling, monkeypatch)
        clients = {name: await build() for name, build in CLIENTS.items()}
        for client in clients.values():
            await run(client.ping())  # connected before Redis stalls
        pause = redis.Redis.from_url(stalling.url)
        pause.execute_command("CLIENT", "PAUSE", int(pause_seconds * 1000), "ALL")

        async def get(client: Any) -> tuple[type[BaseException] | None, float]:
            start = time.monotonic()
            try:
                if isinstance(client, redis.asyncio.Redis):
                    await client.get("relaisclients:any")
                else:  # off the loop, so that all four wait at once
                    await asyncio.to_thread(client.get, "relaisclients:any")
            except Exception as error:
                return type(error), time.monotonic() - start
            return None, time.monotonic() - start

        results = await asyncio.gather(*(get(client) for client in clients.values()))
    attempts = (RETRIES + 1) * TIMEOUT_SECONDS
    for name, (error, seconds) in zip(clients, results, strict=True):
        assert error is TimeoutError, name
        assert attempts - 0.1 <= seconds < pause_seconds / 2, name


async def test_rasas_own_tracker_store_client_is_replaced_before_it_connects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with redis_server() as alone:
        serve_on(alone, monkeypatch)
        watcher = redis.Redis.from_url(alone.url)
        assert len(watcher.client_list()) == 1  # the watcher's own connection
        store = RelaisTrackerStore()
        assert len(watcher.client_list()) == 1
        assert await store.retrieve("nobody") is None
        assert len(watcher.client_list()) == 2
        assert (await in_force(store._inner.red)).socket_timeout == TIMEOUT_SECONDS
