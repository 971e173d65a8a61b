from __future__ import annotations

import pytest

from bot.commands import Commands, load_commands


@pytest.mark.parametrize(
    ("text", "expected"),
    [("/oubli", "/erase"), ("OUBLI", "/erase"), ("  Oubli ", "/erase"), ("/start", "/greet")],
)
def test_commands_become_intent_payloads(text: str, expected: str) -> None:
    assert load_commands().translate(text) == expected


@pytest.mark.parametrize("text", ["oublie pas mon anniv", "je veux mourir", "/oublier"])
def test_other_text_is_left_alone(text: str) -> None:
    assert load_commands().translate(text) == text


def test_commands_map_to_intents_the_domain_declares() -> None:
    import yaml

    from tests.conftest import ROOT

    intents = set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])
    table = yaml.safe_load((ROOT / "data" / "commands.yml").read_text(encoding="utf-8"))
    assert set(table["commands"].values()) <= intents
    assert Commands({"X": "erase"}).intent_for("x") == "erase"


@pytest.mark.parametrize("keyword", ["STOP", "stop ", "Yes", "HELP", "ARRET"])
def test_twilio_keywords_are_left_to_twilio(keyword: str) -> None:
    assert load_commands().is_sms_reserved(keyword)


@pytest.mark.parametrize("text", ["stop de m'insulter", "oui", "1"])
def test_ordinary_sms_are_not_keywords(text: str) -> None:
    assert not load_commands().is_sms_reserved(text)
