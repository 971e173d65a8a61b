"""Process-wide, lazily built helpers the actions share (no work at import time)."""

from __future__ import annotations

from functools import lru_cache

from rasa_sdk.executor import CollectingDispatcher

from bot import clock
from bot.availability import availability
from bot.directory import Directory

__all__ = ["directory", "utter_availability"]


@lru_cache(maxsize=1)
def directory() -> Directory:
    return Directory.from_file()


def utter_availability(dispatcher: CollectingDispatcher, line_id: str) -> None:
    """Say whether the line is open now; when it is not, give the 24/7 emergency lines."""
    answer = availability(directory(), line_id, clock.now())
    dispatcher.utter_message(response=answer.response, **answer.variables)
    if answer.response not in ("utter_line_open", "utter_line_always_open"):
        dispatcher.utter_message(response="utter_urgent_lines")
