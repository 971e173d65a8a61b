"""Settings, read once from the environment into a frozen object; every problem named at once."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlparse

__all__ = [
    "Settings",
    "SettingsError",
    "demo_origins",
    "load_settings",
    "parse_origins",
    "read_port",
]

DEFAULT_TTL_SECONDS = 7 * 24 * 3600
T = TypeVar("T")


class SettingsError(RuntimeError):
    """Environment variables are missing or malformed: `problems` says each, by name, one per
    line, never with a secret's value."""

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


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


class _Problems:
    """Collects every problem of the environment, so that all are reported at once."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, problem: str) -> None:
        self.found.append(problem)

    def check(self, read: Callable[[], T], default: T) -> T:
        """The value `read` returns, or `default` once its problem is noted."""
        try:
            return read()
        except SettingsError as error:
            self.found.extend(error.problems)
            return default


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from error
    if value <= 0:
        raise SettingsError(f"{name} must be positive")
    return value


def read_port(env: Mapping[str, str], name: str) -> int | None:
    """The port in the variable `name`, None when it is unset or empty."""
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


DEMO_PSEUDONYM_KEY = "relais-demo-key-not-secret"  # demo only: local, in-memory, throwaway
# Secrets are checked for shape, never echoed. A pseudonym key is what `openssl rand -base64 32`
# or `-hex 32` prints: 32 characters or more of base64 or hex, not a repeated placeholder.
PSEUDONYM_KEY_MIN = 32
PSEUDONYM_KEY_MIN_DISTINCT = 8
PSEUDONYM_KEY_PATTERN = re.compile(r"^[A-Za-z0-9+/=_-]+$")
TELEGRAM_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # Telegram's own rule
TELEGRAM_TOKEN_PATTERN = re.compile(r"^[0-9]+:[A-Za-z0-9_-]+$")  # "123456:ABC-..." (@BotFather)


def demo_origins(port: int) -> tuple[str, ...]:
    """The origins of the bot's own demo page on loopback, served on `port`."""
    return (f"http://127.0.0.1:{port}", f"http://localhost:{port}")


DEMO_ORIGINS = demo_origins(5005)  # `make run`'s default port


def parse_origins(raw: str, mode: str = "demo") -> tuple[str, ...]:
    """The origins of a comma-separated `WEBCHAT_ALLOWED_ORIGINS` value, () when it is empty.

    Every process that reads the variable parses it here: the web chat connector (through
    `load_settings`), and the launchers that give the same list to Rasa's `--cors`."""
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    schemes = ("https",) if mode == "production" else ("http", "https")
    for origin in origins:
        parsed = urlparse(origin)
        if parsed.scheme not in schemes or not parsed.netloc or parsed.path:
            example = "https://example.org"
            raise SettingsError(
                f"WEBCHAT_ALLOWED_ORIGINS holds {origin!r}, not an origin like {example}"
                + (" (https in production)" if mode == "production" else "")
            )
    return origins


def _origins(env: Mapping[str, str], mode: str) -> tuple[str, ...]:
    origins = parse_origins(env.get("WEBCHAT_ALLOWED_ORIGINS", ""), mode)
    if not origins and mode == "production":
        raise SettingsError("WEBCHAT_ALLOWED_ORIGINS is required in production")
    return origins or DEMO_ORIGINS


def _pseudonym_key(env: Mapping[str, str], mode: str) -> bytes:
    key = env.get("PSEUDONYM_KEY", "")
    if not key:
        if mode == "production":
            raise SettingsError(
                "PSEUDONYM_KEY is required in production (a long random secret, "
                "e.g. from `openssl rand -base64 32`)"
            )
        return DEMO_PSEUDONYM_KEY.encode()
    if mode != "production":
        if len(key) < 16:
            raise SettingsError("PSEUDONYM_KEY must be at least 16 characters")
        return key.encode()
    if len(key) < PSEUDONYM_KEY_MIN:
        raise SettingsError(
            f"PSEUDONYM_KEY must be at least {PSEUDONYM_KEY_MIN} characters in production "
            f"(it has {len(key)})"
        )
    if not PSEUDONYM_KEY_PATTERN.match(key):
        raise SettingsError(
            "PSEUDONYM_KEY must be base64 or hex characters only (A-Z a-z 0-9 + / = _ -)"
        )
    if len(set(key)) < PSEUDONYM_KEY_MIN_DISTINCT:
        raise SettingsError(
            "PSEUDONYM_KEY looks like a placeholder (too few different characters): "
            "use a random secret"
        )
    return key.encode()


