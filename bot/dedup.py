"""Message ids already answered (Telegram `update_id`, Twilio `MessageSid`, web chat `id`).

At least once, and at most once when all goes well: a delivery first *claims* its id for a short
lease while its turn runs, then *settles* it: answered (kept for the TTL, so a retry is not
answered again) or not (released, so the retry of a turn that failed or timed out is processed).
A delivery of an id that is claimed but not settled yet is "in flight".

Ids are kept under a hash of the person and the id (`answered_key`), which names neither: an
erasure leaves them, so a retried delivery of an erased conversation's message is not answered
again (the conversation would be rebuilt from it).
"""

from __future__ import annotations

import enum
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["Claim", "MessageIds", "answered_key"]

ANSWERED = "done"


class Claim(enum.Enum):
    NEW = "new"  # this delivery runs the turn
    ANSWERED = "answered"  # a retry of an answered message: not answered again
    IN_FLIGHT = "in_flight"  # another delivery of it is running its turn now


def answered_key(person: str, message_id: str) -> str:
    """A name for this message of this person that names neither (32 hex characters)."""
    return hashlib.sha256(f"{person}\0{message_id}".encode()).hexdigest()[:32]


class MessageIds:
    """One process's memory of claimed and answered ids, bounded in size and time."""

    def __init__(
        self,
        ttl_seconds: float = 24 * 3600,
        max_size: int = 200_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_size
        self._clock = clock
        self._ids: OrderedDict[str, tuple[str, float]] = OrderedDict()  # key -> (state, until)

    def claim(self, key: str, lease_seconds: float) -> Claim:
        now = self._clock()
        found = self._ids.get(key)
        if found is not None and found[1] > now:
            return Claim.ANSWERED if found[0] == ANSWERED else Claim.IN_FLIGHT
        self._put(key, "lease", now + lease_seconds)
        return Claim.NEW

    def settle(self, key: str, answered: bool) -> None:
        if answered:
            self._put(key, ANSWERED, self._clock() + self._ttl)
        else:
            self._ids.pop(key, None)

    def _put(self, key: str, state: str, until: float) -> None:
        self._ids.pop(key, None)
        self._ids[key] = (state, until)
        now = self._clock()
        while self._ids:  # oldest first: drop what expired, and beyond the size bound
            oldest_key, (_, oldest_until) = next(iter(self._ids.items()))
            if oldest_until > now and len(self._ids) <= self._max:
                break
            del self._ids[oldest_key]
