"""The one clock the bot reads, so tests and demos can pin it (`RELAIS_FIXED_NOW`)."""

from __future__ import annotations

import datetime as dt
import os

__all__ = ["now"]


def now() -> dt.datetime:
    """Aware current time; `RELAIS_FIXED_NOW` (ISO 8601 with offset) pins it for tests."""
    fixed = os.environ.get("RELAIS_FIXED_NOW")
    if fixed:
        moment = dt.datetime.fromisoformat(fixed)
        if moment.tzinfo is None:
            raise ValueError("RELAIS_FIXED_NOW needs a UTC offset, e.g. 2026-11-24T10:00:00+01:00")
        return moment
    return dt.datetime.now(dt.timezone.utc)
