"""`action_handoff`: hand the person to a human line, with its real opening status."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.shared import directory, utter_availability

MAIN_LINE = "3018"


class ActionHandoff(Action):  # type: ignore[misc]
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        line = directory().get(MAIN_LINE)
        dispatcher.utter_message(
            response="utter_handoff", line=line.name, chat=line.chat_url or line.name
        )
        utter_availability(dispatcher, MAIN_LINE)
        return []
