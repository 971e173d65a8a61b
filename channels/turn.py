"""Runs one turn for a channel and never leaves the person without a reply.

If the turn raises or produces nothing (model, action server, store down), the person gets the
fail-safe text from `data/content/failsafe.yml`, which names the 3018 and the 112. The failure is
logged as an event name and an error type, never with the message text or a stack trace.
The time it took, fail-safe included, goes to the latency histogram of its channel.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.content import load_content
from bot.metrics import record_failure, record_turn_seconds

__all__ = ["failsafe_messages", "run_turn"]

log = structlog.get_logger(__name__)


def failsafe_messages(recipient_id: str) -> list[dict[str, Any]]:
    return [{"recipient_id": recipient_id, "text": load_content().failsafe}]


async def run_turn(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    collector: CollectingOutputChannel,
) -> list[dict[str, Any]]:
    """The bot's messages for this turn; the fail-safe text when there are none."""
    started = time.perf_counter()
    try:
        return await _answer(on_new_message, message, collector)
    finally:
        record_turn_seconds(message.input_channel, time.perf_counter() - started)


async def _answer(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    collector: CollectingOutputChannel,
) -> list[dict[str, Any]]:
    if message.text:
        # JSON can carry lone surrogates ("\ud800"), which crash spaCy: make them "?"
        message.text = message.text.encode("utf-8", "replace").decode("utf-8")
    try:
        await on_new_message(message)
    except asyncio.CancelledError:
        raise
    except Exception as error:
        log.error("turn.failed", channel=message.input_channel, error=type(error).__name__)
        record_failure(message.input_channel, "turn_failed")
    if not collector.messages:
        log.warning("turn.failsafe", channel=message.input_channel)
        record_failure(message.input_channel, "failsafe")
        return failsafe_messages(message.sender_id)
    return list(collector.messages)
