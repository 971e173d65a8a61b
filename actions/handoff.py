"""`action_handoff`: hand the person to the human line made for what happened, with its real
opening status (and the 24/7 lines that fit while it is closed)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.shared import directory, utter_availability, utter_handoff


class ActionHandoff(Action):  # type: ignore[misc]
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        line_id = directory().main_line(tracker.get_slot("role"), tracker.get_slot("situation"))
        utter_handoff(dispatcher, line_id)
        utter_availability(dispatcher, line_id)
        return []
