"""The domain and the code agree: actions, responses, and the numbers responses name."""

from __future__ import annotations

import re

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


def test_the_emergency_reply_names_112_114_and_3114() -> None:
    responses = load_domain()["responses"]
    assert isinstance(responses, dict)
    text = responses["utter_emergency"][0]["text"]
    for number in ("112", "114", "3114", "17", "15", "119"):
        assert re.search(rf"\b{number}\b", text), number
