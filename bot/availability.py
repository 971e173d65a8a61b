"""Channel-neutral answer to "is this line open now, and if not, when?"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.directory import Directory

__all__ = ["Availability", "availability"]


@dataclass(frozen=True)
class Availability:
    """Which response to send about a line, and its template variables."""

    response: str
    variables: dict[str, str]


def availability(directory: Directory, line_id: str, now: dt.datetime) -> Availability:
    line = directory.get(line_id)
    variables = {"line": line.name, "hours": line.hours_text}
    if line.always_open:
        return Availability("utter_line_always_open", variables)
    if directory.is_open(line_id, now):
        return Availability("utter_line_open", variables)
    opens = directory.next_opening(line_id, now)
    if opens is None:
        return Availability("utter_urgent_lines", variables)
    today = directory.local(now).date()
    variables["opens"] = f"{opens.hour}h{opens.minute:02d}"
    if opens.date() == today:
        return Availability("utter_line_closed_today", variables)
    return Availability("utter_line_closed_tomorrow", variables)
