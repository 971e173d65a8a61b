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
        for contact in self.contacts:
            if contact.kind in ("phone", "sms"):
                return contact.value
        return None

    @property
    def chat_url(self) -> str | None:
        for contact in self.contacts:
            if contact.kind == "chat":
                return contact.url
        return None


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


class Directory:
    """The lines, their hours, and the routing table."""

    def __init__(
        self,
        lines: Mapping[str, Line],
        timezone: str,
        role_lines: Mapping[str, Sequence[str]],
        situation_lines: Mapping[str, Sequence[str]],
        danger_lines: Sequence[str],
    ) -> None:
        self.lines = dict(lines)
        self.tz = ZoneInfo(timezone)
        self._role_lines = {role: tuple(ids) for role, ids in role_lines.items()}
        self._situation_lines = {s: tuple(ids) for s, ids in situation_lines.items()}
        self._danger_lines = tuple(danger_lines)
        for line_id in self._all_routed_ids():
            if line_id not in self.lines:
                raise ValueError(f"routing names unknown line {line_id!r}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Directory:
        lines = {str(k): _parse_line(str(k), v) for k, v in data["lines"].items()}
        routing = data["routing"]
        return cls(
            lines=lines,
            timezone=str(data.get("timezone", "Europe/Paris")),
            role_lines=routing["roles"],
            situation_lines=routing.get("situations") or {},
            danger_lines=routing["danger"],
        )

    @classmethod
    def from_file(cls, path: Path | None = None) -> Directory:
        with open(path or default_directory_path(), encoding="utf-8") as handle:
            return cls.from_mapping(yaml.safe_load(handle))

    def _all_routed_ids(self) -> list[str]:
        ids = list(self._danger_lines)
        for group in (self._role_lines, self._situation_lines):
            for routed in group.values():
                ids.extend(routed)
        return ids

    def get(self, line_id: str) -> Line:
        return self.lines[line_id]

    def first_with_topic(self, topic: str) -> Line | None:
        """The first line of the file (in its order) listed under ``topic``, if any."""
        return next((line for line in self.lines.values() if topic in line.topics), None)

    def lines_for(
        self, role: str, situation: str | None = None, emergency: bool = False
    ) -> list[str]:
        """The line ids to offer, most important first, without repeats."""
        if emergency or role == "emergency":
            return list(self._danger_lines)
        ids = list(self._role_lines.get(role, ()))
        if situation:
            ids.extend(self._situation_lines.get(situation, ()))
        return list(dict.fromkeys(ids))

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
