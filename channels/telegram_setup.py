"""`make telegram-webhook`: registers the webhook with Telegram, with the secret token, and the
command menu (`setMyCommands`: `telegram_menu` in `data/commands.yml`).

Reads TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN and PUBLIC_BASE_URL from the environment. There
is deliberately no HTTP route for this: nobody can re-point the bot from outside.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from telegram import Bot, BotCommand

from bot.commands import load_commands
from bot.settings import SettingsError, load_settings

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


async def register() -> str:
    settings = load_settings()
    token, secret = settings.telegram_bot_token, settings.telegram_secret_token
    if not token or not secret or not settings.public_base_url:
        raise SettingsError(
            "set TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN and PUBLIC_BASE_URL (https://...)"
        )
    url = settings.public_base_url + "/webhooks/telegram/webhook"
    kwargs: dict[str, Any] = {}
    if settings.telegram_api_base_url:  # tests: a local fake Bot API
        kwargs = {"base_url": settings.telegram_api_base_url.rstrip("/") + "/bot"}
    menu = [BotCommand(name, description) for name, description in load_commands().telegram_menu]
    async with Bot(token, **kwargs) as bot:
        await bot.set_webhook(
            url=url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
        await bot.set_my_commands(menu)
    return url


def main() -> int:
    try:
        url = asyncio.run(register())
    except SettingsError as error:
        sys.stderr.write(f"telegram-webhook: {error}\n")
        return 2
    sys.stdout.write(f"telegram-webhook: registered {url} and the command menu\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
