"""Structured logs that never hold what someone wrote: events and keys only.

`redact` drops every key that may carry message text, bodies, phone numbers or raw ids, and is
the first processor of every configuration made here.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

__all__ = ["SENSITIVE_KEY_PARTS", "configure_logging", "redact"]

# A key is dropped when its lowercase name contains one of these.
SENSITIVE_KEY_PARTS = (
    "text",
    "body",
    "message",
    "phone",
    "from",
    "sender",
    "tracker",
    "parse_data",
    "entities",
    "slot",
    "events",
)


def redact(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if key == "event":
            continue
        if any(part in key.lower() for part in SENSITIVE_KEY_PARTS):
            del event_dict[key]
    return event_dict


def configure_logging(level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """Logs go to stderr as JSON lines, at `level` or above, redacted."""
    stream = stream or sys.stderr
    logging.basicConfig(level=level, stream=stream, format="%(message)s")
    structlog.configure(
        processors=[
            redact,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )
