"""Settings, read once from the environment into a frozen object; fail fast with the name."""

from __future__ import annotations

import ipaddress
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
    pseudonym_key: bytes  # HMAC key for sender ids
    telegram_bot_token: str | None = None
    telegram_secret_token: str | None = None
    telegram_api_base_url: str | None = None  # tests point PTB at a local fake Bot API
    public_base_url: str | None = None  # the URL the outside world reaches (webhooks)
    twilio_auth_token: str | None = None
    webchat_allowed_origins: tuple[str, ...] = ()
    webchat_rate_limit: int = 20  # messages per client per minute
    metrics_port: int | None = None  # Prometheus metrics of this process; None: no metrics server
    metrics_addr: str = "127.0.0.1"  # the address the metrics server listens on

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


def _port(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError as error:
        raise SettingsError(f"{name} must be a port number, got {raw!r}") from error
    if not 1 <= value <= 65535:
        raise SettingsError(f"{name} must be between 1 and 65535")
    return value


def _address(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name) or default
    try:
        ipaddress.ip_address(raw)
    except ValueError as error:
        raise SettingsError(f"{name} must be an IP address like 127.0.0.1, got {raw!r}") from error
    return raw


DEMO_ORIGINS = ("http://127.0.0.1:5005", "http://localhost:5005")


def _origins(env: Mapping[str, str], mode: str) -> tuple[str, ...]:
    raw = env.get("WEBCHAT_ALLOWED_ORIGINS", "")
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        parsed = urlparse(origin)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.path:
            raise SettingsError(
                f"WEBCHAT_ALLOWED_ORIGINS: {origin!r} is not an origin like https://example.org"
            )
    if not origins and mode == "production":
        raise SettingsError("WEBCHAT_ALLOWED_ORIGINS is required in production")
    return origins or DEMO_ORIGINS


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
    key = env.get("PSEUDONYM_KEY", "")
    if not key:
        if mode == "production":
            raise SettingsError("PSEUDONYM_KEY is required in production (a long random secret)")
        key = "relais-demo-key-not-secret"  # demo only: local, in-memory, throwaway
    if len(key) < 16:
        raise SettingsError("PSEUDONYM_KEY must be at least 16 characters")
    return Settings(
        mode=mode,
        pseudonym_key=key.encode(),
        telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN") or None,
        telegram_secret_token=env.get("TELEGRAM_SECRET_TOKEN") or None,
        telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL") or None,
        public_base_url=(env.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
        twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
        webchat_allowed_origins=_origins(env, mode),
        webchat_rate_limit=_int(env, "WEBCHAT_RATE_LIMIT", 20),
        metrics_port=_port(env, "METRICS_PORT"),
        metrics_addr=_address(env, "METRICS_ADDR", "127.0.0.1"),
        redis_url=redis_url,
        conversation_ttl=_int(env, "CONVERSATION_TTL", DEFAULT_TTL_SECONDS),
        redis_key_prefix=prefix,
    )
