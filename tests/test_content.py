"""The survival kit content: complete, short, and naming only lines the directory knows."""

from __future__ import annotations

import re

import pytest

from bot.content import ROLES, SITUATIONS, Content, load_content
from bot.directory import Directory

ARTICLE = re.compile(r"\b\d{3}-\d+(?:-\d+)*\b")  # Code pénal article numbers, not lines
NUMBER = re.compile(r"(?<![\d-])\d{2,4}(?![\d-])")


@pytest.fixture
def content() -> Content:
    return Content.from_dir()


def all_texts(content: Content) -> list[str]:
    texts = [step for kit in content.kits.values() for step in kit.steps]
    texts += [step for platform in content.platforms.values() for step in platform.steps]
    return [*texts, content.failsafe]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("situation", SITUATIONS)
def test_every_role_and_situation_has_a_sourced_kit(
    content: Content, role: str, situation: str
) -> None:
    kit = content.kit(role, situation)
    assert kit is not None
    assert kit.source.strip()
    assert len(kit.steps) >= 3


def test_no_entry_is_empty_and_no_line_is_over_300_characters(content: Content) -> None:
    for text in all_texts(content):
        assert text.strip()
        for line in text.splitlines():
            assert len(line) <= 300, line[:60]


def test_every_number_named_in_content_is_a_line_of_the_directory(
    content: Content, directory: Directory
) -> None:
    for text in all_texts(content):
        for number in NUMBER.findall(ARTICLE.sub(" ", text)):
            assert number in directory.lines, (number, text[:60])


def test_the_3020_is_never_offered_in_content(content: Content) -> None:
    assert not any("3020" in text for text in all_texts(content))


def test_every_platform_has_steps_and_a_source(content: Content) -> None:
    expected = {
        "instagram", "snapchat", "tiktok", "whatsapp", "discord", "youtube",
        "x", "twitch", "facebook", "fortnite", "roblox", "minecraft",
    }  # fmt: skip
    assert set(content.platforms) == expected
    for platform in content.platforms.values():
        assert platform.source.strip() and len(platform.steps) >= 3


def test_the_failsafe_names_the_3018_and_the_112(content: Content) -> None:
    assert "3018" in content.failsafe and "112" in content.failsafe


def test_parents_are_addressed_with_vous_and_young_people_with_tu(content: Content) -> None:
    tu = re.compile(r"\b(tu|ton|ta|tes|toi)\b", re.IGNORECASE)
    for (role, situation), kit in content.kits.items():
        joined = " ".join(kit.steps)
        if role == "parent":
            assert not tu.search(joined), (role, situation)
        else:
            assert re.search(r"(?<![-\w])vous\b", joined, re.IGNORECASE) is None, (role, situation)


def test_content_is_loaded_once_per_process() -> None:
    assert load_content() is load_content()


def test_every_platform_has_steps_for_adults_in_vous(content: Content) -> None:
    tu = re.compile(r"\b(tu|ton|ta|tes|toi)\b", re.IGNORECASE)
    for platform in content.platforms.values():
        assert platform.steps_vous, platform.id
        assert not tu.search(" ".join(platform.steps_vous)), platform.id
        assert platform.for_voice("vous") == platform.steps_vous
        assert platform.for_voice("tu") == platform.steps


def test_every_harm_has_a_route_and_guidance_for_every_role(
    content: Content, directory: Directory
) -> None:
    for harm in directory.routing.harms:
        assert harm in SITUATIONS, harm
        for role in ROLES:
            assert content.kit(role, harm) is not None, (role, harm)


def test_the_author_is_never_told_it_is_not_their_fault(content: Content) -> None:
    kit = content.kit("author", None)
    assert kit is not None and len(kit.steps) >= 3
    assert not any("faute" in step for step in kit.steps)
