"""Whole conversations through the trained model and the real action server, text included."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from rasa.core.agent import Agent

from bot.commands import load_commands
from tests.conftest import turn

pytestmark = pytest.mark.model


def buttons(messages: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


async def test_a_victim_goes_through_the_kit_then_the_platform_then_the_hand_off(
    live_agent: Agent,
) -> None:
    sender = uuid.uuid4().hex
    first = await turn(live_agent, "des gens m'insultent tous les jours sur insta", sender)
    assert "3018" in first[0]["text"]
    assert "/kit_next" in buttons(first)
    assert "1/" in texts(first)
    seen = [texts(first)]
    for _ in range(12):
        reply = await turn(live_agent, "/kit_next", sender)
        seen.append(texts(reply))
        if "/ask_human" in buttons(reply) and "/kit_next" not in buttons(reply):
            break
    whole = "\n".join(seen)
    assert "Instagram" in whole  # the platform's steps came after the kit
    handoff = await turn(live_agent, "/ask_human", sender)
    assert "3018" in texts(handoff)


async def test_emergency_mid_kit_comes_first(live_agent: Agent) -> None:
    sender = uuid.uuid4().hex
    await turn(live_agent, "on se moque de moi au college", sender)
    await turn(live_agent, "/kit_next", sender)
    reply = await turn(live_agent, "jpp jvais me foutre en lair", sender)
    assert "112" in reply[0]["text"] and "3114" in reply[0]["text"]
    assert "/affirm" in buttons(reply)  # "Tu es en sécurité, là ?"


async def test_indirect_suicidal_wording_mid_kit_gets_the_3114_first(live_agent: Agent) -> None:
    """A message only the danger model catches (no lexicon pattern matches it, see
    tests/test_danger_model.py) still gets the emergency first, in the middle of a kit, and the
    reply made for suicidal thoughts: the 3114 before the 112, never the police first."""
    sender = uuid.uuid4().hex
    await turn(live_agent, "on se moque de moi au college", sender)
    await turn(live_agent, "/kit_next", sender)
    reply = await turn(
        live_agent,
        "quand ils rentreront du ciné ce sera trop tard, j'ai tout ce qu'il me faut dans mon sac",
        sender,
    )
    first = reply[0]["text"]
    assert "3114" in first and "112" in first and "114" in first
    assert first.index("3114") < first.index("112")
    assert "17" not in first.split("3114")[0]
    assert "/affirm" in buttons(reply)


async def test_a_parent_is_answered_with_vous(live_agent: Agent) -> None:
    sender = uuid.uuid4().hex
    reply = await turn(live_agent, "Bonjour, ma fille reçoit des insultes sur Snapchat", sender)
    assert "vous" in texts(reply).lower()


async def test_oubli_erases_the_stored_conversation(live_agent: Agent) -> None:
    sender = uuid.uuid4().hex
    await turn(live_agent, "on m'insulte sur discord", sender)
    store = live_agent.tracker_store
    assert sender in set(await store.keys())
    reply = await turn(live_agent, load_commands().translate("OUBLI"), sender)
    assert reply and "efface" in texts(reply).lower().replace("é", "e")
    assert sender not in set(await store.keys())


async def test_asking_for_the_3020_gets_the_3018(live_agent: Agent) -> None:
    reply = await turn(live_agent, "c'est quoi le numero du 3020 ?")
    assert "3018" in texts(reply)
