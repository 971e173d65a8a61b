"""`python -m bot.triage` (the published command; this module's own name works too): one message
a line on stdin -> one JSON object a line out.

`{"text", "role", "intent", "confidence", "emergency", "situation", "danger", "lines"}` where
`lines` are the helpline ids the bot would offer for that message alone (`bot.triage`). Uses the
newest model in `RELAIS_MODELS_DIR` (default `models/`); exits 2 when there is none. It is how
anyone (CI, a reviewer, an ops person) evaluates a model on a file of messages.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import TextIO

from bot.directory import Directory
from bot.logs import configure_logging
from bot.trained_model import MODELS_DIR
from bot.triage import triage_lines
from extensions.parser import NoModelError, load_latest_parser

__all__ = ["main"]


def main(stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    configure_logging(logging.WARNING)
    models_dir = Path(os.environ.get("RELAIS_MODELS_DIR", MODELS_DIR))
    try:
        parse = load_latest_parser(models_dir)
    except NoModelError as error:
        sys.stderr.write(f"extensions.triage_cli: {error}\n")
        return 2
    directory = Directory.from_file()
    for record in triage_lines(stdin, parse, directory):
        stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
