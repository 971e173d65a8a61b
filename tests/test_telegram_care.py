"""Telegram, with the same care as the widget: "typing…" while a turn runs, the command menu,
flood control. Through the real Rasa HTTP server, PTB's real `Bot` and the fake Bot API."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.commands import load_commands
from channels.telegram_setup import register
from tests.clients import new_chat, text_update
from tests.clients import post_telegram as post
from tests.conftest import TELEGRAM_SECRET, TELEGRAM_TOKEN, Stack
from tests.fake_telegram import FakeTelegram


def calls_of(stack: Stack, chat: int) -> list[str]:
    """The Bot API methods called for this chat, in order."""
    return [
        method
        for method, params in list(stack.telegram.calls)
        if str(params.get("chat_id")) == str(chat)
    ]


@pytest.mark.model
def test_the_chat_shows_typing_before_the_reply(stack: Stack) -> None:
    chat = new_chat()
    assert post(stack, text_update(chat, "on m'insulte sur insta")).status_code == 200
    calls = calls_of(stack, chat)
    assert "sendChatAction" in calls and "sendMessage" in calls, calls
    assert calls.index("sendChatAction") < calls.index("sendMessage")
    actions = stack.telegram.sent("sendChatAction", chat)
    assert {action["action"] for action in actions} == {"typing"}


@pytest.mark.model
def test_a_flood_control_answer_is_retried_once_after_its_delay(stack: Stack) -> None:
    chat = new_chat()
    with stack.telegram.flooding(chat, times=1, retry_after=1):
        started = time.monotonic()
        reply = post(stack, text_update(chat, "on se moque de moi sur snap"))
        took = time.monotonic() - started
    assert reply.status_code == 200 and reply.json() == {"status": "ok"}
    sent = stack.telegram.sent("sendMessage", chat)
    assert sent[0]["text"] == sent[1]["text"]  # refused once, then sent
    assert any("3018" in message["text"] for message in sent)
    assert took >= 1.0  # it waited the delay Telegram gave


@pytest.mark.model
def test_a_second_flood_control_answer_gets_the_failsafe(stack: Stack) -> None:
    chat = new_chat()
    with stack.telegram.flooding(chat, times=2, retry_after=1):
        reply = post(stack, text_update(chat, "on se moque de moi sur snap"))
    assert reply.status_code == 200
    body = reply.json()
    assert body["method"] == "sendMessage" and body["chat_id"] == chat
    assert "3018" in body["text"] and "112" in body["text"] and "3114" in body["text"]
    assert len(stack.telegram.sent("sendMessage", chat)) == 2  # the message and its one retry


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", TELEGRAM_SECRET)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://relais.example.org")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.url)
    try:
        yield fake
    finally:
        fake.stop()


async def test_make_telegram_webhook_sets_the_webhook_and_the_command_menu(
    fake_api: FakeTelegram,
) -> None:
    url = await register()
    assert url == "https://relais.example.org/webhooks/telegram/webhook"
    (webhook,) = fake_api.sent("setWebhook")
    assert webhook["url"] == url and webhook["secret_token"] == TELEGRAM_SECRET
    (menu,) = fake_api.sent("setMyCommands")
    commands = [entry["command"] for entry in menu["commands"]]
    assert commands == ["start", "aide", "oubli"]
    assert all(0 < len(entry["description"]) <= 256 for entry in menu["commands"])
    # each one is a command the bot knows, whatever the case Telegram sends it in
    assert all(load_commands().intent_for("/" + command) for command in commands)


class SwallowingBot:
    """A Bot API client whose `sendChatAction` loses a cancellation that arrives mid-request, as
    httpx's transport can on Python 3.10 (seen in a burst of 100 presses: the typing loop went on
    after its turn, and the webhook's answer waited for it until Sanic's 60 s timeout)."""

    def __init__(self) -> None:
        self.actions = 0

    async def send_chat_action(self, chat: int, action: str) -> None:
        import asyncio

        self.actions += 1
        try:
            await asyncio.sleep(0.3)
        except asyncio.CancelledError:
            await asyncio.sleep(0.3)  # the cancellation is lost: the request just ends


async def test_the_typing_indicator_stops_with_its_turn_even_if_a_cancellation_is_lost() -> None:
    import asyncio

    from channels.telegram_send import TYPING_EVERY_SECONDS, typing

    bot = SwallowingBot()

    async def get_bot() -> SwallowingBot:
        return bot

    async def turn() -> float:
        # The turn ends while the second chat action is in flight (sent at 4.3 s, for 0.3 s).
        async with typing(get_bot, 42):  # type: ignore[arg-type]
            await asyncio.sleep(TYPING_EVERY_SECONDS + 0.4)
            return time.monotonic()

    ended = await asyncio.wait_for(turn(), TYPING_EVERY_SECONDS + 3)  # never stuck there
    assert time.monotonic() - ended < 2.0, "the reply waited on the typing loop"
    sent = bot.actions
    assert sent == 2
    await asyncio.sleep(TYPING_EVERY_SECONDS + 1)
    assert bot.actions == sent, "the typing indicator went on after its turn"
