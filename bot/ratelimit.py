"""Per-client rate limit: a fixed window counter in process (`bot.channel_state` has Redis's)."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["FixedWindow"]


class FixedWindow:
    """At most `limit` hits per `window_seconds` for each key."""

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("limit and window must be positive")
        self._limit = limit
        self._window = window_seconds
        self._clock = clock
        self._max_keys = max_keys
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window number, hits)

    def allow(self, key: str) -> bool:
        window = int(self._clock() // self._window)
        if len(self._counts) >= self._max_keys:
            self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
        start, hits = self._counts.get(key, (window, 0))
        if start != window:
            hits = 0
        if hits >= self._limit:
            return False
        self._counts[key] = (window, hits + 1)
        return True

    def forget(self, key: str) -> None:
        self._counts.pop(key, None)
