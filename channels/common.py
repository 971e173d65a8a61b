"""The helpers of the connectors' base (`channels.connector`): the served process's start,
refusing a request clearly, starting without a channel's secrets, the short error pages and the
channel named in the log lines."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import structlog
from sanic import Blueprint, Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.logs import bind_channel, install_served_logging
from bot.metrics import record_refused
from bot.settings import Settings, SettingsError, load_settings

__all__ = ["channel_logs", "refuse", "require_secrets", "served_settings", "short_error_pages"]

log = structlog.get_logger(__name__)
EXIT_BAD_SETTINGS = 2


def served_settings() -> Settings:
    """The served Rasa process's settings, read when Rasa builds the connectors (`rasa run`
    builds them from credentials.yml before anything else of ours, and only when it serves).

    The process's logging is installed first (`bot.logs`), so that everything after, Rasa's
    own lines included, is redacted JSON. Settings with problems stop the process here with one
    `settings.invalid` line listing them all, and no traceback.
    """
    install_served_logging("rasa")
    try:
        return load_settings()
    except SettingsError as error:
        log.critical("settings.invalid", problems=error.problems, hint="see .env.example")
        raise SystemExit(EXIT_BAD_SETTINGS) from None


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


def channel_logs(blueprint: Blueprint, channel: str) -> None:
    """Every log line written while handling this blueprint's requests names the channel."""

    @blueprint.middleware("request")
    async def bind(_: Request) -> None:
        bind_channel(channel)

    @blueprint.middleware("response")
    async def unbind(_: Request, __: HTTPResponse) -> None:
        bind_channel(None)


def short_error_pages(blueprint: Blueprint) -> None:
    """Sanic's own 4xx answers (unknown path, wrong method) as the same short JSON.

    Sanic 21.12 picks its error page from the request's `Accept` header and answers 500 when
    that header is malformed (`Accept: 0`); this answer does not read it.
    """

    @blueprint.listener("before_server_start")
    async def install(app: Sanic, _: Any) -> None:
        app.error_handler.add(SanicException, _short_error_page)


def _short_error_page(_: Request, error: SanicException) -> HTTPResponse | None:
    status = int(getattr(error, "status_code", 500))
    if status >= 500:
        return None  # Sanic's default handling
    try:
        reason = HTTPStatus(status).phrase.lower()
    except ValueError:
        reason = "bad request"
    headers = getattr(error, "headers", None) or {}  # `Allow` on a 405
    return response.json({"error": reason}, status=status, headers=headers)
