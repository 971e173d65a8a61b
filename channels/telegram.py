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
text goes back in the webhook response itself, as a `sendMessage` method call. The webhook's
skeleton (refusals, de-duplication, never a 500) is `channels.connector`'s.

The update is read here (`_read_update`), not with PTB's `Update.de_json`, whose
`effective_chat`/`effective_message` would say the same for a well-formed update: checked with
PTB 22.8, `de_json` raises on what this webhook answers (a button press whose message has no
`date`, or no `from`/`chat_instance`), raises `KeyError`, `TypeError` or `AttributeError` where
this one answers "update without a chat id", and takes `"id": true` or a `"text": 12`, which
this one refuses.
"""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass
from typing import Any, ClassVar

import structlog
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot
from telegram.error import TelegramError

from bot.channel_state import ChannelState, Claim
from bot.commands import load_commands
from bot.content import load_content
from bot.metrics import record_failure
from bot.render import TelegramMessage, default_codec, load_channel_texts, render_telegram
from bot.settings import Settings
from channels.connector import Answer, Connector, Delivery, OnNewMessage
from channels.telegram_send import send_all, typing

__all__ = ["TelegramInput"]

log = structlog.get_logger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGE_CHARS = 4096  # Telegram's own limit for a text message
# The kinds of update answered, in the order `_effective` looks for them.
BUTTON, MESSAGE, EDITED = "callback_query", "message", "edited_message"


@dataclass(frozen=True)
class TelegramUpdate(Delivery):
    chat: int
    kind: str  # BUTTON, MESSAGE or EDITED
    text: str | None  # a message's text, or a button's callback data (decoded when answered)
    callback_id: str | None


def _chat_id(item: Any) -> int | None:
    """`item["chat"]["id"]` when it is an integer (not `true`), else None."""
    chat = item.get("chat") if isinstance(item, dict) else None
    found = chat.get("id") if isinstance(chat, dict) else None
    return found if isinstance(found, int) and not isinstance(found, bool) else None


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _effective(update: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The update's button press, message or edited message (the first of them), and its kind."""
    for kind in (BUTTON, MESSAGE, EDITED):
        item = update.get(kind)
        if isinstance(item, dict):
            return kind, item
    return None


def _failsafe_call(chat: int, text: str) -> HTTPResponse:
    """Last resort: Telegram accepts one method call as the webhook's response body."""
    return response.json({"method": "sendMessage", "chat_id": chat, "text": text})


class TelegramInput(Connector[TelegramUpdate]):
    channel: ClassVar[str] = "telegram"
    needs: ClassVar[str] = "TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN"
    max_body_bytes: ClassVar[int] = MAX_BODY_BYTES

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return bool(settings.telegram_bot_token and settings.telegram_secret_token)

    def __init__(self, settings: Settings, state: ChannelState | None = None) -> None:
        super().__init__(settings, state)
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

    def authenticate(self, request: Request) -> HTTPResponse | None:
        given = request.headers.get(SECRET_HEADER, "")
        expected = str(self._settings.telegram_secret_token)
        if hmac.compare_digest(given.encode(), expected.encode()):
            return None
        return self.refuse(401, "missing or wrong secret token")

    async def read(self, request: Request, update: Any) -> TelegramUpdate | HTTPResponse:
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return self.refuse(400, "not a Telegram update")
        message = update.get(MESSAGE)
        text = _string(message.get("text")) if isinstance(message, dict) else None
        if len(text or "") > MAX_MESSAGE_CHARS:
            return self.refuse(413, "message too long")
        effective = _effective(update)
        if effective is None:
            log.info("telegram.ignored", kind="other_update")
            return response.json({"status": "ignored"})
        kind, item = effective
        button = kind == BUTTON
        chat = _chat_id(item.get("message") if button else item)
        callback_id = _string(item.get("id")) if button else None
        if chat is None:  # nobody to answer, nor to de-duplicate for
            await self._answer_callback(callback_id)  # a press: its spinner stops all the same
            return self.refuse(400, "update without a chat id")
        text = _string(item.get("data" if button else "text"))
        person, update_id = self.pseudonym(str(chat)), f"u{update['update_id']}"
        return TelegramUpdate(person, update_id, chat, kind, text, callback_id)

    def duplicate(self, claim: Claim) -> HTTPResponse:
        if claim is Claim.IN_FLIGHT:
            return self.refuse(503, "this update is being answered, retry later")
        log.info("telegram.duplicate")
        return response.json({"status": "duplicate"})

    async def answer(self, update: TelegramUpdate, on_new_message: OnNewMessage) -> Answer:
        """The webhook's answer, and whether the update was answered (not the fail-safe)."""
        text = update.text
        if update.kind == BUTTON:
            text = default_codec().decode(text) if text is not None else None
            await self._answer_callback(update.callback_id)
        if update.kind == EDITED or not text or not text.strip():
            plain = TelegramMessage(load_channel_texts().non_text_reply, [])
            return await self._send(update.chat, [plain])
        command = load_commands().translate(text)
        async with typing(self.bot, update.chat):  # "typing…" in the chat while the turn runs
            turn = await self.turn(update.sender, command, on_new_message)
        sent, delivered = await self._send(update.chat, render_telegram(turn.messages))
        if delivered and not turn.answered:
            return response.json({"status": "failsafe"}), False
        return sent, turn.answered

    def render_failsafe(self, update: TelegramUpdate | None, text: str) -> HTTPResponse:
        if update is None:
            return response.json({"status": "error"})
        return _failsafe_call(update.chat, text)

    async def _answer_callback(self, callback_id: str | None) -> None:
        if callback_id is None:
            return
        try:
            await (await self.bot()).answer_callback_query(callback_id)
        except TelegramError as error:
            log.warning("telegram.answer_callback_failed", error=type(error).__name__)

    async def _send(self, chat: int, messages: list[TelegramMessage]) -> Answer:
        """The webhook's answer, and whether the messages went out through the Bot API (if
        not, the fail-safe text goes back in the answer itself)."""
        try:
            await send_all(await self.bot(), chat, messages)  # flood control: one retry
        except (TelegramError, OSError) as error:
            log.error("telegram.send_failed", error=type(error).__name__)
            record_failure(self.name(), "channel_send_failed")
            return _failsafe_call(chat, load_content().failsafe), False
        return response.json({"status": "ok"}), True
