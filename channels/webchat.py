"""Web chat connector: `POST /webhooks/webchat/webhook`, Rasa's REST shape, checked input.

Request: JSON `{"sender": "<opaque client id>", "message": "..."}` from an allowed `Origin`.
Response: `200` and a JSON list of `{"text": ..., "buttons": [{"title", "payload"}]}`.
Refusals are short 4xx answers; a failing turn still answers with the fail-safe text.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.commands import load_commands
from channels.turn import run_turn

__all__ = ["WebChatInput"]

log = structlog.get_logger(__name__)

MAX_BODY_BYTES = 4096
MAX_MESSAGE_CHARS = 1000
SENDER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _refuse(status: int, reason: str) -> HTTPResponse:
    log.info("webchat.refused", status=status, reason=reason)
    return response.json({"error": reason}, status=status)


class WebChatInput(InputChannel):  # type: ignore[misc]
    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebChatInput:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        webhook = Blueprint("webchat_webhook", module.__name__ if module else None)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body or b"") > MAX_BODY_BYTES:
                return _refuse(413, "body too large")
            if not (request.content_type or "").startswith("application/json"):
                return _refuse(415, "content type must be application/json")
            try:
                payload = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                return _refuse(400, "body is not valid JSON")
            if not isinstance(payload, dict):
                return _refuse(400, "body must be a JSON object")
            sender, text = payload.get("sender"), payload.get("message")
            if not isinstance(sender, str) or not SENDER_PATTERN.match(sender):
                return _refuse(400, "sender must be 8 to 64 letters, digits, - or _")
            if not isinstance(text, str) or not text.strip():
                return _refuse(400, "message must be a non-empty string")
            if len(text) > MAX_MESSAGE_CHARS:
                return _refuse(413, "message too long")
            collector = CollectingOutputChannel()
            text = load_commands().translate(text)
            message = UserMessage(text, collector, sender, input_channel=self.name())
            messages = await run_turn(on_new_message, message, collector)
            return response.json([_public(m) for m in messages])

        return webhook


def _public(message: dict[str, Any]) -> dict[str, Any]:
    """Only what the widget shows: text and buttons."""
    out: dict[str, Any] = {"text": message.get("text", "")}
    if message.get("buttons"):
        out["buttons"] = [
            {"title": b.get("title", ""), "payload": b.get("payload", "")}
            for b in message["buttons"]
        ]
    return out
