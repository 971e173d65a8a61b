"""Deterministic signs of the kinds of harm that have lines of their own, and of the author.

The words live in ``data/safety/harms.yml``; the engine and the normalisation are the safety
net's (:mod:`bot.safety`), with the normalisation tables of ``data/safety/lexicon.yml``, so both
read "jme suis fait violer" the same way. Nothing here is logged; a match names a category and a
pattern id, never the text. Building a :class:`HarmNet` compiles the regexes; importing does not.
"""

from __future__ import annotations

import pathlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import yaml

from bot.safety import SafetyMatch, SafetyNet, default_lexicon_path

__all__ = [
    "HARMS",
    "NOT_DANGER_HARMS",
    "STRONG_HARMS",
    "WEAK_HARMS",
    "HarmNet",
    "default_harms_path",
]

# Kinds of harm with lines of their own (data/helplines.yml `routing.harms`), and the author.
STRONG_HARMS: Final[frozenset[str]] = frozenset(
    {
        "author",
        "sexual_abuse",
        "sexual_violence",
        "intimate_images",
        "violence_home",
        "eating",
        "adult_at_school",
        "hacked_account",
        "online_hate",
    }
)
# Replaces only an answer with no role: "je vais mal" in a harassment story stays that story.
WEAK_HARMS: Final[frozenset[str]] = frozenset({"distress"})
HARMS: Final[frozenset[str]] = STRONG_HARMS | WEAK_HARMS
# Every harm replaces an emergency that only the MODEL guessed: the safety net runs after and
# still forces the emergency on danger wording, and the first replies of violence and abuse at
# home also name the 17, the 112 and the 114 ("si tu es en danger maintenant").
NOT_DANGER_HARMS: Final[frozenset[str]] = HARMS


def default_harms_path() -> pathlib.Path:
    return default_lexicon_path().with_name("harms.yml")


def _load(path: pathlib.Path) -> Mapping[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data: Mapping[str, Any] = yaml.safe_load(handle)
    return data


@dataclass(frozen=True)
class HarmNet:
    """The harm lexicon, compiled with the safety net's normalisation tables."""

    net: SafetyNet

    @classmethod
    def from_texts(cls, harms_text: str, lexicon_text: str) -> HarmNet:
        harms = yaml.safe_load(harms_text)
        tables = yaml.safe_load(lexicon_text).get("normalize", {})
        return cls(SafetyNet.from_mapping({**harms, "normalize": tables}, HARMS))

    @classmethod
    def from_files(
        cls, harms: pathlib.Path | None = None, lexicon: pathlib.Path | None = None
    ) -> HarmNet:
        harms_text = (harms or default_harms_path()).read_text(encoding="utf-8")
        lexicon_text = (lexicon or default_lexicon_path()).read_text(encoding="utf-8")
        return cls.from_texts(harms_text, lexicon_text)

    def check(self, text: str) -> SafetyMatch | None:
        """The first harm whose pattern matches, in the file's order, or ``None``."""
        return self.net.check(text)
