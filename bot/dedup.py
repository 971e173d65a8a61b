"""Remembers ids already handled (Telegram `update_id`, Twilio `MessageSid`) for a while."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["SeenIds"]


class SeenIds:
    """In-process memory of recent ids, bounded in size and time."""

    def __init__(
        self,
        ttl_seconds: float = 24 * 3600,
        max_size: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_size
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """True the first time `key` is seen within the TTL, False for a replay."""
        now = self._clock()
        while self._seen:
            at = next(iter(self._seen.values()))
            if now - at < self._ttl and len(self._seen) < self._max:
                break
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True
