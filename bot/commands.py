"""Channel commands (`/oubli`, `OUBLI`, `/start`...) mapped to intent payloads, from data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import yaml

__all__ = ["Commands", "default_commands_path", "load_commands"]


def default_commands_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "commands.yml"


class Commands:
    def __init__(
        self,
        table: Mapping[str, str],
        sms_reserved: Iterable[str] = (),
        telegram_menu: Iterable[tuple[str, str]] = (),
    ) -> None:
        self._table = {key.strip().casefold(): intent for key, intent in table.items()}
        self._sms_reserved = frozenset(str(word).strip().casefold() for word in sms_reserved)
        # (command without its slash, description): the menu Telegram shows (setMyCommands)
        self.telegram_menu = tuple(telegram_menu)

    @classmethod
    def from_file(cls, path: Path | None = None) -> Commands:
        with open(path or default_commands_path(), encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        menu = [(str(e["command"]), str(e["description"])) for e in data.get("telegram_menu") or ()]
        return cls(data["commands"], data.get("sms_reserved") or (), menu)

    def is_sms_reserved(self, text: str) -> bool:
        """A keyword Twilio handles itself (STOP, HELP...): the bot must not answer it."""
        return text.strip().casefold() in self._sms_reserved

    def intent_for(self, text: str) -> str | None:
        return self._table.get(text.strip().casefold())

    def commands_for(self, intent: str) -> list[str]:
        """Every command (as the table spells it, case-folded) that sends ``intent``."""
        return [command for command, mapped in self._table.items() if mapped == intent]

    def translate(self, text: str) -> str:
        """The text Rasa should get: `/<intent>` for a command, the text itself otherwise."""
        intent = self.intent_for(text)
        return f"/{intent}" if intent else text


@lru_cache(maxsize=1)
def load_commands() -> Commands:
    return Commands.from_file()
