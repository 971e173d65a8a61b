"""The survival kit and platform steps, read from `data/content/` (text lives there, not here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.roles import KIT_ROLES

__all__ = [
    "ROLES",
    "SITUATIONS",
    "Content",
    "Kit",
    "PlatformSteps",
    "default_content_dir",
    "load_content",
]

ROLES = KIT_ROLES  # the roles with a kit
AUTHOR = "author"
AUTHOR_KIT = "general"
SITUATIONS = (
    "insults",
    "threats",
    "sexual_images",
    "fake_account",
    "doxxing",
    "exclusion",
    "violence_filmed",
    "grooming",
    "school_bullying",
    "racket",
    # Kinds of harm with lines of their own (data/helplines.yml `routing.harms`).
    "sexual_violence",
    "sexual_abuse",
    "violence_home",
    "distress",
    "eating",
    "adult_at_school",
    "hacked_account",
    "intimate_images",
    "online_hate",
)


def default_content_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "content"


@dataclass(frozen=True)
class Kit:
    role: str
    situation: str
    steps: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class PlatformSteps:
    id: str
    name: str
    steps: tuple[str, ...]  # "tu", for young people
    source: str
    steps_vous: tuple[str, ...] = ()  # "vous", for an adult helping a child

    def for_voice(self, voice: str | None) -> tuple[str, ...]:
        return self.steps_vous if voice == "vous" and self.steps_vous else self.steps


def _load(path: Path) -> Mapping[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data: Mapping[str, Any] = yaml.safe_load(handle)
    return data


@dataclass(frozen=True)
class Content:
    kits: Mapping[tuple[str, str], Kit]
    platforms: Mapping[str, PlatformSteps]
    failsafe: str

    @classmethod
    def from_dir(cls, directory: Path | None = None) -> Content:
        directory = directory or default_content_dir()
        kits_raw = _load(directory / "kits.yml")["kits"]
        kits = {
            (role, situation): Kit(role, situation, tuple(entry["steps"]), str(entry["source"]))
            for role, by_situation in kits_raw.items()
            for situation, entry in by_situation.items()
        }
        platforms = {
            pid: PlatformSteps(
                pid,
                str(entry["name"]),
                tuple(entry["steps"]),
                str(entry["source"]),
                tuple(entry.get("steps_vous") or ()),
            )
            for pid, entry in _load(directory / "platforms.yml")["platforms"].items()
        }
        failsafe = str(_load(directory / "failsafe.yml")["failsafe"])
        return cls(kits=kits, platforms=platforms, failsafe=failsafe)

    def kit(self, role: str | None, situation: str | None) -> Kit | None:
        """The kit for the role and situation; the author has one kit, whatever happened."""
        if role == AUTHOR:
            return self.kits.get((AUTHOR, AUTHOR_KIT))
        if role is None or situation is None:
            return None
        return self.kits.get((role, situation))

    def platform(self, platform_id: str | None) -> PlatformSteps | None:
        return self.platforms.get(platform_id) if platform_id else None


@lru_cache(maxsize=1)
def load_content() -> Content:
    """The process-wide content, loaded on first use (never at import)."""
    return Content.from_dir()
