"""The lock store: one conversation's turns run one at a time, across replicas when Redis is set.

In memory unless `REDIS_URL` is set; then Rasa's own Redis lock store on the same Redis, with
the same alphanumeric key prefix as the tracker store.
"""

from __future__ import annotations

from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

from bot.redis_clients import sync_client
from bot.settings import load_settings

REDIS_SOCKET_TIMEOUT_SECONDS = 2.0


class RelaisLockStore(LockStore):  # type: ignore[misc]
    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        settings = load_settings()
        self._inner: LockStore
        if settings.redis_url:
            host, port, db, password = settings.redis_host_port_db
            self._inner = RedisLockStore(
                host=host,
                port=port,
                db=db,
                password=password,
                key_prefix=settings.redis_key_prefix,
                use_ssl=settings.redis_url.startswith("rediss://"),
                socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
            )
            # the same store on a client that survives a Redis restart (bot/redis_clients.py)
            self._inner.red = sync_client(settings.redis_url)
        else:
            self._inner = InMemoryLockStore()
        super().__init__()

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        lock: TicketLock | None = self._inner.get_lock(conversation_id)
        return lock

    def delete_lock(self, conversation_id: str) -> None:
        self._inner.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self._inner.save_lock(lock)
