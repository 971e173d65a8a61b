"""`action_route`: after a role or a situation, ask what is missing or start the kit.

After the first reply made for a kind of harm, how to reach each of its lines that is not a
short number (Fil Santé Jeunes, Take It Down, cybermalveillance.gouv.fr, PHAROS), from the
directory, so the first reply names the line with a way to reach it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.flow import apply, state_of
from actions.shared import directory
from bot.content import load_content
from bot.flow import Say, Turn, route


def _reach(line_id: str) -> Say | None:
    """`utter_line_reach` for a line whose name is not its number (None for 119, 3114...)."""
    line = directory().get(line_id)
    phone = line.contact("phone")
    if phone is not None and phone.value == line.name:
        return None
    ways = [c.label or c.value or c.url or "" for c in line.contacts if c.kind != "app"]
    return Say("utter_line_reach", {"name": line.name, "how": ", ".join(w for w in ways if w)})


def with_reach(turn: Turn, role: str | None, situation: str | None) -> Turn:
    if not turn.say or not turn.say[0].response.startswith(("utter_first_", "utter_author")):
        return turn
    lines = directory().lines_for(role or "victim", situation)
    reach = tuple(say for say in map(_reach, lines) if say is not None)
    return Turn((turn.say[0], *reach, *turn.say[1:]), turn.slots)


class ActionRoute(Action):  # type: ignore[misc]
    def name(self) -> str:
        return "action_route"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        state = state_of(tracker)
        turn = route(state, load_content())
        role = turn.slots.get("role", state.role)
        return apply(with_reach(turn, role, state.situation), dispatcher)
