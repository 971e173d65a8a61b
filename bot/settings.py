"""Settings, read once from the environment into a frozen object; fail fast with the name."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

__all__ = ["Settings", "SettingsError", "load_settings"]

DEFAULT_TTL_SECONDS = 7 * 24 * 3600


class SettingsError(RuntimeError):
    """A required environment variable is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    mode: str  # "demo" (local, in-memory, throwaway key) or "production"
    redis_url: str | None
    conversation_ttl: int  # seconds
    redis_key_prefix: str  # alphanumeric, or Redis silently ignores it in Rasa

    @property
    def redis_host_port_db(self) -> tuple[str, int, int, str | None]:
        if not self.redis_url:
            raise SettingsError("REDIS_URL is not set")
        url = urlparse(self.redis_url)
        db = int(url.path.lstrip("/") or 0)
        return url.hostname or "localhost", url.port or 6379, db, url.password


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise SettingsError(f"{name} must be a whole number of seconds, got {raw!r}") from error
    if value <= 0:
        raise SettingsError(f"{name} must be positive")
    return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    mode = env.get("RELAIS_MODE", "demo")
    if mode not in ("demo", "production"):
        raise SettingsError(f"RELAIS_MODE must be 'demo' or 'production', got {mode!r}")
    prefix = env.get("REDIS_KEY_PREFIX", "relais")
    if not prefix.isalnum():
        raise SettingsError("REDIS_KEY_PREFIX must be alphanumeric (Rasa ignores it otherwise)")
    redis_url = env.get("REDIS_URL") or None
    if redis_url and urlparse(redis_url).scheme not in ("redis", "rediss"):
        raise SettingsError("REDIS_URL must start with redis:// or rediss://")
    return Settings(
        mode=mode,
        redis_url=redis_url,
        conversation_ttl=_int(env, "CONVERSATION_TTL", DEFAULT_TTL_SECONDS),
        redis_key_prefix=prefix,
    )
