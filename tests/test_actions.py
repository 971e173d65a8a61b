"""Actions against a fresh rasa-sdk tracker per test, with a pinned clock (RELAIS_FIXED_NOW)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff
from actions.hours import ActionTellHours
from actions.kit import ActionKitNext, ActionKitWrong
from actions.menu import ActionMenu
from actions.route import ActionRoute

PARIS = ZoneInfo("Europe/Paris")
SLOTS = ("role", "situation", "platform", "kit_step", "kit_role", "kit_situation", "danger")
ALSO_OPEN = ["utter_also_open", "utter_also_open"]  # the 119 and the 3114, day and night


def make_tracker(**slots: Any) -> Tracker:
    values = dict.fromkeys(SLOTS)
    values.update(slots)
    return Tracker(
        sender_id="test",
        slots=values,
        latest_message={"intent": {"name": "victim"}, "entities": [], "text": ""},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run(action: Any, **slots: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, make_tracker(**slots), {})
    return dispatcher.messages, events


def said(messages: list[dict[str, Any]]) -> list[str]:
    return [m["response"] for m in messages]


# 29 March and 25 October 2026 are the DST change days in Paris.
@pytest.mark.parametrize("day", ["2026-03-29", "2026-10-25"])
@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ("08:59", ["utter_handoff", "utter_line_closed_today", *ALSO_OPEN, "utter_urgent_lines"]),
        ("09:00", ["utter_handoff", "utter_line_open"]),
        ("22:59", ["utter_handoff", "utter_line_open"]),
        (
            "23:00",
            ["utter_handoff", "utter_line_closed_tomorrow", *ALSO_OPEN, "utter_urgent_lines"],
        ),
    ],
)
async def test_handoff_says_whether_the_3018_is_open_in_paris_time(
    monkeypatch: pytest.MonkeyPatch, day: str, clock: str, expected: list[str]
) -> None:
    moment = dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=PARIS)
    monkeypatch.setenv("RELAIS_FIXED_NOW", moment.isoformat())
    messages, events = await run(ActionHandoff(), role="victim")
    assert said(messages) == expected
    assert messages[0]["line"] == "3018"
    assert messages[0]["chat"].startswith("https://")
    assert events == []


async def test_when_closed_the_hand_off_says_when_it_opens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAIS_FIXED_NOW", "2026-11-24T23:30:00+01:00")
    messages, _ = await run(ActionTellHours())
    assert said(messages) == ["utter_line_closed_tomorrow", *ALSO_OPEN, "utter_urgent_lines"]
    assert [m["line"] for m in messages[1:3]] == ["119", "3114"]
    assert messages[0]["opens"] == "9h00"
    assert "9h" in messages[0]["hours"] and "23h" in messages[0]["hours"]


async def test_route_starts_the_kit_when_role_and_situation_are_known() -> None:
    messages, events = await run(ActionRoute(), role="witness", situation="violence_filmed")
    assert said(messages) == ["utter_witness_first", "utter_kit_step"]
    assert messages[1]["position"] == "1"
    assert {e["name"]: e["value"] for e in events} == {
        "kit_role": "witness", "kit_situation": "violence_filmed", "kit_step": 0
    }  # fmt: skip


async def test_kit_next_sends_the_second_step() -> None:
    messages, events = await run(
        ActionKitNext(), role="victim", situation="racket", kit_step=0.0, kit_role="victim"
    )
    assert said(messages) == ["utter_kit_step"]
    assert messages[0]["position"] == "2"
    assert events[0]["value"] == 1


async def test_kit_wrong_asks_the_situation_again() -> None:
    messages, events = await run(ActionKitWrong(), role="victim", situation="racket", kit_step=2)
    assert said(messages) == ["utter_ask_situation"]
    assert {e["name"] for e in events} == {"situation", "kit_step"}


async def test_menu_asks_the_role_again() -> None:
    messages, _ = await run(ActionMenu(), role="parent", situation="racket")
    assert said(messages) == ["utter_ask_role"]


@pytest.mark.parametrize(
    ("role", "situation", "response", "line", "reach"),
    [
        ("victim", "distress", "utter_handoff_phone", "3114", {"call": "3114"}),
        ("victim", "sexual_abuse", "utter_handoff", "119", {"call": "119"}),
        ("parent", "hacked_account", "utter_handoff_web", "cybermalveillance", {}),
        ("victim", "eating", "utter_handoff", "fil_sante_jeunes", {}),
        ("author", None, "utter_handoff", "3018", {"call": "3018"}),
    ],
)
async def test_handoff_goes_to_the_line_made_for_what_happened(
    monkeypatch: pytest.MonkeyPatch,
    role: str,
    situation: str | None,
    response: str,
    line: str,
    reach: dict[str, str],
) -> None:
    monkeypatch.setenv("RELAIS_FIXED_NOW", "2026-11-24T17:30:00+01:00")
    messages, _ = await run(ActionHandoff(), role=role, situation=situation)
    assert messages[0]["response"] == response
    assert messages[0]["line"] == line
    for key, value in reach.items():
        assert messages[0][key] == value


async def test_fil_sante_jeunes_is_called_on_its_number_from_the_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RELAIS_FIXED_NOW", "2026-11-24T17:30:00+01:00")
    messages, _ = await run(ActionHandoff(), role="victim", situation="eating")
    assert messages[0]["call"] == "0 800 235 236 (Fil Santé Jeunes)"
    assert messages[0]["chat"] == "https://www.filsantejeunes.com"


async def test_the_first_reply_to_eating_troubles_gives_how_to_reach_fil_sante_jeunes() -> None:
    messages, _ = await run(ActionRoute(), situation="eating")
    assert said(messages)[:2] == ["utter_first_eating", "utter_line_reach"]
    assert messages[1]["name"] == "Fil Santé Jeunes"
    assert "0 800 235 236" in messages[1]["how"] and "filsantejeunes.com" in messages[1]["how"]


async def test_a_harm_with_short_numbers_only_needs_no_extra_line() -> None:
    messages, _ = await run(ActionRoute(), situation="sexual_abuse")
    assert "utter_line_reach" not in said(messages)
