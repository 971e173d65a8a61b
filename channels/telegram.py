"""Telegram connector: `POST /webhooks/telegram/webhook`, authenticated by the secret token.

Telegram sends every update with `X-Telegram-Bot-Api-Secret-Token` (set with `setWebhook`, see
`make telegram-webhook`); anything else is refused with 401. A chat id must be an integer (400).
A text over Telegram's own limit (4,096 characters) is refused with 413 before the model.
Retried updates (same `update_id`) are answered once: an update counts as answered only when its
turn succeeded; one whose turn failed or timed out got the fail-safe text (the response says
`{"status": "failsafe"}`) and is processed if Telegram delivers it again; one delivered again
while its turn still runs gets a 503, so Telegram tries later. Text, button presses
(`callback_query`, answered so the spinner stops), `/start` and `/oubli` go to Rasa; stickers,
photos, voice notes and edited messages get a short text. While a turn runs the chat shows
"typing…"; replies go out through python-telegram-bot's `Bot` (one per process), a
flood-control refusal retried once (`channels.telegram_send`); if sending fails, the fail-safe
text goes back in the webhook response itself, as a `sendMessage` method call.
"""

from __future__ import annotations

import asyncio
import hmac
import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot
from telegram.error import TelegramError

from bot.channel_state import ChannelState, Claim, shared_channel_state
from bot.commands import load_commands
from bot.content import load_content
from bot.metrics import record_failure
from bot.privacy import pseudonymise
from bot.render import TelegramMessage, default_codec, load_channel_texts, render_telegram
from bot.settings import Settings
from channels.common import (
    channel_logs,
    refuse,
    require_secrets,
    served_settings,
    short_error_pages,
)
from channels.telegram_send import send_all, typing
from channels.turn import take_turn

__all__ = ["TelegramInput"]

log = structlog.get_logger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGE_CHARS = 4096  # Telegram's own limit for a text message
NON_TEXT_KINDS = ("sticker", "photo", "voice", "video", "video_note", "audio", "document",
                  "animation", "location", "contact")  # fmt: skip


def _failsafe_call(chat: int) -> HTTPResponse:
    """Last resort: Telegram accepts one method call as the webhook's response body."""
    return response.json(
        {"method": "sendMessage", "chat_id": chat, "text": load_content().failsafe}
    )


def _chat_id(item: Any) -> int | None:
    """`item["chat"]["id"]` when it is an integer (not `true`), else None."""
    chat = item.get("chat") if isinstance(item, dict) else None
    found = chat.get("id") if isinstance(chat, dict) else None
    return found if isinstance(found, int) and not isinstance(found, bool) else None


def _chat_of(update: dict[str, Any]) -> int | None:
    """The chat an update comes from, if it has one."""
    for key in ("message", "edited_message", "callback_query"):
        item = update.get(key)
        if isinstance(item, dict):
            chat = _chat_id(item.get("message") if key == "callback_query" else item)
            if chat is not None:
                return chat
    return None


def _text_of(update: dict[str, Any]) -> str | None:
    message = update.get("message")
    text = message.get("text") if isinstance(message, dict) else None
    return text if isinstance(text, str) else None


