"""Pseudonymous sender ids: a keyed hash (HMAC-SHA256) of the channel and the raw id.

The raw id (a Telegram chat id, a phone number) never reaches Rasa, Redis or a log line.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["pseudonymise"]


def pseudonymise(key: bytes, channel: str, raw_id: str) -> str:
    """A stable, non-reversible id for this person on this channel (64 hex characters)."""
    if not key:
        raise ValueError("the pseudonymisation key must not be empty")
    message = f"{channel}\0{raw_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
