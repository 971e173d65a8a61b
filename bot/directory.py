"""The helpline directory: which line to offer, and whether it is open now (Europe/Paris).

Every fact comes from `data/helplines.yml`; this module only reads and reasons about it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

__all__ = [
    "Contact",
    "Directory",
    "Line",
    "Opening",
    "Routing",
    "default_directory_path",
]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def default_directory_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "helplines.yml"


@dataclass(frozen=True)
class Contact:
    kind: str  # phone | sms | chat | app | web
    value: str | None = None  # digits for phone and sms
    url: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class Opening:
    start: dt.time
    end: dt.time  # excluded; 00:00 means midnight at the end of the day


@dataclass(frozen=True)
class Line:
    id: str
    name: str
    label: str
    summary: str
    always_open: bool
    weekly: Mapping[int, tuple[Opening, ...]]  # weekday (0 = Monday) -> openings
    contacts: tuple[Contact, ...]
    source: str
    verified_on: dt.date
    hours_text: str = ""
    merged_into: str | None = None
    topics: tuple[str, ...] = ()

    @property
    def phone(self) -> str | None:
        """The first phone or SMS number, as replies write it (its label, else its value)."""
        for contact in self.contacts:
            if contact.kind in ("phone", "sms"):
                return contact.label or contact.value
        return None

    def contact(self, kind: str) -> Contact | None:
        """The line's first contact of this kind (phone, sms, chat, app, web), if any."""
        return next((contact for contact in self.contacts if contact.kind == kind), None)


def _parse_time(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours) % 24, int(minutes))


def _parse_weekly(raw: Mapping[str, Sequence[str]]) -> dict[int, tuple[Opening, ...]]:
    weekly: dict[int, tuple[Opening, ...]] = {}
    for day, spans in raw.items():
        if day not in _DAYS:
            raise ValueError(f"unknown weekday {day!r} in helplines hours")
        openings = []
        for span in spans:
            start, end = span.split("-")
            openings.append(Opening(_parse_time(start), _parse_time(end)))
        weekly[_DAYS.index(day)] = tuple(openings)
    return weekly


def _parse_line(line_id: str, raw: Mapping[str, Any]) -> Line:
    hours = raw.get("hours") or {}
    verified = raw["verified_on"]
    if not isinstance(verified, dt.date):
        verified = dt.date.fromisoformat(str(verified))
    return Line(
        id=line_id,
        name=str(raw["name"]),
        label=str(raw.get("label", raw["name"])),
        summary=str(raw.get("summary", "")),
        always_open=bool(hours.get("always", False)),
        weekly=_parse_weekly(hours.get("weekly") or {}),
        contacts=tuple(Contact(**contact) for contact in raw.get("contacts") or ()),
        source=str(raw["source"]),
        verified_on=verified,
        hours_text=str(raw.get("hours_text", "")),
        merged_into=raw.get("merged_into"),
        topics=tuple(str(topic) for topic in raw.get("topics") or ()),
    )


DEFAULT_DANGER = "general"


def _ids(raw: Mapping[str, Sequence[str]] | None) -> dict[str, tuple[str, ...]]:
    return {str(key): tuple(str(i) for i in ids) for key, ids in (raw or {}).items()}


@dataclass(frozen=True)
class Routing:
    """`routing:` of the directory: which lines for a role, a situation, a harm, a danger."""

    roles: Mapping[str, tuple[str, ...]]
    situations: Mapping[str, tuple[str, ...]]
    harms: Mapping[str, tuple[str, ...]]
    danger: Mapping[str, tuple[str, ...]]
    when_closed: Mapping[str, tuple[str, ...]]

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Routing:
        return cls(
            roles=_ids(raw["roles"]),
            situations=_ids(raw.get("situations")),
            harms=_ids(raw.get("harms")),
            danger=_ids(raw["danger"]),
            when_closed=_ids(raw.get("when_closed")),
        )

    def all_ids(self) -> list[str]:
        ids: list[str] = []
        for group in (self.roles, self.situations, self.harms, self.danger, self.when_closed):
            for routed in group.values():
                ids.extend(routed)
        ids.extend(self.when_closed)
        return ids


