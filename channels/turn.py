"""Runs one turn for a channel and never leaves the person without a reply, nor waiting long.

If the turn raises, produces nothing (model, action server, store down) or does not end within
`TURN_DEADLINE_SECONDS` (someone's other messages hold the conversation's lock, or a dependency
hangs), the person gets the fail-safe text from `data/content/failsafe.yml`, which names the
3018, the 112 and the 3114, and the turn is not "answered": the channel releases the message id,
so a retried delivery is processed. Failures are logged as an event name and an error type,
never with the message text or a stack trace.
The time it took, fail-safe included, goes to the latency histogram of its channel.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.content import load_content
from bot.metrics import record_failure, record_turn_seconds
from bot.turn_record import recording_turn

__all__ = ["TURN_DEADLINE_SECONDS", "Turn", "failsafe_messages", "run_turn", "take_turn"]

log = structlog.get_logger(__name__)

# Twilio waits 15 s for a webhook's answer; the answer, fail-safe or not, must be back before.
TURN_DEADLINE_SECONDS = 10.0


@dataclass(frozen=True)
class Turn:
    messages: list[dict[str, Any]]  # what the bot says (the fail-safe text when it failed)
    answered: bool  # the turn ran to its end and said something: its message id is answered
    erased: bool  # the turn erased the person's data (the erasure rule ran, and succeeded)


def failsafe_messages(recipient_id: str) -> list[dict[str, Any]]:
    return [{"recipient_id": recipient_id, "text": load_content().failsafe}]


async def take_turn(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    collector: CollectingOutputChannel,
    deadline_seconds: float = TURN_DEADLINE_SECONDS,
) -> Turn:
    """Runs the turn; the fail-safe text when it fails, says nothing, or takes too long."""
    if message.text:
        # JSON can carry lone surrogates ("\ud800"), which crash spaCy: make them "?"
        message.text = message.text.encode("utf-8", "replace").decode("utf-8")
    channel = message.input_channel
    started = time.monotonic()
    try:
        return await _bounded(on_new_message, message, collector, deadline_seconds, started)
    finally:
        record_turn_seconds(channel, time.monotonic() - started)


async def _bounded(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    collector: CollectingOutputChannel,
    deadline_seconds: float,
    started: float,
) -> Turn:
    channel = message.input_channel
    ok = False
    with recording_turn() as record:
        try:
            await asyncio.wait_for(on_new_message(message), deadline_seconds)
            ok = True
        except asyncio.TimeoutError:
            log.warning("turn.timeout", channel=channel, seconds=deadline_seconds)
            record_failure(channel, "turn_timeout")
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.error("turn.failed", channel=channel, error=type(error).__name__)
            record_failure(channel, "turn_failed")
    if not ok or not collector.messages:
        log.warning("turn.failsafe", channel=channel)
        record_failure(channel, "failsafe")
        return Turn(failsafe_messages(message.sender_id), answered=False, erased=record.erased)
    log.info("turn.answered", channel=channel, ms=round((time.monotonic() - started) * 1000))
    return Turn(list(collector.messages), answered=True, erased=record.erased)


async def run_turn(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    collector: CollectingOutputChannel,
) -> list[dict[str, Any]]:
    """The bot's messages for this turn; the fail-safe text when there are none."""
    return (await take_turn(on_new_message, message, collector)).messages
