"""The Telegram connector through the real Rasa HTTP server, PTB's real `Bot` and a fake Bot API."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.clients import new_chat, text_update, update
from tests.clients import post_telegram as post
from tests.conftest import TELEGRAM_SECRET, Stack

pytestmark = pytest.mark.model


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", TELEGRAM_SECRET + "x"])
def test_a_request_without_the_right_secret_is_refused(stack: Stack, secret: str | None) -> None:
    chat = new_chat()
    reply = post(stack, text_update(chat, "salut"), secret=secret)
    assert reply.status_code == 401
    assert stack.telegram.sent(chat_id=chat) == []


def test_a_text_message_gets_the_3018_and_an_inline_keyboard(stack: Stack) -> None:
    chat = new_chat()
    reply = post(stack, text_update(chat, "on m'insulte sur insta tous les jours"))
    assert reply.status_code == 200
    sent = stack.telegram.sent(chat_id=chat)
    assert "3018" in sent[0]["text"]
    keyboards = [m["reply_markup"]["inline_keyboard"] for m in sent if m.get("reply_markup")]
    datas = [
        button["callback_data"] for keyboard in keyboards for row in keyboard for button in row
    ]
    assert "/kit_next" in datas
    assert all(len(data.encode()) <= 64 for data in datas)


def test_a_retried_update_is_answered_once(stack: Stack) -> None:
    chat = new_chat()
    body = text_update(chat, "bonjour")
    assert post(stack, body).status_code == 200
    count = len(stack.telegram.sent(chat_id=chat))
    assert count >= 1
    again = post(stack, body)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert len(stack.telegram.sent(chat_id=chat)) == count


def test_a_button_press_is_answered_and_goes_on(stack: Stack) -> None:
    chat = new_chat()
    post(stack, text_update(chat, "on m'insulte sur insta tous les jours"))
    before = len(stack.telegram.sent(chat_id=chat))
    callback = {
        "id": "cb-1",
        "from": {"id": chat, "is_bot": False, "first_name": "A"},
        "chat_instance": "x",
        "data": "/kit_next",
        "message": {"message_id": 2, "date": 0, "chat": {"id": chat, "type": "private"}},
    }
    assert post(stack, update(chat, callback_query=callback)).status_code == 200
    answered = stack.telegram.sent("answerCallbackQuery")
    assert any(c.get("callback_query_id") == "cb-1" for c in answered)
    after = stack.telegram.sent(chat_id=chat)[before:]
    assert after and "2/" in after[0]["text"]


def test_danger_gets_112_and_3114_in_the_first_reply(stack: Stack) -> None:
    chat = new_chat()
    post(stack, text_update(chat, "g envie de me suicider"))
    first = stack.telegram.sent(chat_id=chat)[0]["text"]
    assert "112" in first and "3114" in first


def test_start_and_oubli_commands(stack: Stack) -> None:
    chat = new_chat()
    post(stack, text_update(chat, "/start"))
    assert "robot" in stack.telegram.sent(chat_id=chat)[0]["text"]
    post(stack, text_update(chat, "/oubli"))
    assert "effac" in stack.telegram.sent(chat_id=chat)[-1]["text"]


@pytest.mark.parametrize(
    "message",
    [
        {"sticker": {"file_id": "s", "file_unique_id": "u", "type": "regular",
                     "width": 1, "height": 1, "is_animated": False, "is_video": False}},
        {"photo": [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]},
        {"voice": {"file_id": "v", "file_unique_id": "u", "duration": 1}},
    ],
)  # fmt: skip
def test_stickers_photos_and_voice_get_a_short_helpful_text(
    stack: Stack, message: dict[str, Any]
) -> None:
    chat = new_chat()
    body = update(chat, message={"message_id": 1, "date": 0,
                                 "chat": {"id": chat, "type": "private"}, **message})  # fmt: skip
    assert post(stack, body).status_code == 200
    text = stack.telegram.sent(chat_id=chat)[0]["text"]
    assert "112" in text


def test_an_edited_message_gets_the_short_text(stack: Stack) -> None:
    chat = new_chat()
    edited = {"message_id": 1, "date": 0, "edit_date": 1, "text": "modifié",
              "chat": {"id": chat, "type": "private"}}  # fmt: skip
    assert post(stack, update(chat, edited_message=edited)).status_code == 200
    assert "112" in stack.telegram.sent(chat_id=chat)[0]["text"]


@pytest.mark.parametrize(
    "content", [b"not json", b"[]", b'{"message": {}}', b'{"update_id": "12"}']
)
def test_malformed_updates_get_a_400(stack: Stack, content: bytes) -> None:
    reply = httpx.post(
        f"{stack.url}/webhooks/telegram/webhook",
        content=content,
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        timeout=30,
    )
    assert reply.status_code == 400


def test_when_the_bot_api_fails_the_failsafe_goes_back_in_the_webhook_response(
    stack: Stack,
) -> None:
    chat = new_chat()
    with stack.telegram.failing_send():
        reply = post(stack, text_update(chat, "on m'insulte"))
    assert reply.status_code == 200
    body = reply.json()
    assert body["method"] == "sendMessage" and body["chat_id"] == chat
    assert "3018" in body["text"] and "112" in body["text"]


@pytest.mark.parametrize(
    "fields",
    [
        {"message": {"message_id": 1, "chat": 5, "text": "salut"}},
        {"message": {"message_id": 1, "chat": [1], "text": "salut"}},
        {"edited_message": {"message_id": 1, "chat": "x", "text": "salut"}},
        {"callback_query": {"id": "cb-2", "data": "/kit_next", "message": "x"}},
    ],
)
def test_an_update_whose_chat_is_not_an_object_gets_a_400(
    stack: Stack, fields: dict[str, Any]
) -> None:
    """Found by the fuzz (tests/test_webhook_fuzz.py): these were 500s."""
    reply = post(stack, update(0, **fields))
    assert reply.status_code == 400
    assert reply.json() == {"error": "update without a chat id"}


@pytest.mark.parametrize("chat_id", [True, False, "123", 1.5, None])
def test_a_chat_id_that_is_not_an_integer_is_refused_every_time(stack: Stack, chat_id: Any) -> None:
    """A chat id of `true` used to skip de-duplication and be answered (as chat 1) each time."""
    message = {"message_id": 1, "date": 0, "chat": {"id": chat_id, "type": "private"},
               "text": "salut"}  # fmt: skip
    body = update(0, message=message)
    sent_before = len(stack.telegram.sent("sendMessage"))
    for _ in range(2):  # the replay too
        reply = post(stack, body)
        assert reply.status_code == 400, reply.text
    assert len(stack.telegram.sent("sendMessage")) == sent_before


def test_a_text_longer_than_telegrams_own_limit_is_refused_before_the_model(stack: Stack) -> None:
    """Telegram never sends more than 4,096 characters; 60,000 used to reach the model (and
    take ~24 GB). Refused with a 413, nothing stored, nothing sent."""
    import redis

    from bot.privacy import pseudonymise
    from bot.settings import load_settings
    from tests.conftest import REDIS_KEY_PREFIX

    chat = new_chat()
    reply = post(stack, text_update(chat, "salut " * 10_000))
    assert reply.status_code == 413, reply.status_code
    assert stack.telegram.sent(chat_id=chat) == []
    assert stack.redis is not None
    person = pseudonymise(load_settings({}).pseudonym_key, "telegram", str(chat))
    assert not redis.Redis.from_url(stack.redis.url).exists(f"{REDIS_KEY_PREFIX}:tracker:{person}")
    exactly = post(stack, text_update(chat, "a" * 4096))  # the limit itself is accepted
    assert exactly.status_code == 200


PRESSES = 100


def got_failsafe(webhook_answer: str) -> bool:
    """The turn was not processed: the fail-safe text was sent (`{"status": "failsafe"}`), or
    went back in the webhook's answer itself (the Bot API failed too)."""
    import json

    from bot.content import load_content

    try:
        answer = json.loads(webhook_answer)
    except ValueError:
        return False
    return answer.get("status") == "failsafe" or answer.get("text") == load_content().failsafe


