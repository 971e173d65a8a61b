"""Readiness checks (`bot/health.py`): bounded in time, shared for a moment, logged on change only.

The served stack's `/health/ready` is tested in tests/test_health.py.
"""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from bot.health import Readiness, RedisCheck, action_health_url
from bot.metrics import metrics
from tests.servers import redis_server


async def passes() -> bool:
    return True


async def fails() -> bool:
    return False


async def raises() -> bool:
    raise ConnectionError("refused")


async def hangs() -> bool:
    await asyncio.sleep(3600)
    return True


async def test_every_check_passes_means_ready() -> None:
    readiness = Readiness({"model": passes, "redis": passes, "actions": passes})
    assert await readiness.check() == {"model": True, "redis": True, "actions": True}


async def test_a_hanging_or_raising_check_is_a_failure_within_its_timeout() -> None:
    readiness = Readiness({"model": passes, "redis": hangs, "actions": raises}, timeout=0.05)
    results = await asyncio.wait_for(readiness.check(), timeout=5)  # never waits for `hangs`
    assert results == {"model": True, "redis": False, "actions": False}


async def test_a_result_is_shared_for_max_age_then_checked_again() -> None:
    calls: list[int] = []
    now = [100.0]

    async def counted() -> bool:
        calls.append(1)
        return True

    readiness = Readiness({"redis": counted}, max_age=1.0, clock=lambda: now[0])
    await asyncio.gather(*(readiness.check() for _ in range(5)))  # five probes at once
    now[0] += 0.5
    await readiness.check()
    assert len(calls) == 1
    now[0] += 1.0
    await readiness.check()
    assert len(calls) == 2


async def test_only_changes_of_state_are_logged_with_the_failing_names() -> None:
    state = {"redis": True}

    async def redis() -> bool:
        return state["redis"]

    readiness = Readiness({"model": passes, "redis": redis}, max_age=0)
    with capture_logs() as logs:
        await readiness.check()
        await readiness.check()
        state["redis"] = False
        await readiness.check()
        await readiness.check()
        state["redis"] = True
        await readiness.check()
    assert [(e["event"], e.get("failing")) for e in logs] == [
        ("health.ready", None),
        ("health.not_ready", ["redis"]),
        ("health.ready", None),
    ]


async def test_each_result_is_the_ready_check_gauge() -> None:
    readiness = Readiness({"model": passes, "actions": fails}, max_age=0)
    await readiness.check()
    gauge = metrics().registry.get_sample_value
    assert gauge("relais_ready_check", {"check": "model"}) == 1
    assert gauge("relais_ready_check", {"check": "actions"}) == 0


async def test_redis_check_on_a_real_redis_running_then_stopped() -> None:
    with redis_server() as redis:
        check = RedisCheck(redis.url, timeout=0.5)
        readiness = Readiness({"redis": check}, timeout=0.5, max_age=0)
        try:
            assert await readiness.check() == {"redis": True}
            redis.stop()
            assert await asyncio.wait_for(readiness.check(), timeout=5) == {"redis": False}
            redis.start()
            assert await readiness.check() == {"redis": True}
        finally:
            await check.close()


@pytest.mark.parametrize(
    ("webhook", "health"),
    [
        ("http://127.0.0.1:5055/webhook", "http://127.0.0.1:5055/health"),
        ("http://relais-actions:5055/webhook/", "http://relais-actions:5055/health"),
        ("https://actions.example.org/rasa/webhook", "https://actions.example.org/rasa/health"),
    ],
)
def test_the_action_servers_health_url_is_next_to_its_webhook(webhook: str, health: str) -> None:
    assert action_health_url(webhook) == health
