"""The domain and the code agree: actions, responses, and the numbers responses name."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.directory import Directory
from tests.conftest import ROOT


def load_domain() -> dict[str, object]:
    with open(ROOT / "domain.yml", encoding="utf-8") as handle:
        data: dict[str, object] = yaml.safe_load(handle)
    return data


def registered_actions() -> set[str]:
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    return set(executor.actions)


def test_domain_actions_and_registered_actions_are_the_same_set() -> None:
    assert set(load_domain()["actions"]) == registered_actions()  # type: ignore[arg-type]


def test_action_class_names_are_the_camel_case_of_the_action_name() -> None:
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    for name, run in executor.actions.items():
        expected = "".join(part.capitalize() for part in name.split("_"))
        assert type(run.__self__).__name__ == expected


PHONE_LIKE = re.compile(r"(?<![\d/-])\d{2,4}(?![\d/-])")


def response_texts() -> list[str]:
    responses = load_domain()["responses"]
    assert isinstance(responses, dict)
    return [variant["text"] for variants in responses.values() for variant in variants]


def test_every_number_named_in_a_response_is_in_the_directory(directory: Directory) -> None:
    known = set(directory.lines)
    for text in response_texts():
        for number in PHONE_LIKE.findall(text):
            if number in {"2023"}:  # a year, not a line
                continue
            assert number in known, (number, text[:40])


def _variations(name: str) -> list[tuple[str | None, str | None, str]]:
    """(danger, voice, text) of every variation of a response."""
    responses = load_domain()["responses"]
    assert isinstance(responses, dict)
    found = []
    for variation in responses[name]:
        conditions = {c["name"]: c["value"] for c in variation.get("condition") or []}
        found.append((conditions.get("danger"), conditions.get("voice"), variation["text"]))
    return found


def test_the_general_emergency_reply_names_every_danger_line() -> None:
    [(_, _, text)] = [v for v in _variations("utter_emergency") if v[0] is None]
    for number in ("112", "114", "3114", "17", "15", "119"):
        assert re.search(rf"\b{number}\b", text), number


def test_every_danger_has_its_reply_in_tu_and_vous_with_the_112_and_the_114(
    directory: Directory,
) -> None:
    variations = _variations("utter_emergency")
    for danger, lines in directory.routing.danger.items():
        if danger == "general":
            continue
        for voice in ("tu", "vous"):
            [text] = [t for d, v, t in variations if d == danger and v == voice]
            named = PHONE_LIKE.findall(text)
            assert "112" in named and "114" in named, (danger, voice)
            assert named[0] == lines[0] or lines[0] in named[:2], (danger, voice, named)
            assert set(named) <= set(lines), (danger, voice, set(named) - set(lines))


@pytest.mark.parametrize("danger", ["suicide", "self_harm"])
def test_no_police_first_for_suicidal_thoughts_or_self_harm(danger: str) -> None:
    for d, voice, text in _variations("utter_emergency"):
        if d == danger:
            named = PHONE_LIKE.findall(text)
            assert "17" not in named, (danger, voice)
            assert named[0] in ("3114", "112"), (danger, voice, named)


def test_the_follow_ups_exist_for_every_danger_and_voice(directory: Directory) -> None:
    for response in ("utter_ask_safe", "utter_safe_yes", "utter_safe_no"):
        variations = {(d, v) for d, v, _ in _variations(response)}
        for danger in directory.routing.danger:
            if danger != "general":
                assert {(danger, "tu"), (danger, "vous")} <= variations, (response, danger)


def test_a_safe_yes_never_says_if_it_happens_again_nor_asks_to_tell_the_bot() -> None:
    for danger, voice, text in _variations("utter_safe_yes"):
        assert "recommence" not in text, (danger, voice)
        assert "me dire ce qui" not in text, (danger, voice)


TU = re.compile(r"\b(tu|te|ton|ta|tes|toi|t'\w+)\b", re.IGNORECASE)
VOUS = re.compile(r"(?<![-\w])(vous|votre|vos)\b", re.IGNORECASE)


def test_adults_get_vous_and_young_people_tu_in_every_reply_that_has_both() -> None:
    responses = load_domain()["responses"]
    assert isinstance(responses, dict)
    for name, variations in responses.items():
        voices = {
            c["value"] for v in variations for c in v.get("condition") or [] if c["name"] == "voice"
        }
        if "vous" not in voices:
            continue
        for variation in variations:
            conditions = {c["name"]: c["value"] for c in variation.get("condition") or []}
            text = variation["text"]
            if conditions.get("voice") == "vous":
                assert not TU.search(text), (name, text[:60])
            else:
                assert not VOUS.search(text), (name, text[:60])


# Sent only to young people: the first contact, and the welcome of a young person's role.
YOUNG_ONLY = {"utter_greet", "utter_victim_first", "utter_witness_first"}


def test_every_reply_that_addresses_the_person_has_a_vous_variation() -> None:
    responses = load_domain()["responses"]
    assert isinstance(responses, dict)
    for name, variations in responses.items():
        if any(TU.search(v["text"]) for v in variations) and name not in YOUNG_ONLY:
            voices = {c["value"] for v in variations for c in v.get("condition") or []}
            assert "vous" in voices, name


def test_when_the_bot_does_not_understand_it_names_the_failsafes_three_lines() -> None:
    """The reply to a message the bot could not read is what the person gets when the action
    server is down and the model was unsure: the same three lines as the fail-safe."""
    failsafe = yaml.safe_load((ROOT / "data" / "content" / "failsafe.yml").read_text("utf-8"))
    lines = set(re.findall(r"\b(?:3018|112|3114)\b", str(failsafe)))
    assert lines == {"3018", "112", "3114"}
    responses = load_domain()["responses"]
    for variant in responses["utter_default"]:  # type: ignore[index]
        assert set(re.findall(r"\b(?:3018|112|3114)\b", variant["text"])) == lines, variant