def press(chat: int) -> dict[str, Any]:
    callback = {
        "id": "cb-" + uuid.uuid4().hex[:10],
        "from": {"id": chat, "is_bot": False, "first_name": "A"},
        "chat_instance": "x",
        "data": "/kit_next",
        "message": {"message_id": 2, "date": 0, "chat": {"id": chat, "type": "private"}},
    }
    return update(chat, callback_query=callback)


def stored_user_messages(stack: Stack, chat: int) -> int:
    import json

    import redis

    from bot.privacy import pseudonymise
    from bot.settings import load_settings
    from tests.conftest import REDIS_KEY_PREFIX

    assert stack.redis is not None
    person = pseudonymise(load_settings({}).pseudonym_key, "telegram", str(chat))
    raw = redis.Redis.from_url(stack.redis.url).get(f"{REDIS_KEY_PREFIX}:tracker:{person}")
    return sum(1 for e in json.loads(raw or "{}").get("events", []) if e["event"] == "user")


async def test_a_burst_of_presses_is_answered_fast_and_every_press_is_processed(
    stack: Stack,
) -> None:
    """100 presses of one chat at once: each gets an answer within seconds, never a timeout;
    a press answered with the fail-safe (the conversation was busy) is processed when
    Telegram retries it, instead of being dropped as a duplicate."""
    import asyncio
    import time

    chat = new_chat()
    opening = text_update(chat, "on m'insulte sur insta tous les jours")
    assert post(stack, opening).status_code == 200
    presses = [press(chat) for _ in range(PRESSES)]
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    url = f"{stack.url}/webhooks/telegram/webhook"
    limits = httpx.Limits(max_connections=PRESSES)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def send(body: dict[str, Any]) -> tuple[int, str, float]:
            t0 = time.monotonic()
            try:
                reply = await client.post(url, json=body, headers=headers)
            except httpx.HTTPError as error:
                return 0, type(error).__name__, time.monotonic() - t0
            return reply.status_code, reply.text, time.monotonic() - t0

        results = await asyncio.gather(*(send(body) for body in presses))
        slowest = max(seconds for _, _, seconds in results)
        not_ok = [status for status, _, _ in results if status != 200]
        retried = [  # delivered again: what got no 200, or was answered with the fail-safe
            body
            for body, (status, text, _) in zip(presses, results, strict=True)
            if status != 200 or got_failsafe(text)
        ]
        duplicates = 0
        for body in retried:  # Telegram retries what was not processed
            _, text, _ = await send(body)
            duplicates += "duplicate" in text
    stored = stored_user_messages(stack, chat)
    print(  # the figures, for the record (pytest -rA shows them)
        f"burst: {PRESSES - len(not_ok)} of {PRESSES} answered 200, slowest {slowest:.1f} s, "
        f"{len(retried)} got the fail-safe and were delivered again, {duplicates} dropped; "
        f"{stored - 1} presses stored"
    )
    assert (not_ok, duplicates, stored) == ([], 0, PRESSES + 1), (
        f"{len(not_ok)} of {PRESSES} not 200 ({sorted(set(not_ok))}), slowest {slowest:.1f} s; "
        f"{len(retried)} retried, {duplicates} of them dropped as duplicates; "
        f"{stored - 1} of {PRESSES} presses stored"
    )
    assert slowest < 30, f"the slowest answer took {slowest:.1f} s"
