"""What the bot makes of one message alone: its role, intent, emergency and the lines to offer.

Pure functions over a Rasa parse result (a mapping) and the directory: no model, no Rasa import.
The command line that loads the newest model and runs these over stdin is `python -m bot.triage`
(the published evaluation command); its code is in `extensions/triage_cli.py`, which loads Rasa.
Its JSON record is :func:`triage_record`'s
`{"text", "role", "intent", "confidence", "emergency", "situation", "danger", "lines"}`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from bot.directory import Directory
from bot.harms import HARMS
from bot.roles import EMERGENCY
from bot.roles import ROLES as PERSON_ROLES

__all__ = ["ROLES", "role_of", "triage_lines", "triage_record"]

ROLES = (*PERSON_ROLES, EMERGENCY)  # what a first message can say of who writes


def role_of(intent: str | None, speaker: str | None = None) -> str:
    """The role of a message: its role intent; for a kind of harm, who speaks (by default the
    person it happens to); anything else is `other`."""
    if intent in ROLES:
        return intent
    if intent in HARMS:
        return speaker or "victim"
    return "other"


def _entity(parse: Mapping[str, Any], name: str) -> str | None:
    for entity in parse.get("entities") or ():
        if entity.get("entity") == name:
            return str(entity.get("value"))
    return None


def triage_record(text: str, parse: Mapping[str, Any], directory: Directory) -> dict[str, Any]:
    intent = parse.get("intent") or {}
    name = intent.get("name")
    role = role_of(name, _entity(parse, "speaker"))
    emergency = role == "emergency"
    situation = name if name in HARMS else _entity(parse, "situation")
    danger = _entity(parse, "danger") if emergency else None
    return {
        "text": text,
        "role": role,
        "intent": name,
        "confidence": round(float(intent.get("confidence") or 0.0), 4),
        "emergency": emergency,
        "situation": situation,
        "danger": danger,
        "lines": directory.lines_for(role, situation, emergency, danger),
    }


def triage_lines(
    lines: Iterable[str],
    parse: Callable[[str], Mapping[str, Any]],
    directory: Directory,
) -> Iterator[dict[str, Any]]:
    """One record per non-blank line, in order (line endings stripped)."""
    for raw in lines:
        text = raw.rstrip("\r\n")
        if text.strip():
            yield triage_record(text, parse(text), directory)


if __name__ == "__main__":
    # `python -m bot.triage`, the published evaluation command: the model is loaded in
    # extensions/ (the one import of bot/ that crosses a layer, tests/test_layout.py).
    from extensions.triage_cli import main

    raise SystemExit(main())
