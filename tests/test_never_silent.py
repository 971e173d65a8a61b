"""Never silent: whatever fails, the person gets a reply with the 3018, the 112 and the 3114.

Runs the real trained model in-process, with a real action server process (or none at all).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from channels.turn import run_turn
from deploy.launcher import free_port
from tests.conftest import load_agent, turn
from tests.servers import action_server

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def agent_without_action_server() -> Agent:
    return load_agent(f"http://127.0.0.1:{free_port()}/webhook")  # nothing listens there


@pytest.fixture(scope="module")
def agent_with_failing_actions() -> Iterator[Agent]:
    with action_server("tests.faulty_actions") as url:
        yield load_agent(url)


def joined(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def assert_failsafe(messages: list[dict[str, Any]]) -> None:
    text = joined(messages)
    assert "3018" in text and "112" in text and "3114" in text, text


async def test_a_working_turn_names_the_3018_and_starts_the_kit(live_agent: Agent) -> None:
    messages = await turn(live_agent, "on m'insulte tous les jours sur insta")
    assert "3018" in messages[0]["text"]
    assert any(b["payload"] == "/kit_next" for m in messages for b in m.get("buttons") or [])


async def test_action_server_down_still_answers_with_3018_and_112(
    agent_without_action_server: Agent,
) -> None:
    messages = await turn(agent_without_action_server, "on m'insulte tous les jours sur insta")
    assert_failsafe(messages)


async def test_an_action_that_raises_still_answers_with_3018_and_112(
    agent_with_failing_actions: Agent,
) -> None:
    assert_failsafe(await turn(agent_with_failing_actions, "ma fille est harcelée sur snapchat"))


async def test_danger_needs_no_action_server(agent_without_action_server: Agent) -> None:
    messages = await turn(agent_without_action_server, "jveux plus vivre")
    assert "112" in messages[0]["text"] and "3114" in messages[0]["text"]


async def test_a_model_returning_garbage_still_answers_with_3018_and_112(
    agent_without_action_server: Agent, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def garbage(message: UserMessage, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {"text": message.text, "intent": {"name": "??", "confidence": 7.0}, "entities": 3}

    monkeypatch.setattr(agent_without_action_server.processor, "parse_message", garbage)
    assert_failsafe(await turn(agent_without_action_server, "bonjour"))


async def test_a_turn_that_raises_answers_with_3018_and_112() -> None:
    async def broken(_: UserMessage) -> None:
        raise ConnectionError("tracker store unreachable")

    collector = CollectingOutputChannel()
    messages = await run_turn(broken, UserMessage("salut", collector, "abc"), collector)
    assert_failsafe(messages)
