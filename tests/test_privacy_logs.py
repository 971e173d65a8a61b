"""No message text, phone number, raw sender id or secret reaches the logs or Redis key names.

Whole conversations carry a canary phrase and a canary phone number through the web chat,
Telegram and SMS, with a canary Telegram bot token; then every line both served processes wrote
(the Rasa server and the action server) is searched for them: at `LOG_LEVEL=INFO` on Redis (the
session stack), and at `LOG_LEVEL=DEBUG` with the libraries at DEBUG too, in memory. The name of
every key in Redis is searched as well. Every line is one JSON object in the documented format.
"""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.clients import post_sms, post_telegram, post_web, sms_form, text_update
from tests.conftest import TELEGRAM_TOKEN, Stack

pytestmark = pytest.mark.model

CANARY = "zorglub" + uuid.uuid4().hex[:8]
LINE_FIELDS = {"timestamp", "level", "event", "logger", "process", "replica"}


def canary_texts() -> list[str]:
    return [
        f"on m'insulte sur insta, il s'appelle {CANARY}, son numero c'est {{phone}}",
        f"{CANARY} menace de publier mes photos",
        f"jveux plus vivre a cause de {CANARY}",
        # caught by the danger model only (tests/test_danger_model.py): its log line too
        f"quand {CANARY} rentrera ce sera trop tard, j'ai tout ce qu'il me faut dans mon sac",
        "/kit_next",
        "OUBLI",
    ]


def converse(stack: Stack) -> list[str]:
    """One conversation per channel with the canaries; returns the secrets to look for."""
    phone = f"+3361{random.SystemRandom().randrange(10**7, 10**8)}"
    chat = random.SystemRandom().randrange(10**9, 2 * 10**9)
    web_client = "canary" + uuid.uuid4().hex
    for text in canary_texts():
        text = text.replace("{phone}", phone)
        assert post_web(stack, web_client, text).status_code == 200
        assert post_telegram(stack, text_update(chat, text)).status_code == 200
        assert post_sms(stack, sms_form(text, phone)).status_code == 200
    token_secret = TELEGRAM_TOKEN.split(":", 1)[1]
    return [CANARY, phone, phone.lstrip("+"), str(chat), web_client, TELEGRAM_TOKEN, token_secret]


def json_lines(path: Path) -> list[dict[str, Any]]:
    """Every line of the file from the first JSON one on (the setup is installed then: before,
    Python prints its import warnings, and rasa_sdk its start-up lines), each of which must be
    one JSON object in the documented form."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    start = next((n for n, line in enumerate(lines) if line.startswith('{"timestamp"')), None)
    assert start is not None, f"{path.name} has no JSON line"
    parsed = []
    for number, line in enumerate(lines[start:], start + 1):
        try:
            record = json.loads(line)
        except ValueError:
            pytest.fail(f"{path.name} line {number} is not JSON: {line[:120]!r}")
        assert isinstance(record, dict) and set(record) >= LINE_FIELDS, (path.name, line[:200])
        parsed.append(record)
    return parsed


def assert_clean(
    stack: Stack, secrets: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Everything the Rasa server and the action server wrote (each start of the action server,
    which the fault tests restart, has its own file): no secret, and the documented lines."""
    logs = [stack.log, *stack.actions.logs]
    for path in logs:
        text = path.read_text(encoding="utf-8", errors="replace")
        for kind, secret in enumerate(secrets):
            assert secret not in text, f"canary #{kind} found in {path.name}"
    rasa = json_lines(stack.log)
    actions = [line for path in stack.actions.logs for line in json_lines(path)]
    return rasa, actions


def test_info_no_text_number_id_or_token_in_either_log_or_in_redis_keys(stack: Stack) -> None:
    assert stack.redis is not None
    store = redis.Redis.from_url(stack.redis.url, decode_responses=True)
    secrets = converse(stack)
    keys = " ".join(store.scan_iter("*"))
    rasa, actions = assert_clean(stack, secrets)
    assert any(r["event"] == "Rasa server is up and running." for r in rasa)  # the server's log
    assert {r["process"] for r in rasa} == {"rasa"} and {r["process"] for r in actions} == {
        "actions"
    }
    assert {"webchat", "telegram", "sms"} <= {r.get("channel") for r in rasa}
    assert "relaistest:" in keys  # the people's keys were in this Redis
    for kind, secret in enumerate(secrets):
        assert secret not in keys, f"canary #{kind} found in a Redis key name"


def test_debug_no_text_number_id_or_token_in_either_log(memory_stack: Stack) -> None:
    rasa, actions = assert_clean(memory_stack, converse(memory_stack))
    # DEBUG was really on in both processes, Rasa's own structured events included
    assert any(r["level"] == "debug" and r["logger"].startswith("rasa.") for r in rasa)
    assert any(r["level"] == "debug" for r in actions)
    assert {"webchat", "telegram", "sms"} <= {r.get("channel") for r in rasa}
