"""`action_route`: after a role or a situation, ask what is missing or start the kit."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.flow import apply, state_of
from bot.content import load_content
from bot.flow import route


class ActionRoute(Action):  # type: ignore[misc]
    def name(self) -> str:
        return "action_route"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return apply(route(state_of(tracker), load_content()), dispatcher)
