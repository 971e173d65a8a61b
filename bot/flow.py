"""The conversation flow for a role and a situation, as pure decisions.

Given where the person is (role, situation, platform, kit step), say which responses to send
and which slots change. The actions only read the tracker, call these, and apply the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.content import Content, Kit
from bot.harms import HARMS

__all__ = ["FlowState", "Say", "Turn", "choose_situation_again", "kit_next", "menu", "route"]


@dataclass(frozen=True)
class Say:
    response: str
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    say: tuple[Say, ...]
    slots: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FlowState:
    role: str | None = None
    situation: str | None = None
    platform: str | None = None
    kit_step: int | None = None  # index of the last kit step shown
    kit_role: str | None = None  # the role the kit was started for
    kit_situation: str | None = None  # the situation the kit was started for
    voice: str | None = None  # "vous" for an adult

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any]) -> FlowState:
        step = slots.get("kit_step")
        return cls(
            role=slots.get("role"),
            situation=slots.get("situation"),
            platform=slots.get("platform"),
            kit_step=int(step) if step is not None else None,
            kit_role=slots.get("kit_role"),
            kit_situation=slots.get("kit_situation"),
            voice=slots.get("voice"),
        )


def _step(kit: Kit, index: int) -> Say:
    return Say(
        "utter_kit_step",
        {"step": kit.steps[index], "position": str(index + 1), "total": str(len(kit.steps))},
    )


def _intro(state: FlowState, role: str) -> tuple[Say, ...]:
    """The first reply: made for a kind of harm when one was just told (even mid-kit), else
    the role's welcome on a first kit, or "d'accord" when the role changed."""
    if state.situation in HARMS and state.situation != state.kit_situation:
        return (Say(f"utter_first_{state.situation}"),)
    if state.kit_role is None:
        return (Say(f"utter_{role}_first"),)
    if state.kit_role != role:
        return (Say("utter_role_changed"),)
    return ()


def route(state: FlowState, content: Content) -> Turn:
    """After a role or a situation was given: ask what is missing, or start the kit.

    A kind of harm needs no role question: it is told by the person it happens to, unless the
    words said otherwise (then the role is already set).
    """
    role = state.role
    if role is None and state.situation in HARMS:
        role = "victim"
    if role is None:
        return Turn((Say("utter_ask_role"),))
    intro = _intro(state, role)
    slots: dict[str, Any] = {"kit_role": role, "kit_situation": state.situation}
    if state.role is None:
        slots["role"] = role
    kit = content.kit(role, state.situation)
    if kit is None:  # no situation yet, or one the model made up: ask it
        return Turn((*intro, Say("utter_ask_situation")), {**slots, "situation": None})
    return Turn((*intro, _step(kit, 0)), {**slots, "kit_step": 0})


def kit_next(state: FlowState, content: Content) -> Turn:
    """The next kit step; after the last one, the platform's steps, then the hand-off offer."""
    kit = content.kit(state.role, state.situation)
    if kit is None or state.kit_step is None or state.kit_role != state.role:
        return route(state, content)
    following = state.kit_step + 1
    if following < len(kit.steps):
        return Turn((_step(kit, following),), {"kit_step": following})
    say: list[Say] = []
    platform = content.platform(state.platform)
    if platform is not None and state.kit_step < len(kit.steps):
        steps = "\n".join(platform.for_voice(state.voice))
        say.append(Say("utter_platform_steps", {"platform": platform.name, "steps": steps}))
    say.append(Say("utter_offer_handoff"))
    return Turn(tuple(say), {"kit_step": len(kit.steps)})


def choose_situation_again(state: FlowState) -> Turn:
    """ "The kit does not fit": forget the situation and ask it again."""
    if state.role is None:
        return Turn((Say("utter_ask_role"),), {"situation": None, "kit_step": None})
    return Turn((Say("utter_ask_situation"),), {"situation": None, "kit_step": None})


def menu() -> Turn:
    """Back to the start: forget role, situation, platform and kit."""
    cleared = dict.fromkeys(
        ("role", "situation", "platform", "kit_step", "kit_role", "kit_situation")
    )
    return Turn((Say("utter_ask_role"),), cleared)
