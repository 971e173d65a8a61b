"""What happened during the turn being handled, told by the stores to the channel that runs it.

The channel starts a record before running a turn; the tracker store marks it when it erased
the person's data. The record is shared by reference through a context variable, so it is seen
from the task that runs the turn (`asyncio.wait_for` runs it in a task of its own).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["TurnRecord", "current_turn", "recording_turn"]


@dataclass
class TurnRecord:
    erased: bool = False  # the person's conversation and channel keys were deleted


_current: ContextVar[TurnRecord | None] = ContextVar("relais_turn_record", default=None)


def current_turn() -> TurnRecord | None:
    """The record of the turn this code runs in, if a channel started one."""
    return _current.get()


@contextmanager
def recording_turn() -> Iterator[TurnRecord]:
    record = TurnRecord()
    token = _current.set(record)
    try:
        yield record
    finally:
        _current.reset(token)
