"""On the served bot with a real Redis: what is kept about a person, for how long, and erasure.

After a conversation on each channel, Redis holds the person's tracker with the conversation TTL
(and the channel's own short-lived keys), all under pseudonymised names; `/oubli` or `OUBLI`
then leaves no key of that person at all.
"""

from __future__ import annotations

import uuid

import pytest
import redis

from bot.privacy import pseudonymise
from bot.settings import DEFAULT_TTL_SECONDS, load_settings
from tests.clients import (
    message_text,
    new_chat,
    phone,
    post_sms,
    post_telegram,
    post_web,
    sms_form,
    text_update,
)
from tests.conftest import REDIS_KEY_PREFIX, Stack

pytestmark = pytest.mark.model

KEY = load_settings({}).pseudonym_key  # the stack runs with the demo key


def keys_of(stack: Stack, person: str) -> dict[str, int]:
    """The person's Redis keys and their TTL in seconds."""
    client = redis.Redis.from_url(stack.redis.url, decode_responses=True)
    return {
        key: client.ttl(key)
        for key in client.scan_iter(f"{REDIS_KEY_PREFIX}:*")
        if key.rsplit(":", 1)[-1] == person
    }


def test_web_chat_conversation_kept_with_ttl_then_erased(stack: Stack) -> None:
    client = "erase" + uuid.uuid4().hex
    person = pseudonymise(KEY, "webchat", client)
    assert (
        post_web(
            stack, client, "on m'insulte sur insta depuis une semaine", uuid.uuid4().hex
        ).status_code
        == 200
    )
    kept = keys_of(stack, person)
    tracker = f"{REDIS_KEY_PREFIX}:tracker:{person}"
    assert tracker in kept
    assert DEFAULT_TTL_SECONDS - 120 < kept[tracker] <= DEFAULT_TTL_SECONDS
    assert f"{REDIS_KEY_PREFIX}:seen:{person}" in kept
    assert f"{REDIS_KEY_PREFIX}:rate:client:{person}" in kept
    assert all(ttl > 0 for ttl in kept.values()), kept  # nothing is kept forever
    reply = post_web(stack, client, "/oubli", uuid.uuid4().hex)
    assert "effac" in reply.text
    assert keys_of(stack, person) == {}


def test_sms_conversation_erased_with_its_menu(stack: Stack) -> None:
    number = phone()
    person = pseudonymise(KEY, "sms", number)
    first = post_sms(stack, sms_form("bonjour", number))
    assert "1" in message_text(first)
    assert f"{REDIS_KEY_PREFIX}:menu:{person}" in keys_of(stack, person)
    assert "effac" in message_text(post_sms(stack, sms_form("OUBLI", number)))
    assert keys_of(stack, person) == {}


def test_telegram_conversation_erased(stack: Stack) -> None:
    chat = new_chat()
    person = pseudonymise(KEY, "telegram", str(chat))
    assert post_telegram(stack, text_update(chat, "mon fils se fait harceler")).status_code == 200
    assert f"{REDIS_KEY_PREFIX}:tracker:{person}" in keys_of(stack, person)
    assert post_telegram(stack, text_update(chat, "/oubli")).status_code == 200
    assert "effac" in stack.telegram.sent("sendMessage", chat)[-1]["text"]
    assert keys_of(stack, person) == {}


def test_a_retried_delivery_is_answered_once_whichever_replica_gets_it(stack: Stack) -> None:
    """The answered ids live in Redis, so a retry is caught even on another replica."""
    number = phone()
    form = sms_form("salut", number)
    assert message_text(post_sms(stack, form)) != ""
    person = pseudonymise(KEY, "sms", number)
    client = redis.Redis.from_url(stack.redis.url, decode_responses=True)
    assert client.sismember(f"{REDIS_KEY_PREFIX}:seen:{person}", form["MessageSid"])
    assert message_text(post_sms(stack, form)) == ""
