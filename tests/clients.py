"""Clients for the served bot's webhooks, as Telegram and Twilio call them (shared by tests)."""

from __future__ import annotations

import itertools
import random
import re
import uuid
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

from tests.conftest import PUBLIC_BASE_URL, TELEGRAM_SECRET, TWILIO_TOKEN, Stack

PUBLIC_URL = PUBLIC_BASE_URL + "/webhooks/sms/webhook"

# ---- Web chat


def post_web(
    stack: Stack,
    client: str,
    text: str,
    message_id: str | None = None,
    origin: str | None = None,
) -> httpx.Response:
    """As the widget posts: the client's id, the text, an optional message id, its Origin."""
    body = {"sender": client, "message": text}
    if message_id is not None:
        body["id"] = message_id
    return httpx.post(
        f"{stack.url}/webhooks/webchat/webhook",
        json=body,
        headers={"Origin": origin or stack.url},
        timeout=60,
    )


# ---- Telegram

# Ids from the OS, not from `random`: loading a Rasa model calls `random.seed(42)`, and two tests
# drawing "random" phone numbers after two model loads got the same number, so the same person.
_random = random.SystemRandom()
_update_ids = itertools.count(_random.randrange(10**6, 10**8))


def update(chat: int, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"update_id": next(_update_ids)}
    body.update(fields)
    return body


def text_update(chat: int, text: str) -> dict[str, Any]:
    message = {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}, "text": text}
    return update(chat, message=message)


def post_telegram(stack: Stack, body: Any, secret: str | None = TELEGRAM_SECRET) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return httpx.post(
        f"{stack.url}/webhooks/telegram/webhook", json=body, headers=headers, timeout=60
    )


def new_chat() -> int:
    return _random.randrange(10**8, 10**9)


# ---- SMS (Twilio)


def phone() -> str:
    return f"+336{_random.randrange(10**7, 10**8)}"


def sms_form(body: str | None, sender: str, sid: str | None = None) -> dict[str, str]:
    data = {"From": sender, "To": "+33700000000", "MessageSid": sid or "SM" + uuid.uuid4().hex}
    if body is not None:
        data["Body"] = body
    return data


def post_sms(stack: Stack, data: dict[str, str], signature: str | None = None) -> httpx.Response:
    if signature is None:
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_URL, data)
    return httpx.post(
        f"{stack.url}/webhooks/sms/webhook",
        data=data,
        headers={"X-Twilio-Signature": signature},
        timeout=60,
    )


def message_text(reply: httpx.Response) -> str:
    found = re.search(r"<Message>(.*)</Message>", reply.text, re.S)
    return found.group(1) if found else ""
