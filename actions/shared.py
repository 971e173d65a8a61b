"""Process-wide, lazily built helpers the actions share (no work at import time)."""

from __future__ import annotations

from functools import lru_cache

from rasa_sdk.executor import CollectingDispatcher

from bot import clock
from bot.availability import availability
from bot.directory import Directory

__all__ = ["directory", "utter_availability", "utter_handoff"]


@lru_cache(maxsize=1)
def directory() -> Directory:
    return Directory.from_file()


def utter_handoff(dispatcher: CollectingDispatcher, line_id: str) -> None:
    """How to reach the line: by phone and chat, by phone, or on its website.

    `line` is the line's id (the hand-off counter reads it), `call` what to dial.
    """
    line = directory().get(line_id)
    phone = line.contact("phone")
    chat = line.contact("chat")
    if phone is None:
        web = line.contact("web") or chat
        url = web.url if web is not None and web.url else line.name
        dispatcher.utter_message(response="utter_handoff_web", line=line.id, url=url)
        return
    call = phone.label or phone.value or line.name
    if call != line.name:
        call = f"{call} ({line.name})"
    if chat is not None and chat.url:
        dispatcher.utter_message(response="utter_handoff", line=line.id, call=call, chat=chat.url)
    else:
        dispatcher.utter_message(response="utter_handoff_phone", line=line.id, call=call)


def utter_availability(dispatcher: CollectingDispatcher, line_id: str) -> None:
    """Say whether the line is open now; when it is not, the 24/7 lines that fit, then the
    emergency ones."""
    answer = availability(directory(), line_id, clock.now())
    dispatcher.utter_message(response=answer.response, **answer.variables)
    if answer.response in ("utter_line_open", "utter_line_always_open"):
        return
    for other_id in directory().when_closed(line_id):
        other = directory().get(other_id)
        dispatcher.utter_message(response="utter_also_open", line=other.name, summary=other.summary)
    dispatcher.utter_message(response="utter_urgent_lines")
