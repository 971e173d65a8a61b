"""What the latest turn adds to the ops counters, read from the tracker's events (no text).

A turn is the events since the last `UserUttered`. In them:
- the channel is the `UserUttered`'s `input_channel`;
- a role is counted when the `role` slot is set to a value it did not have before the turn
  (a conversation that became a victim's, a witness's or a parent's);
- an emergency is the `emergency` intent or the `utter_emergency` response (the danger rule);
- hand-offs are the lines of the emergency reply (the directory's lines for the `danger` slot,
  as `bot.triage` records them) and the `line` that `action_handoff` sent with its response.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from rasa.shared.core.events import (
    ActionExecuted,
    AllSlotsReset,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.directory import Directory
from bot.metrics import TurnCounts, record_turn

__all__ = ["EMERGENCY_INTENT", "EMERGENCY_RESPONSE", "HANDOFF_RESPONSE", "record", "turn_counts"]

EMERGENCY_INTENT = "emergency"
EMERGENCY_RESPONSE = "utter_emergency"
HANDOFF_RESPONSE = "utter_handoff"
HANDOFF_RESPONSES = frozenset({HANDOFF_RESPONSE, "utter_handoff_phone", "utter_handoff_web"})
ROLE_SLOT = "role"
DANGER_SLOT = "danger"

logger = logging.getLogger(__name__)


def _last_user_index(events: list[Any]) -> int | None:
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            return index
    return None


def _role_before(events: list[Any]) -> Any:
    """The `role` slot's value at the end of these events."""
    for event in reversed(events):
        if isinstance(event, SlotSet) and event.key == ROLE_SLOT:
            return event.value
        if isinstance(event, (Restarted, SessionStarted, AllSlotsReset)):
            return None
    return None


def turn_counts(tracker: DialogueStateTracker, directory: Directory) -> TurnCounts | None:
    """The latest turn's counts; None when the tracker holds no user message."""
    events = list(tracker.events)
    start = _last_user_index(events)
    if start is None:
        return None
    user: UserUttered = events[start]
    turn = events[start + 1 :]
    role_before = _role_before(events[:start])
    role = None
    emergency = user.intent_name == EMERGENCY_INTENT
    lines: list[str] = []
    for event in turn:
        if isinstance(event, SlotSet) and event.key == ROLE_SLOT and event.value is not None:
            role = str(event.value) if event.value != role_before else None
        elif isinstance(event, ActionExecuted) and event.action_name == EMERGENCY_RESPONSE:
            emergency = True
        elif isinstance(event, BotUttered) and event.metadata:
            response = event.metadata.get("utter_action")
            if response == EMERGENCY_RESPONSE:
                lines.extend(directory.danger_lines(tracker.get_slot(DANGER_SLOT)))
            elif response in HANDOFF_RESPONSES and event.metadata.get("line") is not None:
                lines.append(str(event.metadata["line"]))
    return TurnCounts(
        channel=user.input_channel or "",
        role=role,
        emergency=emergency,
        lines=tuple(dict.fromkeys(lines)),
    )


@lru_cache(maxsize=1)
def _directory() -> Directory:
    return Directory.from_file()


def record(tracker: DialogueStateTracker) -> None:
    """Adds the latest turn to the process's counters (see `bot.metrics`); never raises."""
    try:
        counts = turn_counts(tracker, _directory())
        if counts is not None:
            record_turn(counts)
    except Exception as error:  # counting must never cost a person their reply
        logger.warning("metrics.record_failed error=%s", type(error).__name__)
