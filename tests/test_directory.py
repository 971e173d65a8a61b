"""The helpline directory: facts, routing, and opening hours in Europe/Paris (DST included)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.availability import availability
from bot.directory import Directory

PARIS = ZoneInfo("Europe/Paris")


def paris(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS)


def test_every_line_has_a_source_and_a_past_verification_date(directory: Directory) -> None:
    for line in directory.lines.values():
        assert line.source.strip(), line.id
        assert line.verified_on <= dt.date.today(), line.id


def test_the_3020_is_merged_into_the_3018_and_never_open(directory: Directory) -> None:
    assert directory.get("3020").merged_into == "3018"
    assert directory.is_open("3020", paris("2026-11-24T10:00")) is False


@pytest.mark.parametrize("line_id", ["112", "15", "17", "18", "114", "119", "3114"])
def test_emergency_lines_are_always_open(directory: Directory, line_id: str) -> None:
    for moment in ("2026-11-24T03:00", "2026-03-29T02:30", "2026-12-25T23:30"):
        assert directory.is_open(line_id, paris(moment)), (line_id, moment)


# Both DST change days of 2026 in Paris (29 March, 25 October) and an ordinary day.
DAYS = ["2026-03-29", "2026-10-25", "2026-11-24"]


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize(
    ("clock", "expected"),
    [("08:59", False), ("09:00", True), ("22:59", True), ("23:00", False)],
)
def test_3018_opening_hours_in_paris_time(
    directory: Directory, day: str, clock: str, expected: bool
) -> None:
    assert directory.is_open("3018", paris(f"{day}T{clock}")) is expected


@pytest.mark.parametrize("day", DAYS)
def test_paris_hours_hold_when_the_clock_is_given_in_utc(directory: Directory, day: str) -> None:
    moment = paris(f"{day}T09:00").astimezone(dt.timezone.utc)
    assert directory.is_open("3018", moment)
    assert not directory.is_open("3018", moment - dt.timedelta(minutes=1))


def test_next_opening_before_nine_is_the_same_morning(directory: Directory) -> None:
    assert directory.next_opening("3018", paris("2026-10-25T08:59")) == paris("2026-10-25T09:00")


def test_next_opening_at_eleven_pm_is_tomorrow_morning(directory: Directory) -> None:
    assert directory.next_opening("3018", paris("2026-03-28T23:00")) == paris("2026-03-29T09:00")


def test_next_opening_is_none_while_open(directory: Directory) -> None:
    assert directory.next_opening("3018", paris("2026-11-24T12:00")) is None


def test_naive_datetimes_are_refused(directory: Directory) -> None:
    with pytest.raises(ValueError):
        directory.is_open("3018", dt.datetime(2026, 11, 24, 12, 0))


@pytest.mark.parametrize(
    ("moment", "response", "opens"),
    [
        ("2026-11-24T08:59", "utter_line_closed_today", "9h00"),
        ("2026-11-24T09:00", "utter_line_open", None),
        ("2026-11-24T22:59", "utter_line_open", None),
        ("2026-11-24T23:00", "utter_line_closed_tomorrow", "9h00"),
    ],
)
def test_availability_picks_the_response_and_the_opening_time(
    directory: Directory, moment: str, response: str, opens: str | None
) -> None:
    answer = availability(directory, "3018", paris(moment))
    assert answer.response == response
    assert answer.variables.get("opens") == opens
    assert answer.variables["line"] == "3018"


def test_availability_of_a_24_7_line(directory: Directory) -> None:
    assert availability(directory, "3114", paris("2026-11-24T03:00")).response == (
        "utter_line_always_open"
    )


@pytest.mark.parametrize(
    ("role", "situation", "emergency", "expected"),
    [
        ("victim", None, False, ["3018"]),
        ("witness", "insults", False, ["3018"]),
        ("parent", "violence_filmed", False, ["3018", "pharos"]),
        ("other", None, False, []),
        ("emergency", None, True, ["112", "15", "17", "114", "3114", "119"]),
        ("victim", "threats", True, ["112", "15", "17", "114", "3114", "119"]),
        # A kind of harm has lines of its own, whoever writes.
        ("victim", "sexual_violence", False, ["119", "17", "fil_sante_jeunes"]),
        ("parent", "sexual_abuse", False, ["119", "17"]),
        ("witness", "violence_home", False, ["119", "17"]),
        ("victim", "distress", False, ["3114", "fil_sante_jeunes"]),
        ("parent", "eating", False, ["fil_sante_jeunes"]),
        ("victim", "adult_at_school", False, ["3018", "119"]),
        ("victim", "hacked_account", False, ["cybermalveillance", "3018"]),
        ("witness", "intimate_images", False, ["3018", "take_it_down", "pharos"]),
        ("victim", "online_hate", False, ["3018", "pharos"]),
        ("author", None, False, ["3018", "fil_sante_jeunes"]),
    ],
)
def test_lines_for_a_role_and_situation(
    directory: Directory, role: str, situation: str | None, emergency: bool, expected: list[str]
) -> None:
    assert directory.lines_for(role, situation, emergency) == expected


def test_routing_to_an_unknown_line_is_refused() -> None:
    data = {
        "lines": {},
        "routing": {"roles": {"victim": ["9999"]}, "danger": {"general": []}},
    }
    with pytest.raises(ValueError, match="9999"):
        Directory.from_mapping(data)


@pytest.mark.parametrize(
    ("danger", "first"),
    [
        ("suicide", "3114"),
        ("self_harm", "3114"),
        ("overdose", "15"),
        ("threat_now", "17"),
        ("violence_home", "17"),
        ("sexual_assault", "17"),
        ("farewell", "112"),
        ("predator_meeting", "17"),
        (None, "112"),
        ("a danger nobody wrote a reply for", "112"),
    ],
)
def test_each_danger_has_its_lines_first_and_always_the_112_and_the_114(
    directory: Directory, danger: str | None, first: str
) -> None:
    lines = directory.lines_for("emergency", danger=danger)
    assert lines[0] == first
    assert "112" in lines and "114" in lines


def test_every_line_has_a_source_a_date_and_a_way_to_reach_it(directory: Directory) -> None:
    for line in directory.lines.values():
        assert line.source.strip() and line.verified_on.year >= 2026, line.id
        assert line.merged_into or line.contacts, line.id


def test_while_the_3018_is_closed_the_119_and_the_3114_are_offered(directory: Directory) -> None:
    assert directory.when_closed("3018") == ("119", "3114")
    assert all(directory.get(line).always_open for line in directory.when_closed("3018"))


def test_a_hand_off_starts_with_the_line_made_for_what_happened(directory: Directory) -> None:
    assert directory.main_line("victim", "insults") == "3018"
    assert directory.main_line(None, "violence_home") == "119"
    assert directory.main_line("parent", "eating") == "fil_sante_jeunes"
    assert directory.main_line("author") == "3018"
