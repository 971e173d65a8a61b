"""`/health/live` and `/health/ready` on the served bot, with its dependencies stopped and started.

Readiness says whether a replica can do more than the fail-safe: while Redis or the action
server is down it answers 503 and names what failed, while the webhooks still answer the
fail-safe (never silent); once the dependency is back it answers 200 again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.clients import message_text, phone, post_sms, post_web, sms_form
from tests.conftest import Stack

pytestmark = pytest.mark.model

CANARY = "zorglub" + uuid.uuid4().hex[:8]


def probe(stack: Stack, route: str) -> httpx.Response:
    return httpx.get(f"{stack.url}/health/{route}", timeout=10)


def until(stack: Stack, status: int, timeout: float = 15.0) -> httpx.Response:
    """`/health/ready` once it answers `status` (a result is shared for a second)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = probe(stack, "ready")
        if answer.status_code == status or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def failsafe_on_web_and_sms(stack: Stack) -> None:
    client = "health" + uuid.uuid4().hex
    web = post_web(stack, client, f"on m'insulte sur insta {CANARY}")
    assert web.status_code == 200
    text = "\n".join(m.get("text") or "" for m in web.json())
    sms = message_text(post_sms(stack, sms_form(f"on m'insulte {CANARY}", phone())))
    for answer in (text, sms):
        assert "3018" in answer and "112" in answer and "3114" in answer, answer


def down_then_back(
    stack: Stack, stop: Callable[[], None], start: Callable[[], None], check: str
) -> None:
    offset = stack.log.stat().st_size
    assert until(stack, 200).status_code == 200
    stop()
    try:
        answer = until(stack, 503)
        assert answer.status_code == 503, answer.text
        assert answer.json()["status"] == "not ready"
        checks = answer.json()["checks"]
        assert checks[check] == "failed"
        assert {name: state for name, state in checks.items() if name != check} == {
            name: "ok" for name in ("model", "redis", "actions") if name != check
        }
        assert probe(stack, "live").status_code == 200  # alive: no reason to restart it
        failsafe_on_web_and_sms(stack)
    finally:
        start()
    back = until(stack, 200)
    assert back.status_code == 200, back.text
    assert back.json() == {
        "status": "ready",
        "checks": {"model": "ok", "redis": "ok", "actions": "ok"},
    }
    log = stack.log.read_bytes()[offset:].decode("utf-8", errors="replace")
    assert '"event": "health.not_ready"' in log and f'"failing": ["{check}"]' in log
    assert '"event": "health.ready"' in log
    assert CANARY not in log


def test_live_and_ready_when_everything_runs(stack: Stack) -> None:
    live = probe(stack, "live")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    ready = until(stack, 200)
    assert ready.json()["checks"] == {"model": "ok", "redis": "ok", "actions": "ok"}
    assert ready.headers["Cache-Control"] == "no-store"


def test_redis_stopped_ready_is_503_while_the_webhooks_answer_the_failsafe_then_200(
    stack: Stack,
) -> None:
    down_then_back(stack, stack.redis.stop, stack.redis.start, "redis")


def test_action_server_stopped_ready_is_503_then_200(stack: Stack) -> None:
    down_then_back(stack, stack.actions.stop, stack.actions.start, "actions")


def test_the_health_routes_take_no_post_and_leak_nothing(stack: Stack) -> None:
    answer = httpx.post(f"{stack.url}/health/ready", json={"message": CANARY}, timeout=10)
    assert answer.status_code == 405
    assert CANARY not in answer.text
