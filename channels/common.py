"""What every connector shares: refusing a request clearly, and starting without its secrets."""

from __future__ import annotations

import structlog
from sanic import response
from sanic.response import HTTPResponse

from bot.metrics import record_refused
from bot.settings import Settings, SettingsError

__all__ = ["refuse", "require_secrets"]

log = structlog.get_logger(__name__)


def refuse(channel: str, status: int, reason: str) -> HTTPResponse:
    """A short 4xx (or 503) answer, logged as an event without any of the request's content."""
    log.info(f"{channel}.refused", status=status, reason=reason)
    record_refused(channel, status)
    return response.json({"error": reason}, status=status)


def require_secrets(channel: str, settings: Settings, configured: bool, needs: str) -> None:
    """Production stops at start-up without the channel's secrets; the demo runs without it."""
    if configured:
        return
    if settings.mode == "production":
        raise SettingsError(f"the {channel} channel needs {needs}")
    log.info(f"{channel}.disabled", reason=f"{needs} not set")
