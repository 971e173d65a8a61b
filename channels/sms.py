"""SMS connector (Twilio): `POST /webhooks/sms/webhook`, authenticated by `X-Twilio-Signature`.

The signature is checked with Twilio's own `RequestValidator` over the exact URL Twilio called:
the PUBLIC webhook URL from settings (`PUBLIC_BASE_URL` + the path), not the URL the request
reached (wrong behind a proxy), with the request's query string when there is one (a webhook
configured as `.../webhooks/sms/webhook?lang=fr` is signed with its query). Retried deliveries
(same `MessageSid`) are answered once; a delivery whose turn failed or timed out (it got the
fail-safe text) is answered again if Twilio retries it. Replies go back as TwiML in the
response, one SMS of at most 3 segments with a numbered menu instead of buttons; a reply "2"
maps back to the second button of the previous turn. Keywords Twilio handles itself (STOP,
HELP...) get no reply.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import structlog
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.channel_state import ChannelState, Claim, shared_channel_state
from bot.commands import load_commands
from bot.content import load_content
from bot.metrics import record_failure
from bot.privacy import pseudonymise
from bot.render import render_sms
from bot.settings import Settings
from channels.common import (
    channel_logs,
    refuse,
    require_secrets,
    served_settings,
    short_error_pages,
)
from channels.turn import take_turn

__all__ = ["SmsInput"]

log = structlog.get_logger(__name__)

WEBHOOK_PATH = "/webhooks/sms/webhook"
MAX_BODY_BYTES = 16 * 1024
MAX_MESSAGE_CHARS = 1600


def _form(body: bytes) -> dict[str, str]:
    """The posted fields, the first value of each, empty ones included: Twilio signs every
    field it sends, `FromCity=` too (Sanic's `request.form` drops empty fields)."""
    form: dict[str, str] = {}
    for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
        form.setdefault(key, value)
    return form


def _twiml(text: str | None) -> HTTPResponse:
    reply = MessagingResponse()
    if text:
        reply.message(text)
    return response.text(str(reply), content_type="application/xml")


class SmsInput(InputChannel):  # type: ignore[misc]
    @classmethod
    def name(cls) -> str:
        return "sms"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SmsInput:
        settings = served_settings()
        configured = bool(settings.twilio_auth_token and settings.public_base_url)
        require_secrets("sms", settings, configured, "TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL")
        return cls(settings)

    def __init__(self, settings: Settings, state: ChannelState | None = None) -> None:
        self._settings = settings
        self._state = state or shared_channel_state()  # answered ids, last turn's menu

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        webhook = Blueprint("sms_webhook", module.__name__ if module else None)
        short_error_pages(webhook)
        channel_logs(webhook, self.name())

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            token, base = self._settings.twilio_auth_token, self._settings.public_base_url
            if not token or not base:
                return refuse("sms", 503, "sms is not configured on this server")
            if len(request.body or b"") > MAX_BODY_BYTES:
                return refuse("sms", 413, "body too large")
            content_type = request.content_type or ""
            if not content_type.startswith("application/x-www-form-urlencoded"):
                return refuse("sms", 415, "content type must be application/x-www-form-urlencoded")
            try:
                form = _form(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                return refuse("sms", 400, "body is not a valid form")
            signature = request.headers.get("X-Twilio-Signature", "")
            url = base + WEBHOOK_PATH + (f"?{request.query_string}" if request.query_string else "")
            if not signature or not RequestValidator(token).validate(url, form, signature):
                return refuse("sms", 403, "missing or wrong Twilio signature")
            body, sender_number, sid = form.get("Body"), form.get("From"), form.get("MessageSid")
            if body is None or not sender_number or not sid:
                return refuse("sms", 400, "Body, From and MessageSid are required")
            if len(body) > MAX_MESSAGE_CHARS:
                return refuse("sms", 413, "message too long")
            if load_commands().is_sms_reserved(body):
                log.info("sms.reserved_keyword")
                return _twiml(None)
            sender = pseudonymise(self._settings.pseudonym_key, self.name(), sender_number)
            claim = await self._state.claim(sender, sid)
            if claim is not Claim.NEW:  # answered, or being answered: Twilio does not wait
                log.info("sms.duplicate", in_flight=claim is Claim.IN_FLIGHT)
                return _twiml(None)
            answered = False
            try:
                answer, answered = await self._turn(sender, body, on_new_message)
            except Exception as error:  # never a 500: the person gets the fail-safe text
                log.error("sms.failed", error=type(error).__name__)
                record_failure(self.name(), "failsafe")
                answer = _twiml(load_content().failsafe)
            await self._state.settle(sender, sid, answered)
            return answer

        return webhook

    async def _turn(
        self, sender: str, body: str, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> tuple[HTTPResponse, bool]:
        text = (await self._state.menu(sender)).get(body.strip().rstrip(".)").strip())
        if text is None:
            text = load_commands().translate(body) if body.strip() else body
        collector = CollectingOutputChannel()
        message = UserMessage(text, collector, sender, input_channel=self.name())
        turn = await take_turn(on_new_message, message, collector)
        reply = render_sms(turn.messages)
        if turn.answered and not turn.erased:  # an erasure leaves no menu behind
            await self._state.set_menu(sender, dict(reply.menu) if reply.menu else None)
        return _twiml(reply.text), turn.answered
