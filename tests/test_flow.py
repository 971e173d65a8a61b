"""The flow decisions: ask what is missing, the kit step by step, role changes, menu."""

from __future__ import annotations

import pytest

from bot.content import Content
from bot.flow import FlowState, choose_situation_again, kit_next, menu, route


@pytest.fixture
def content() -> Content:
    return Content.from_dir()


def responses(turn: object) -> list[str]:
    return [say.response for say in turn.say]  # type: ignore[attr-defined]


def test_no_role_asks_the_role(content: Content) -> None:
    assert responses(route(FlowState(), content)) == ["utter_ask_role"]


def test_a_victim_without_situation_gets_the_3018_then_the_situation_question(
    content: Content,
) -> None:
    turn = route(FlowState(role="victim"), content)
    assert responses(turn) == ["utter_victim_first", "utter_ask_situation"]
    assert turn.slots == {"kit_role": "victim", "kit_situation": None, "situation": None}


def test_a_situation_the_model_made_up_is_dropped_and_asked(content: Content) -> None:
    turn = route(FlowState(role="victim", situation="minsulte"), content)
    assert responses(turn) == ["utter_victim_first", "utter_ask_situation"]
    assert turn.slots["situation"] is None


def test_a_parent_with_a_situation_gets_the_first_kit_step(content: Content) -> None:
    turn = route(FlowState(role="parent", situation="insults"), content)
    assert responses(turn) == ["utter_parent_first", "utter_kit_step"]
    step = turn.say[1].variables
    kit = content.kit("parent", "insults")
    assert kit is not None
    assert step == {"step": kit.steps[0], "position": "1", "total": str(len(kit.steps))}
    assert turn.slots == {"kit_role": "parent", "kit_situation": "insults", "kit_step": 0}


def test_the_kit_goes_step_by_step_then_platform_then_hand_off(content: Content) -> None:
    kit = content.kit("victim", "insults")
    assert kit is not None
    state = FlowState(role="victim", situation="insults", platform="instagram", kit_step=0,
                      kit_role="victim")  # fmt: skip
    shown = [kit.steps[0]]
    for _ in range(len(kit.steps) - 1):
        turn = kit_next(state, content)
        assert responses(turn) == ["utter_kit_step"]
        shown.append(turn.say[0].variables["step"])
        state = FlowState(**{**state.__dict__, "kit_step": turn.slots["kit_step"]})
    assert shown == list(kit.steps)
    end = kit_next(state, content)
    assert responses(end) == ["utter_platform_steps", "utter_offer_handoff"]
    assert end.say[0].variables["platform"] == "Instagram"
    again = kit_next(FlowState(**{**state.__dict__, "kit_step": end.slots["kit_step"]}), content)
    assert responses(again) == ["utter_offer_handoff"]


def test_without_a_platform_the_kit_ends_with_the_hand_off_offer(content: Content) -> None:
    kit = content.kit("witness", "threats")
    assert kit is not None
    state = FlowState(role="witness", situation="threats", kit_step=len(kit.steps) - 1,
                      kit_role="witness")  # fmt: skip
    assert responses(kit_next(state, content)) == ["utter_offer_handoff"]


def test_a_witness_who_turns_out_to_be_the_victim_gets_the_victim_kit(content: Content) -> None:
    state = FlowState(role="victim", situation="insults", kit_step=2, kit_role="witness")
    turn = route(state, content)
    assert responses(turn) == ["utter_role_changed", "utter_kit_step"]
    victim_kit = content.kit("victim", "insults")
    assert victim_kit is not None
    assert turn.say[1].variables["step"] == victim_kit.steps[0]
    assert turn.slots == {"kit_role": "victim", "kit_situation": "insults", "kit_step": 0}


def test_next_after_a_role_change_restarts_the_kit_for_the_new_role(content: Content) -> None:
    state = FlowState(role="parent", situation="racket", kit_step=3, kit_role="victim")
    assert responses(kit_next(state, content)) == ["utter_role_changed", "utter_kit_step"]


def test_next_without_a_kit_asks_what_is_missing(content: Content) -> None:
    assert responses(kit_next(FlowState(), content)) == ["utter_ask_role"]


def test_the_kit_does_not_fit_forgets_the_situation() -> None:
    turn = choose_situation_again(FlowState(role="victim", situation="insults", kit_step=1))
    assert responses(turn) == ["utter_ask_situation"]
    assert turn.slots == {"situation": None, "kit_step": None}


def test_menu_forgets_everything() -> None:
    turn = menu()
    assert responses(turn) == ["utter_ask_role"]
    assert set(turn.slots) == {
        "role", "situation", "platform", "kit_step", "kit_role", "kit_situation"
    }  # fmt: skip
    assert set(turn.slots.values()) == {None}


def test_a_harm_without_a_role_gets_its_own_first_reply_without_the_role_question(
    content: Content,
) -> None:
    turn = route(FlowState(situation="sexual_abuse"), content)
    assert responses(turn)[0] == "utter_first_sexual_abuse"
    assert "utter_ask_role" not in responses(turn)
    assert turn.slots["role"] == "victim"
    assert turn.slots["kit_situation"] == "sexual_abuse"


def test_a_harm_told_in_the_middle_of_a_kit_gets_its_own_first_reply(content: Content) -> None:
    state = FlowState(
        role="victim", situation="violence_home", kit_step=2, kit_role="victim",
        kit_situation="insults",
    )  # fmt: skip
    assert responses(route(state, content))[0] == "utter_first_violence_home"


def test_the_author_gets_the_author_reply_and_kit_never_the_victims(content: Content) -> None:
    turn = route(FlowState(role="author", situation="insults"), content)
    assert responses(turn) == ["utter_author_first", "utter_kit_step"]
    kit = content.kit("author", "insults")
    assert kit is not None and kit.situation == "general"
    assert not any("pas ta faute" in step for step in kit.steps)