class Directory:
    """The lines, their hours, and the routing table."""

    def __init__(
        self,
        lines: Mapping[str, Line],
        timezone: str,
        routing: Routing,
    ) -> None:
        self.lines = dict(lines)
        self.tz = ZoneInfo(timezone)
        self.routing = routing
        for line_id in routing.all_ids():
            if line_id not in self.lines:
                raise ValueError(f"routing names unknown line {line_id!r}")
        if DEFAULT_DANGER not in routing.danger:
            raise ValueError(f"routing.danger needs a {DEFAULT_DANGER!r} entry")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Directory:
        lines = {str(k): _parse_line(str(k), v) for k, v in data["lines"].items()}
        return cls(
            lines=lines,
            timezone=str(data.get("timezone", "Europe/Paris")),
            routing=Routing.from_mapping(data["routing"]),
        )

    @classmethod
    def from_file(cls, path: Path | None = None) -> Directory:
        with open(path or default_directory_path(), encoding="utf-8") as handle:
            return cls.from_mapping(yaml.safe_load(handle))

    def get(self, line_id: str) -> Line:
        return self.lines[line_id]

    def first_with_topic(self, topic: str) -> Line | None:
        """The first line of the file (in its order) listed under ``topic``, if any."""
        return next((line for line in self.lines.values() if topic in line.topics), None)

    def lines_for(
        self,
        role: str,
        situation: str | None = None,
        emergency: bool = False,
        danger: str | None = None,
    ) -> list[str]:
        """The line ids to offer, most important first, without repeats.

        A danger gets its own emergency lines; a kind of harm with lines of its own (sexual
        violence, abuse at home, distress...) gets those, whoever writes; otherwise the role's
        lines, then the situation's extra lines.
        """
        if emergency or role == "emergency":
            return list(self.danger_lines(danger))
        if situation is not None and situation in self.routing.harms:
            return list(self.routing.harms[situation])
        ids = list(self.routing.roles.get(role, ()))
        if situation is not None:
            ids.extend(self.routing.situations.get(situation, ()))
        return list(dict.fromkeys(ids))

    def danger_lines(self, danger: str | None = None) -> tuple[str, ...]:
        """The lines of the emergency reply for this danger (any other: the general one)."""
        routed = self.routing.danger.get(danger or DEFAULT_DANGER)
        return routed or self.routing.danger[DEFAULT_DANGER]

    def main_line(self, role: str | None, situation: str | None = None) -> str:
        """The line a hand-off gives first: the first line routed for the role and situation."""
        routed = self.lines_for(role or "victim", situation)
        return routed[0] if routed else self.lines_for("victim")[0]

    def when_closed(self, line_id: str) -> tuple[str, ...]:
        """Lines that answer day and night, offered while `line_id` is closed."""
        return self.routing.when_closed.get(line_id, ())

    def local(self, now: dt.datetime) -> dt.datetime:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return now.astimezone(self.tz)

    def is_open(self, line_id: str, now: dt.datetime) -> bool:
        line = self.lines[line_id]
        if line.merged_into:
            return False
        if line.always_open:
            return True
        local = self.local(now)
        return any(
            _within(opening, local.time()) for opening in line.weekly.get(local.weekday(), ())
        )

    def next_opening(self, line_id: str, now: dt.datetime) -> dt.datetime | None:
        """When a closed line opens next (Paris time), or None if open or never opens."""
        if self.is_open(line_id, now):
            return None
        line = self.lines[line_id]
        local = self.local(now)
        for offset in range(8):
            day = local.date() + dt.timedelta(days=offset)
            for opening in sorted(line.weekly.get(day.weekday(), ()), key=lambda o: o.start):
                start = dt.datetime.combine(day, opening.start, tzinfo=self.tz)
                if start > local:
                    return start
        return None


def _within(opening: Opening, moment: dt.time) -> bool:
    if opening.end == dt.time(0, 0):
        return moment >= opening.start
    return opening.start <= moment < opening.end
