"""The survival kit, step by step: `action_kit_next` and `action_kit_wrong`."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.flow import apply, state_of
from bot.content import load_content
from bot.flow import choose_situation_again, kit_next


class ActionKitNext(Action):  # type: ignore[misc]
    def name(self) -> str:
        return "action_kit_next"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return apply(kit_next(state_of(tracker), load_content()), dispatcher)


class ActionKitWrong(Action):  # type: ignore[misc]
    def name(self) -> str:
        return "action_kit_wrong"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return apply(choose_situation_again(state_of(tracker)), dispatcher)
