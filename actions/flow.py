"""Applies a `bot.flow` decision: sends its responses, returns its slot changes."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.flow import FlowState, Turn

__all__ = ["apply", "state_of"]


def state_of(tracker: Tracker) -> FlowState:
    return FlowState.from_slots(tracker.current_slot_values())


def apply(turn: Turn, dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    for say in turn.say:
        dispatcher.utter_message(response=say.response, **say.variables)
    return [SlotSet(name, value) for name, value in turn.slots.items()]
