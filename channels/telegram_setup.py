"""`make telegram-webhook`: registers the webhook with Telegram, with the secret token.

Reads TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN and PUBLIC_BASE_URL from the environment. There
is deliberately no HTTP route for this: nobody can re-point the bot from outside.
"""

from __future__ import annotations

import asyncio
import sys

from telegram import Bot

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
    async with Bot(token) as bot:
        await bot.set_webhook(
            url=url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
    return url


def main() -> int:
    try:
        url = asyncio.run(register())
    except SettingsError as error:
        sys.stderr.write(f"telegram-webhook: {error}\n")
        return 2
    sys.stdout.write(f"telegram-webhook: registered {url}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
