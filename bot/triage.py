"""`python -m bot.triage`: one message a line on stdin -> one JSON object a line on stdout.

`{"text", "role", "intent", "confidence", "emergency", "lines"}` where `lines` are the helpline
ids the bot would offer for that message alone. Uses the newest model in `models/`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from bot.directory import Directory
from bot.harms import HARMS
from bot.logs import configure_logging
from bot.roles import EMERGENCY
from bot.roles import ROLES as PERSON_ROLES

__all__ = ["ROLES", "main", "role_of", "triage_lines", "triage_record"]

ROLES = (*PERSON_ROLES, EMERGENCY)  # what a first message can say of who writes
ROOT = Path(__file__).resolve().parent.parent


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
    for raw in lines:
        text = raw.rstrip("\r\n")
        if text.strip():
            yield triage_record(text, parse(text), directory)


def main(stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    # Composition root: the only place in bot/ that reaches for the Rasa model loader.
    from extensions.parser import NoModelError, load_latest_parser

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    configure_logging(logging.WARNING)
    models_dir = Path(os.environ.get("RELAIS_MODELS_DIR", ROOT / "models"))
    try:
        parse = load_latest_parser(models_dir)
    except NoModelError as error:
        sys.stderr.write(f"bot.triage: {error}\n")
        return 2
    directory = Directory.from_file()
    for record in triage_lines(stdin, parse, directory):
        stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
