"""Loads a trained Rasa model and parses text with it (for `python -m bot.triage`)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.trained_model import NoModelError, newest_model

__all__ = ["NoModelError", "load_latest_parser"]

Parser = Callable[[str], dict[str, Any]]


def load_latest_parser(models_dir: Path) -> Parser:
    """Returns a function text -> Rasa parse result, for the newest model in `models_dir`
    (a `NoModelError` when there is none)."""
    from rasa.core.agent import Agent

    model_path = newest_model(models_dir)
    loop = asyncio.new_event_loop()
    with contextlib.redirect_stdout(sys.stderr):
        agent = Agent.load(str(model_path))

    def parse(text: str) -> dict[str, Any]:
        result: dict[str, Any] = loop.run_until_complete(agent.parse_message(text))
        return result

    return parse
