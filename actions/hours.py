"""`action_tell_hours`: is the line made for this conversation open now (the 3018 when nothing
was told yet), and the 24/7 lines when it is not."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.shared import directory, utter_availability


class ActionTellHours(Action):  # type: ignore[misc]
    def name(self) -> str:
        return "action_tell_hours"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        line_id = directory().main_line(tracker.get_slot("role"), tracker.get_slot("situation"))
        utter_availability(dispatcher, line_id)
        return []
