"""Telegram's side of a turn: "typing…" while it runs, and sending the replies through flood
control.

- :func:`typing`: `sendChatAction(typing)` at once and every 4 s until the turn is done (Telegram
  shows it for 5 s or until the next message). A failure there is logged and never stops the
  turn.
- :func:`send_all`: each message with `sendMessage`; a flood-control answer (429, PTB's
  `RetryAfter`) is retried once after the delay Telegram gives (if it is at most
  `MAX_RETRY_AFTER_SECONDS`); a second refusal, or any other error, raises for the caller, who
  answers with the fail-safe.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress

import structlog
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatAction
from telegram.error import RetryAfter, TelegramError

from bot.render import TelegramMessage

__all__ = ["MAX_RETRY_AFTER_SECONDS", "TYPING_EVERY_SECONDS", "markup", "send_all", "typing"]

log = structlog.get_logger(__name__)

TYPING_EVERY_SECONDS = 4.0
FIRST_TYPING_WAIT_SECONDS = 2.0
STOP_WAIT_SECONDS = 0.5
MAX_RETRY_AFTER_SECONDS = 10.0  # longer and the fail-safe, in the webhook's answer, is quicker


def markup(message: TelegramMessage) -> InlineKeyboardMarkup | None:
    if not message.keyboard:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(title, callback_data=data) for title, data in row]
         for row in message.keyboard]
    )  # fmt: skip


@asynccontextmanager
async def typing(get_bot: Callable[[], Awaitable[Bot]], chat: int) -> AsyncIterator[None]:
    """Shows "typing…" in the chat for as long as the block runs.

    The first `sendChatAction` goes out alongside the turn; the block's end waits for it (at most
    `FIRST_TYPING_WAIT_SECONDS`), so it never reaches Telegram after the reply, which would show
    "typing…" for 5 s under an answer already there. The block's end never waits on the loop
    beyond `STOP_WAIT_SECONDS`: a cancellation can be lost inside the HTTP client on Python
    3.10, so the loop also stops on its own flag, and the reply never waits for it.
    """
    first_sent = asyncio.Event()
    stop = asyncio.Event()

    async def keep_typing() -> None:
        try:
            bot = await get_bot()
            while not stop.is_set():
                await bot.send_chat_action(chat, ChatAction.TYPING)
                first_sent.set()
                with suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), TYPING_EVERY_SECONDS)
        except (TelegramError, OSError) as error:
            log.warning("telegram.typing_failed", error=type(error).__name__)
        finally:
            first_sent.set()

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        stop.set()
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(first_sent.wait(), FIRST_TYPING_WAIT_SECONDS)
        task.cancel()
        await asyncio.wait({task}, timeout=STOP_WAIT_SECONDS)


def _seconds(delay: int | float | dt.timedelta) -> float:
    return delay.total_seconds() if isinstance(delay, dt.timedelta) else float(delay)


async def send_all(bot: Bot, chat: int, messages: Sequence[TelegramMessage]) -> None:
    """Sends every message in order; raises `TelegramError` or `OSError` if one cannot go."""
    for message in messages:
        try:
            await bot.send_message(chat, message.text, reply_markup=markup(message))
        except RetryAfter as error:
            delay = _seconds(error.retry_after)
            if delay > MAX_RETRY_AFTER_SECONDS:
                raise
            log.warning("telegram.flood_control", retry_after=delay)
            await asyncio.sleep(delay)
            await bot.send_message(chat, message.text, reply_markup=markup(message))