class TelegramInput(InputChannel):  # type: ignore[misc]
    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        settings = served_settings()
        configured = bool(settings.telegram_bot_token and settings.telegram_secret_token)
        require_secrets(
            "telegram", settings, configured, "TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN"
        )
        return cls(settings)

    def __init__(self, settings: Settings, state: ChannelState | None = None) -> None:
        self._settings = settings
        self._state = state or shared_channel_state()  # answered update ids
        self._bot: Bot | None = None
        self._bot_lock = asyncio.Lock()

    async def bot(self) -> Bot:
        """The process's one `Bot`, created and initialised on first use."""
        async with self._bot_lock:
            if self._bot is None:
                kwargs: dict[str, Any] = {}
                if self._settings.telegram_api_base_url:
                    base = self._settings.telegram_api_base_url.rstrip("/")
                    kwargs = {"base_url": f"{base}/bot", "base_file_url": f"{base}/file/bot"}
                bot = Bot(str(self._settings.telegram_bot_token), **kwargs)
                await bot.initialize()
                self._bot = bot
            return self._bot

    def _authentic(self, request: Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "")
        expected = str(self._settings.telegram_secret_token)
        return hmac.compare_digest(given.encode(), expected.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        webhook = Blueprint("telegram_webhook", module.__name__ if module else None)
        short_error_pages(webhook)
        channel_logs(webhook, self.name())

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not (self._settings.telegram_bot_token and self._settings.telegram_secret_token):
                return refuse("telegram", 503, "telegram is not configured on this server")
            if not self._authentic(request):
                return refuse("telegram", 401, "missing or wrong secret token")
            if len(request.body or b"") > MAX_BODY_BYTES:
                return refuse("telegram", 413, "body too large")
            try:
                update = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                return refuse("telegram", 400, "body is not valid JSON")
            if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
                return refuse("telegram", 400, "not a Telegram update")
            if len(_text_of(update) or "") > MAX_MESSAGE_CHARS:
                return refuse("telegram", 413, "message too long")
            chat = _chat_of(update)
            if chat is None:  # no chat: nothing to answer, nobody to de-duplicate for
                return (await self._answer(update, on_new_message))[0]
            person, message_id = self._sender(chat), f"u{update['update_id']}"
            claim = await self._state.claim(person, message_id)
            if claim is Claim.ANSWERED:
                log.info("telegram.duplicate")
                return response.json({"status": "duplicate"})
            if claim is Claim.IN_FLIGHT:
                return refuse("telegram", 503, "this update is being answered, retry later")
            answer, answered = await self._answer(update, on_new_message)
            await self._state.settle(person, message_id, answered)
            return answer

        return webhook

    async def _answer(
        self, update: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> tuple[HTTPResponse, bool]:
        try:
            return await self._handle(update, on_new_message)
        except Exception as error:  # never a 500: answer with the fail-safe text
            log.error("telegram.failed", error=type(error).__name__)
            record_failure(self.name(), "failsafe")
            return self._failsafe_response(update), False

    async def _handle(
        self, update: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> tuple[HTTPResponse, bool]:
        """The webhook's answer, and whether the update was answered (not the fail-safe)."""
        callback = update.get("callback_query")
        message = update.get("message")
        if isinstance(callback, dict):
            chat = _chat_id(callback.get("message"))
            data = callback.get("data")
            text = default_codec().decode(data) if isinstance(data, str) else None
            await self._answer_callback(callback.get("id"))
        elif isinstance(message, dict):
            chat = _chat_id(message)
            text = message.get("text") if isinstance(message.get("text"), str) else None
            if text is None and any(kind in message for kind in NON_TEXT_KINDS):
                return await self._send_plain(chat, load_channel_texts().non_text_reply)
        elif isinstance(update.get("edited_message"), dict):
            chat = _chat_id(update["edited_message"])
            return await self._send_plain(chat, load_channel_texts().non_text_reply)
        else:
            log.info("telegram.ignored", kind="other_update")
            return response.json({"status": "ignored"}), True
        if chat is None:
            return refuse("telegram", 400, "update without a chat id"), True
        if not text or not text.strip():
            return await self._send_plain(chat, load_channel_texts().non_text_reply)
        sender = self._sender(chat)
        collector = CollectingOutputChannel()
        user_message = UserMessage(
            load_commands().translate(text), collector, sender, input_channel=self.name()
        )
        async with typing(self.bot, chat):  # "typing…" in the chat while the turn runs
            turn = await take_turn(on_new_message, user_message, collector)
        sent, delivered = await self._send(chat, render_telegram(turn.messages))
        if delivered and not turn.answered:
            return response.json({"status": "failsafe"}), False
        return sent, turn.answered

    def _sender(self, chat: int) -> str:
        return pseudonymise(self._settings.pseudonym_key, self.name(), str(chat))

    @staticmethod
    def _failsafe_response(update: dict[str, Any]) -> HTTPResponse:
        chat = _chat_of(update)
        return _failsafe_call(chat) if chat is not None else response.json({"status": "error"})

    async def _answer_callback(self, callback_id: Any) -> None:
        if not isinstance(callback_id, str):
            return
        try:
            await (await self.bot()).answer_callback_query(callback_id)
        except TelegramError as error:
            log.warning("telegram.answer_callback_failed", error=type(error).__name__)

    async def _send_plain(self, chat: int | None, text: str) -> tuple[HTTPResponse, bool]:
        if chat is None:
            return refuse("telegram", 400, "update without a chat id"), True
        return await self._send(chat, [TelegramMessage(text, [])])

    async def _send(self, chat: int, messages: list[TelegramMessage]) -> tuple[HTTPResponse, bool]:
        """The webhook's answer, and whether the messages went out through the Bot API (if
        not, the fail-safe text goes back in the answer itself)."""
        try:
            await send_all(await self.bot(), chat, messages)  # flood control: one retry
        except (TelegramError, OSError) as error:
            log.error("telegram.send_failed", error=type(error).__name__)
            record_failure(self.name(), "channel_send_failed")
            return _failsafe_call(chat), False
        return response.json({"status": "ok"}), True
