"""SMS connector (Twilio): `POST /webhooks/sms/webhook`, authenticated by `X-Twilio-Signature`.

The signature is checked with Twilio's own `RequestValidator` over the exact URL Twilio called:
the PUBLIC webhook URL from settings (`PUBLIC_BASE_URL` + the path), not the URL the request
reached (wrong behind a proxy), with the request's query string when there is one (a webhook
configured as `.../webhooks/sms/webhook?lang=fr` is signed with its query). Retried deliveries
(same `MessageSid`) are answered once; a delivery whose turn failed or timed out (it got the
fail-safe text) is answered again if Twilio retries it. Replies go back as TwiML in the
response, one SMS of at most 3 segments with a numbered menu instead of buttons; a reply "2"
maps back to the second button of the previous turn. Keywords Twilio handles itself (STOP,
HELP...) get no reply. The webhook's skeleton (refusals, de-duplication, never a 500) is
`channels.connector`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import parse_qsl

import structlog
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.channel_state import Claim
from bot.commands import load_commands
from bot.render import menu_payload, render_sms
from bot.settings import Settings
from channels.connector import Answer, Connector, Delivery, OnNewMessage

__all__ = ["SmsInput"]

log = structlog.get_logger(__name__)

WEBHOOK_PATH = "/webhooks/sms/webhook"
MAX_BODY_BYTES = 16 * 1024
MAX_MESSAGE_CHARS = 1600


@dataclass(frozen=True)
class Sms(Delivery):
    body: str


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


class SmsInput(Connector[Sms]):
    channel: ClassVar[str] = "sms"
    needs: ClassVar[str] = "TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL"
    max_body_bytes: ClassVar[int] = MAX_BODY_BYTES
    content_type: ClassVar[str | None] = "application/x-www-form-urlencoded"
    undecodable: ClassVar[str] = "body is not a valid form"

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return bool(settings.twilio_auth_token and settings.public_base_url)

    def decode(self, body: bytes) -> dict[str, str]:
        return _form(body)

    async def read(self, request: Request, form: dict[str, str]) -> Sms | HTTPResponse:
        signature = request.headers.get("X-Twilio-Signature", "")
        token, base = str(self._settings.twilio_auth_token), self._settings.public_base_url
        url = f"{base}{WEBHOOK_PATH}" + (f"?{request.query_string}" if request.query_string else "")
        if not signature or not RequestValidator(token).validate(url, form, signature):
            return self.refuse(403, "missing or wrong Twilio signature")
        body, sender_number, sid = form.get("Body"), form.get("From"), form.get("MessageSid")
        if body is None or not sender_number or not sid:
            return self.refuse(400, "Body, From and MessageSid are required")
        if len(body) > MAX_MESSAGE_CHARS:
            return self.refuse(413, "message too long")
        if load_commands().is_sms_reserved(body):
            log.info("sms.reserved_keyword")
            return _twiml(None)
        return Sms(self.pseudonym(sender_number), sid, body)

    def duplicate(self, claim: Claim) -> HTTPResponse:
        log.info("sms.duplicate", in_flight=claim is Claim.IN_FLIGHT)
        return _twiml(None)  # answered, or being answered: Twilio does not wait

    async def answer(self, sms: Sms, on_new_message: OnNewMessage) -> Answer:
        body = sms.body
        text = menu_payload(await self.state.menu(sms.sender), body)
        if text is None:
            text = load_commands().translate(body) if body.strip() else body
        turn = await self.turn(sms.sender, text, on_new_message)
        reply = render_sms(turn.messages)
        if turn.answered and not turn.erased:  # an erasure leaves no menu behind
            await self.state.set_menu(sms.sender, dict(reply.menu) if reply.menu else None)
        return _twiml(reply.text), turn.answered

    def render_failsafe(self, sms: Sms | None, text: str) -> HTTPResponse:
        return _twiml(text)
