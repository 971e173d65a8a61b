"""Faults mid-conversation on the served bot: the action server, Redis, the Telegram Bot API.

While a dependency is down, the person still gets the fail-safe reply (3018, 112, 3114) and
never a stack trace; when it is back, the same conversation goes on where it was, because
nothing stored before was lost; the server log names the failure with an event.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

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
from tests.conftest import Stack

pytestmark = pytest.mark.model

OPENING = "des gens m'insultent tous les jours sur insta"


def web(stack: Stack, client: str, text: str) -> str:
    reply = post_web(stack, client, text)
    assert reply.status_code == 200, reply.text
    messages: list[dict[str, Any]] = reply.json()
    return "\n".join(message.get("text") or "" for message in messages)


def telegram_texts(stack: Stack, chat: int, last: int = 3) -> str:
    """What the person saw in their last Telegram messages."""
    return "\n".join(m["text"] for m in stack.telegram.sent("sendMessage", chat)[-last:])


def assert_failsafe(text: str) -> None:
    assert "3018" in text and "112" in text and "3114" in text, text
    assert "Traceback" not in text and "Error" not in text


@contextmanager
def down(stop: Any, start: Any) -> Iterator[None]:
    stop()
    try:
        yield
    finally:
        start()


def log_since(stack: Stack, offset: int) -> str:
    return stack.log.read_bytes()[offset:].decode("utf-8", errors="replace")


def test_action_server_down_mid_kit_then_the_kit_goes_on(stack: Stack) -> None:
    client = "fault" + uuid.uuid4().hex
    first = web(stack, client, OPENING)
    assert "1/" in first
    offset = stack.log.stat().st_size
    with down(stack.actions.stop, stack.actions.start):
        assert_failsafe(web(stack, client, "/kit_next"))
    assert '"event": "turn.failsafe"' in log_since(stack, offset)
    after = web(stack, client, "/kit_next")
    assert "2/" in after  # the kit goes on from where it was: the first step was kept


def test_redis_down_mid_conversation_on_every_channel_then_back(stack: Stack) -> None:
    client, chat, number = "fault" + uuid.uuid4().hex, new_chat(), phone()
    assert "1/" in web(stack, client, OPENING)
    assert post_telegram(stack, text_update(chat, OPENING)).status_code == 200
    assert "1/" in telegram_texts(stack, chat)
    assert "1/" in message_text(post_sms(stack, sms_form(OPENING, number)))
    offset = stack.log.stat().st_size
    with down(stack.redis.stop, stack.redis.start):
        assert_failsafe(web(stack, client, "/kit_next"))
        assert post_telegram(stack, text_update(chat, "suite")).status_code == 200
        assert_failsafe(telegram_texts(stack, chat, last=1))
        assert_failsafe(message_text(post_sms(stack, sms_form("suite", number))))
        # someone in danger while Redis is down still gets the emergency numbers
        assert_failsafe(web(stack, "fault" + uuid.uuid4().hex, "je veux en finir ce soir"))
    assert '"event": "turn.failed"' in log_since(stack, offset)
    assert "2/" in web(stack, client, "/kit_next")  # the web chat conversation was kept
    assert "2/" in message_text(post_sms(stack, sms_form("/kit_next", number)))
    assert post_telegram(stack, text_update(chat, "/kit_next")).status_code == 200
    assert "2/" in telegram_texts(stack, chat)


def test_telegram_api_down_mid_conversation_then_back(stack: Stack) -> None:
    chat = new_chat()
    assert post_telegram(stack, text_update(chat, OPENING)).status_code == 200
    with stack.telegram.failing_send():
        during = post_telegram(stack, text_update(chat, "/kit_next"))
    assert during.status_code == 200
    call = during.json()
    assert call["method"] == "sendMessage" and call["chat_id"] == chat
    assert_failsafe(call["text"])
    assert post_telegram(stack, text_update(chat, "/kit_next")).status_code == 200
    assert "3/" in telegram_texts(
        stack, chat
    )  # the turn that could not be delivered still moved the kit on


def test_a_redis_restart_between_two_messages_goes_unnoticed(stack: Stack) -> None:
    """Connections pooled before the restart are retried once, so nobody gets the fail-safe."""
    client, number = "fault" + uuid.uuid4().hex, phone()
    assert "1/" in web(stack, client, OPENING)
    assert "1/" in message_text(post_sms(stack, sms_form(OPENING, number)))
    stack.redis.stop()
    stack.redis.start()
    assert "2/" in web(stack, client, "/kit_next")
    assert "2/" in message_text(post_sms(stack, sms_form("1", number)))  # the stored menu


def test_a_message_answered_with_the_failsafe_is_processed_when_retried(stack: Stack) -> None:
    """At-least-once: a message id is marked answered only when its turn succeeded, so the
    retry of a message that got the fail-safe (here: the action server was down) is processed,
    not dropped as a duplicate."""
    chat, number = new_chat(), phone()
    assert post_telegram(stack, text_update(chat, OPENING)).status_code == 200
    assert "1/" in message_text(post_sms(stack, sms_form(OPENING, number)))
    telegram_next, sms_next = text_update(chat, "/kit_next"), sms_form("/kit_next", number)
    with down(stack.actions.stop, stack.actions.start):
        assert post_telegram(stack, telegram_next).status_code == 200
        assert_failsafe(telegram_texts(stack, chat, last=1))
        assert_failsafe(message_text(post_sms(stack, sms_next)))
    retried = post_telegram(stack, telegram_next)  # Telegram's retry: the same update_id
    assert retried.json().get("status") != "duplicate"
    assert "2/" in telegram_texts(stack, chat)
    assert "2/" in message_text(post_sms(stack, sms_next))  # Twilio's: the same MessageSid


def test_a_conversation_busy_past_the_deadline_gets_a_quick_failsafe_then_the_retry_runs(
    stack: Stack,
) -> None:
    """Another turn of the person holds the conversation's lock (a stuck replica, a burst):
    the message gets the fail-safe within the turn deadline, not a 60 s timeout, and its retry
    is processed once the conversation is free."""
    import time

    from bot.privacy import pseudonymise
    from bot.settings import load_settings
    from channels.turn import TURN_DEADLINE_SECONDS
    from extensions.lock_store import RedisTicketQueue
    from tests.conftest import REDIS_KEY_PREFIX

    chat = new_chat()
    assert post_telegram(stack, text_update(chat, OPENING)).status_code == 200
    person = pseudonymise(load_settings({}).pseudonym_key, "telegram", str(chat))
    assert stack.redis is not None
    queue = RedisTicketQueue(stack.redis.url, REDIS_KEY_PREFIX)
    held = queue.issue(person, 60)  # someone else's turn that does not end
    press = text_update(chat, "/kit_next")
    offset = stack.log.stat().st_size
    started = time.monotonic()
    busy = post_telegram(stack, press)
    waited = time.monotonic() - started
    queue.release(person, held)
    assert busy.status_code == 200 and busy.json() == {"status": "failsafe"}
    assert waited < TURN_DEADLINE_SECONDS + 5, f"answered after {waited:.1f} s"
    assert_failsafe(telegram_texts(stack, chat, last=1))
    assert '"event": "turn.timeout"' in log_since(stack, offset)
    assert post_telegram(stack, press).json() == {"status": "ok"}  # Telegram's retry
    assert "2/" in telegram_texts(stack, chat)
