"""On the served bot: what is kept about a person, for how long, and erasure.

After a conversation on each channel, Redis holds the person's tracker with the conversation TTL
(and the channel's own short-lived keys), all under pseudonymised names; `/oubli` or `OUBLI`
then leaves no key named by that person, the web chat's reply tells the widget, the erased text
leaves Redis's disk files, and a retried delivery of an erased message is not answered again
(in Redis and in memory).
"""

from __future__ import annotations

import uuid

import pytest
import redis

from bot.dedup import answered_key
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
    client, message_id = "erase" + uuid.uuid4().hex, uuid.uuid4().hex
    person = pseudonymise(KEY, "webchat", client)
    text = "on m'insulte sur insta depuis une semaine"
    assert post_web(stack, client, text, message_id).status_code == 200
    kept = keys_of(stack, person)
    tracker = f"{REDIS_KEY_PREFIX}:tracker:{person}"
    assert tracker in kept
    assert DEFAULT_TTL_SECONDS - 120 < kept[tracker] <= DEFAULT_TTL_SECONDS
    assert f"{REDIS_KEY_PREFIX}:rate:client:{person}" in kept
    assert stack.redis is not None
    answered = redis.Redis.from_url(stack.redis.url)
    seen = f"{REDIS_KEY_PREFIX}:seen:{answered_key(person, message_id)}"
    assert 0 < answered.ttl(seen) <= 24 * 3600  # the answered id, under a name naming no one
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
    assert stack.redis is not None
    client = redis.Redis.from_url(stack.redis.url, decode_responses=True)
    seen = f"{REDIS_KEY_PREFIX}:seen:{answered_key(person, form['MessageSid'])}"
    assert client.get(seen) == "done"
    assert message_text(post_sms(stack, form)) == ""


def test_the_web_chat_erasure_reply_says_so_to_the_widget(stack: Stack) -> None:
    """The reply to an erasure carries `"custom": {"erased": true}` on its first item, so the
    widget can clear its history; other replies, and an erasure that failed, do not."""
    client = "erase" + uuid.uuid4().hex
    talk = post_web(stack, client, "on m'insulte sur insta depuis une semaine").json()
    assert all("custom" not in item for item in talk)
    assert stack.redis is not None
    stack.redis.stop()
    try:
        failed = post_web(stack, client, "/oubli").json()
    finally:
        stack.redis.start()
    assert all("custom" not in item for item in failed)  # the fail-safe: nothing was erased
    erased = post_web(stack, client, "/oubli").json()
    assert erased[0]["custom"] == {"erased": True} and "effac" in erased[0]["text"]
    assert all("custom" not in item for item in erased[1:])


def _aof_holds(stack: Stack, needle: bytes) -> list[str]:
    assert stack.redis is not None
    return [
        str(path.relative_to(stack.redis.data_dir))
        for path in stack.redis.data_dir.rglob("*")
        if path.is_file() and needle in path.read_bytes()
    ]


AOF_BOUND_SECONDS = 30  # the README's bound: the rewrite starts within 10 s of an erasure


def test_erased_text_leaves_redis_disk_files_within_the_stated_time(stack: Stack) -> None:
    import time

    canary = "aofcanary" + uuid.uuid4().hex[:10]
    client = "erase" + uuid.uuid4().hex
    assert post_web(stack, client, f"on m'insulte sur insta, c'est {canary}").status_code == 200
    assert _aof_holds(stack, canary.encode())  # persistence is on: the text is on disk
    assert "effac" in post_web(stack, client, "/oubli").text
    deadline = time.monotonic() + AOF_BOUND_SECONDS
    while (files := _aof_holds(stack, canary.encode())) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert files == [], f"the erased text is still in {files} after {AOF_BOUND_SECONDS} s"


def _retry_after_erasure(stack: Stack) -> tuple[str, str]:
    """An SMS, then OUBLI, then Twilio retries the first SMS: what the retry and the erasure
    of a Telegram chat followed by a retried update get."""
    number = phone()
    first = sms_form("on m'insulte sur insta", number)
    assert message_text(post_sms(stack, first)) != ""
    assert "effac" in message_text(post_sms(stack, sms_form("OUBLI", number)))
    sms_retry = message_text(post_sms(stack, first))
    chat = new_chat()
    update = text_update(chat, "on m'insulte sur insta")
    assert post_telegram(stack, update).status_code == 200
    assert post_telegram(stack, text_update(chat, "/oubli")).status_code == 200
    sent = len(stack.telegram.sent(chat_id=chat))
    post_telegram(stack, update)
    telegram_retry = " ".join(m["text"] for m in stack.telegram.sent(chat_id=chat)[sent:])
    return sms_retry, telegram_retry


def test_a_retried_message_id_after_an_erasure_is_not_answered_again_in_redis(
    stack: Stack,
) -> None:
    assert _retry_after_erasure(stack) == ("", "")


def test_a_retried_message_id_after_an_erasure_is_not_answered_again_in_memory(
    memory_stack: Stack,
) -> None:
    assert _retry_after_erasure(memory_stack) == ("", "")
