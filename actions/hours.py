"""`action_tell_hours`: is the 3018 open now, and the 24/7 lines when it is not."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.shared import utter_availability

MAIN_LINE = "3018"


class ActionTellHours(Action):  # type: ignore[misc]
    def name(self) -> str:
        return "action_tell_hours"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        utter_availability(dispatcher, MAIN_LINE)
        return []