def _redis_url(env: Mapping[str, str], mode: str) -> str | None:
    url = env.get("REDIS_URL") or None
    if url is None:
        if mode == "production":
            raise SettingsError(
                "REDIS_URL is required in production (replicas share conversations, locks "
                "and answered ids through it)"
            )
        return None
    if urlparse(url).scheme not in ("redis", "rediss"):
        raise SettingsError("REDIS_URL must start with redis:// or rediss://")
    return url


def _public_base_url(env: Mapping[str, str], mode: str) -> str | None:
    raw = (env.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
    if not raw:
        if mode == "production":
            raise SettingsError("PUBLIC_BASE_URL is required in production (https://your.host)")
        return None
    parsed = urlparse(raw)
    schemes = ("https",) if mode == "production" else ("http", "https")
    if (
        parsed.scheme not in schemes
        or not parsed.hostname
        or parsed.query
        or parsed.fragment
        or " " in raw
    ):
        raise SettingsError(
            "PUBLIC_BASE_URL must be an https URL like https://relais.example.org "
            "(no query, no fragment)"
        )
    return raw


def _telegram(env: Mapping[str, str], mode: str) -> tuple[str | None, str | None]:
    token = env.get("TELEGRAM_BOT_TOKEN") or None
    secret = env.get("TELEGRAM_SECRET_TOKEN") or None
    problems = []
    if token is None:
        if mode == "production":
            problems.append("TELEGRAM_BOT_TOKEN is required in production (from @BotFather)")
    elif not TELEGRAM_TOKEN_PATTERN.match(token):
        problems.append("TELEGRAM_BOT_TOKEN is not a bot token like 123456:ABC-... (@BotFather)")
    if secret is None:
        if mode == "production":
            problems.append("TELEGRAM_SECRET_TOKEN is required in production")
    elif not TELEGRAM_SECRET_PATTERN.match(secret):
        problems.append(
            "TELEGRAM_SECRET_TOKEN must be 1 to 256 of A-Z a-z 0-9 _ - (Telegram's rule)"
        )
    if problems:
        raise SettingsError(problems)
    return token, secret


def _twilio_token(env: Mapping[str, str], mode: str) -> str | None:
    token = env.get("TWILIO_AUTH_TOKEN") or None
    if token is None and mode == "production":
        raise SettingsError("TWILIO_AUTH_TOKEN is required in production (Twilio console)")
    if token is not None and (token != token.strip() or " " in token):
        raise SettingsError("TWILIO_AUTH_TOKEN must not contain spaces")
    return token


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings, or a `SettingsError` listing every problem of the environment at once."""
    env = os.environ if env is None else env
    problems = _Problems()
    mode = env.get("RELAIS_MODE", "demo")
    if mode not in ("demo", "production"):
        problems.add(f"RELAIS_MODE must be 'demo' or 'production', got {mode!r}")
        mode = "production"  # check the rest as strictly as possible
    prefix = env.get("REDIS_KEY_PREFIX", "relais")
    if not prefix.isalnum():
        problems.add("REDIS_KEY_PREFIX must be alphanumeric (Rasa ignores it otherwise)")
    redis_url = problems.check(lambda: _redis_url(env, mode), None)
    key = problems.check(lambda: _pseudonym_key(env, mode), b"")
    base_url = problems.check(lambda: _public_base_url(env, mode), None)
    no_telegram: tuple[str | None, str | None] = (None, None)
    token, secret = problems.check(lambda: _telegram(env, mode), no_telegram)
    settings = Settings(
        mode=mode,
        pseudonym_key=key,
        telegram_bot_token=token,
        telegram_secret_token=secret,
        telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL") or None,
        public_base_url=base_url,
        twilio_auth_token=problems.check(lambda: _twilio_token(env, mode), None),
        webchat_allowed_origins=problems.check(lambda: _origins(env, mode), ()),
        webchat_rate_limit=problems.check(lambda: _int(env, "WEBCHAT_RATE_LIMIT", 20), 20),
        metrics_port=problems.check(lambda: read_port(env, "METRICS_PORT"), None),
        metrics_addr=problems.check(lambda: _address(env, "METRICS_ADDR", "127.0.0.1"), ""),
        redis_url=redis_url,
        conversation_ttl=problems.check(
            lambda: _int(env, "CONVERSATION_TTL", DEFAULT_TTL_SECONDS), DEFAULT_TTL_SECONDS
        ),
        redis_key_prefix=prefix,
    )
    if problems.found:
        raise SettingsError(problems.found)
    return settings
