"""The Telegram connector through the real Rasa HTTP server, PTB's real `Bot` and a fake Bot API."""

from __future__ import annotations

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
