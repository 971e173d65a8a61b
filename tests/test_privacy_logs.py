"""No message text, phone number or raw sender id reaches the server's logs or Redis key names.

Whole conversations carry a canary phrase and a canary phone number through the web chat,
Telegram and SMS; then every line the Rasa server process wrote, and the name of every key in
Redis, are searched for them.
"""

from __future__ import annotations

import random
import uuid

import pytest
import redis

from tests.clients import post_sms, post_telegram, post_web, sms_form, text_update
from tests.conftest import Stack

pytestmark = pytest.mark.model

CANARY = "zorglub" + uuid.uuid4().hex[:8]
PHONE = f"+3361{random.SystemRandom().randrange(10**7, 10**8)}"
CHAT_ID = random.SystemRandom().randrange(10**9, 2 * 10**9)
WEB_CLIENT = "canary" + uuid.uuid4().hex


def canary_texts() -> list[str]:
    return [
        f"on m'insulte sur insta, il s'appelle {CANARY}, son numero c'est {PHONE}",
        f"{CANARY} menace de publier mes photos",
        f"jveux plus vivre a cause de {CANARY}",
        "/kit_next",
        "OUBLI",
    ]


def test_no_text_number_or_raw_id_in_the_server_log_or_redis_keys(stack: Stack) -> None:
    store = redis.Redis.from_url(stack.redis.url, decode_responses=True)
    key_names: set[str] = set()
    for text in canary_texts():
        assert post_web(stack, WEB_CLIENT, text).status_code == 200
        assert post_telegram(stack, text_update(CHAT_ID, text)).status_code == 200
        assert post_sms(stack, sms_form(text, PHONE)).status_code == 200
        key_names.update(store.scan_iter("*"))  # before and after the erasure
    log = stack.log.read_text(encoding="utf-8", errors="replace")
    assert "Rasa server is up" in log  # the log is the server's
    keys = " ".join(key_names)
    assert ":tracker:" in keys  # the conversations were stored in this Redis
    for secret in (CANARY, PHONE, PHONE.lstrip("+"), str(CHAT_ID), WEB_CLIENT):
        assert secret not in log, f"found a canary of kind {len(secret)} chars in the server log"
        assert secret not in keys, f"found a canary of kind {len(secret)} chars in a Redis key"
