"""Loads a trained Rasa model and parses text with it (used by `python -m bot.triage`)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["NoModelError", "load_latest_parser"]

Parser = Callable[[str], dict[str, Any]]


class NoModelError(RuntimeError):
    """No trained model was found."""


def load_latest_parser(models_dir: Path) -> Parser:
    """Returns a function text -> Rasa parse result, for the newest model in `models_dir`."""
    from rasa.core.agent import Agent
    from rasa.model import get_latest_model

    model_path = get_latest_model(str(models_dir))
    if model_path is None:
        raise NoModelError(f"no trained model in {models_dir}: run `make train` first")
    loop = asyncio.new_event_loop()
    with contextlib.redirect_stdout(sys.stderr):
        agent = Agent.load(model_path)

    def parse(text: str) -> dict[str, Any]:
        result: dict[str, Any] = loop.run_until_complete(agent.parse_message(text))
        return result

    return parse
