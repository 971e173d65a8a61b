"""The tracker store: in memory by default, Redis with a TTL when `REDIS_URL` is set.

It also carries out erasure: when a turn ran `action_restart` (what the `erase` rule does), the
whole stored conversation is deleted instead of being saved, and so is everything the channels
keep about the person (`bot.channel_state`: rate counters, SMS menu); the channel is told
(`bot.turn_record`), and Redis is asked to rewrite its disk files (`bot.disk_erasure`).

Being the one extension every Rasa server builds at start, it also installs the cached check of
action server responses (`extensions.action_validation`) and the bounded, off-loop parse
(`extensions.bounded_parse`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Restarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channel_state import shared_channel_state
from bot.disk_erasure import DiskErasure
from bot.metrics import serve as serve_metrics
from bot.redis_clients import sync_client
from bot.settings import load_settings
from bot.turn_record import current_turn
from extensions import turn_counts
from extensions.action_validation import install as install_action_validation
from extensions.bounded_parse import install as install_bounded_parse

logger = logging.getLogger(__name__)


def erase_requested(tracker: DialogueStateTracker) -> bool:
    """True when the latest turn restarted the conversation (the erase rule)."""
    for event in reversed(tracker.events):
        if isinstance(event, Restarted):
            return True
        if isinstance(event, UserUttered):
            return False
    return False


class RelaisTrackerStore(TrackerStore):  # type: ignore[misc]
    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        install_action_validation()
        install_bounded_parse()
        settings = load_settings()
        self._inner: TrackerStore
        self._disk: DiskErasure | None = None
        if settings.redis_url:
            self._inner = RedisTrackerStore(
                domain or Domain.empty(),
                record_exp=settings.conversation_ttl,
                key_prefix=settings.redis_key_prefix,
                event_broker=event_broker,
            )
            # Rasa 3.6's RedisTrackerStore.__init__ always builds its own client (no timeouts,
            # no retry) and takes none from its caller; redis-py connects on a first command, so
            # that one never does: it is replaced by the bot's (bot/redis_clients.py).
            self._inner.red = sync_client(settings.redis_url, decode_responses=True)
            self._disk = DiskErasure(settings.redis_url)
        else:
            self._inner = InMemoryTrackerStore(domain or Domain.empty(), event_broker)
        super().__init__(domain, event_broker)
        serve_metrics(settings)  # once per process, when METRICS_PORT is set

    @property
    def domain(self) -> Domain:
        return self._inner.domain

    @domain.setter
    def domain(self, domain: Domain | None) -> None:
        self._inner.domain = domain

    async def save(self, tracker: DialogueStateTracker) -> None:
        turn_counts.record(tracker)  # ops counters, no text (bot/metrics.py)
        if erase_requested(tracker):
            # done whole even if the turn is given up meanwhile: never half an erasure
            await asyncio.shield(self.delete(tracker.sender_id))
            record = current_turn()
            if record is not None:
                record.erased = True
            logger.info("conversation.erased")
            if self._disk is not None:
                self._disk.after_erasure()
            return
        await self._inner.save(tracker)

    async def delete(self, sender_id: str) -> None:
        """Deletes the conversation and every key the channels keep about the person."""
        await shared_channel_state().forget(sender_id)
        inner = self._inner
        if isinstance(inner, RedisTrackerStore):
            inner.red.delete(inner.key_prefix + sender_id)
        elif isinstance(inner, InMemoryTrackerStore):
            inner.store.pop(sender_id, None)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._inner.retrieve(sender_id)

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._inner.retrieve_full_tracker(sender_id)

    async def keys(self) -> Iterable[str]:
        keys: Iterable[str] = await self._inner.keys()
        return keys
