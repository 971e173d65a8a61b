"""`action_menu`: back to the start, forgetting role, situation and kit."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.flow import apply
from bot.flow import menu


class ActionMenu(Action):  # type: ignore[misc]
    def name(self) -> str:
        return "action_menu"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return apply(menu(), dispatcher)
