"""The skeleton every connector shares, written once: `Connector`.

A connector translates its channel's format and decides nothing. It says how a request is
authenticated (`authenticate`, from the headers; a signature over the body is read in `read`),
how a delivery is read (`read`: parse, check, pseudonymise the sender), how it is answered
(`answer`: the `UserMessage`, the turn, the rendering) and how its channel shows a duplicate
delivery and the fail-safe text. The base owns the rest, in this order for every webhook:

1. `POST /webhooks/<name>/webhook`: 503 while the channel's secrets are unset (the demo runs
   without them; production does not start, see `from_credentials`);
2. the channel's own authentication of the request's headers (`authenticate`);
3. 413 for a body over `max_body_bytes`, 415 for a content type other than `content_type`, 400
   for a body that does not `decode` (JSON by default);
4. `read`: the channel's 4xx for what is not one of its deliveries, or the delivery;
5. de-duplication: a delivery id already answered, or being answered, gets the channel's
   `duplicate` answer; one whose turn failed is released, so a retry is processed;
6. `answer`, and whether the turn was answered (a retry of it is not);
7. never a 500: anything that raises from step 2 on is logged as `<name>.failed` with the error's
   type only, and answered with the fail-safe text of `data/content/failsafe.yml`, in the
   channel's format (`render_failsafe`).

Also: the blueprint, its short JSON error pages and its channel-named log lines
(`channels.common`), the health route `GET /webhooks/<name>/`, and `turn`, which runs one turn
through `channels.turn` (the fail-safe when it fails, says nothing or takes too long).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import structlog
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channel_state import ChannelState, Claim, shared_channel_state
from bot.content import load_content
from bot.metrics import record_failure
from bot.privacy import pseudonymise
from bot.settings import Settings
from channels.common import (
    channel_logs,
    refuse,
    require_secrets,
    served_settings,
    short_error_pages,
)
from channels.turn import Turn, take_turn

__all__ = ["Answer", "Connector", "Delivery", "OnNewMessage"]

log = structlog.get_logger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
Answer = tuple[HTTPResponse, bool]  # the webhook's response; whether the turn was answered


@dataclass(frozen=True)
class Delivery:
    """What a connector read from one request: who sent it (pseudonymised) and the channel's id
    of this delivery (`None`: not de-duplicated)."""

    sender: str
    delivery_id: str | None


D = TypeVar("D", bound=Delivery)
C = TypeVar("C", bound="Connector[Any]")


class Connector(InputChannel, Generic[D]):  # type: ignore[misc]
    """A Rasa input channel whose webhook runs the shared skeleton (see the module's doc)."""

    channel: ClassVar[str]  # the channel's name: its URL prefix, logs and metrics label
    needs: ClassVar[str] = ""  # the settings the channel cannot run without, for the messages
    max_body_bytes: ClassVar[int] = 4096
    content_type: ClassVar[str | None] = None  # the body's required type, if the channel has one
    undecodable: ClassVar[str] = "body is not valid JSON"

    @classmethod
    def name(cls) -> str:
        return cls.channel

    @classmethod
    def from_credentials(cls: type[C], credentials: dict[str, Any] | None) -> C:
        """Rasa's start-up hook: the served settings; production stops without the secrets."""
        settings = served_settings()
        require_secrets(cls.name(), settings, cls.configured(settings), cls.needs)
        return cls(settings)

    def __init__(self, settings: Settings, state: ChannelState | None = None) -> None:
        self._settings = settings
        self._state = state  # the process's shared one by default, taken on first use

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        """Whether the channel's secrets are set (a channel that needs none: always)."""
        return True

    @property
    def state(self) -> ChannelState:
        """Answered delivery ids, rate-limit counters, the SMS menus (`bot.channel_state`)."""
        if self._state is None:
            self._state = shared_channel_state()
        return self._state

    # ---- what each channel says

    def authenticate(self, request: Request) -> HTTPResponse | None:
        """The refusal of a request whose headers do not authenticate it; None: go on."""
        return None

    def decode(self, body: bytes) -> Any:
        """The body in the channel's format; raises ValueError if it is not."""
        return json.loads(body)

    async def read(self, request: Request, body: Any) -> D | HTTPResponse:
        """The delivery in the decoded body, or the answer that ends the request here."""
        raise NotImplementedError

    async def answer(self, delivery: D, on_new_message: OnNewMessage) -> Answer:
        raise NotImplementedError

    def duplicate(self, claim: Claim) -> HTTPResponse:
        """The answer to a delivery already answered (ANSWERED) or being answered (IN_FLIGHT)."""
        raise NotImplementedError

    def render_failsafe(self, delivery: D | None, text: str) -> HTTPResponse:
        """The fail-safe text as the channel's answer (`delivery` is None if it was not read)."""
        raise NotImplementedError

    def routes(self, webhook: Blueprint) -> None:
        """The channel's routes besides its health route and its webhook (none by default)."""

    # ---- the skeleton

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint(f"{self.name()}_webhook")  # Rasa mounts it at /webhooks/<name>
        short_error_pages(webhook)
        channel_logs(webhook, self.name())

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        self.routes(webhook)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        return webhook

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        if not self.configured(self._settings):
            return self.refuse(503, f"{self.name()} is not configured on this server")
        delivery: D | None = None
        claimed = answered = False
        try:
            read = await self._checked_read(request)
            if isinstance(read, HTTPResponse):
                return read
            delivery = read
            if delivery.delivery_id is not None:
                claim = await self.state.claim(delivery.sender, delivery.delivery_id)
                if claim is not Claim.NEW:
                    return self.duplicate(claim)
                claimed = True
            webhook_answer, answered = await self.answer(delivery, on_new_message)
        except Exception as error:  # never a 500: the person gets the fail-safe text
            log.error(f"{self.name()}.failed", error=type(error).__name__)
            record_failure(self.name(), "failsafe")
            webhook_answer = self.render_failsafe(delivery, load_content().failsafe)
        if claimed and delivery is not None and delivery.delivery_id is not None:
            # answered: a retry is not answered again; else released, so a retry is processed
            await self.state.settle(delivery.sender, delivery.delivery_id, answered)
        return webhook_answer

    async def _checked_read(self, request: Request) -> D | HTTPResponse:
        refusal = self.authenticate(request)
        if refusal is not None:
            return refusal
        if len(request.body or b"") > self.max_body_bytes:
            return self.refuse(413, "body too large")
        if self.content_type and not (request.content_type or "").startswith(self.content_type):
            return self.refuse(415, f"content type must be {self.content_type}")
        try:
            body = self.decode(request.body or b"")
        except (ValueError, RecursionError):  # UnicodeDecodeError too; RecursionError: [[[[...
            return self.refuse(400, self.undecodable)
        return await self.read(request, body)

    # ---- helpers for the channels

    def refuse(self, status: int, reason: str) -> HTTPResponse:
        return refuse(self.name(), status, reason)

    def pseudonym(self, raw_id: str) -> str:
        """The person's id on this channel, keyed-hashed: a raw id is never stored or logged."""
        return pseudonymise(self._settings.pseudonym_key, self.name(), raw_id)

    async def turn(self, sender: str, text: str, on_new_message: OnNewMessage) -> Turn:
        """One turn of the person's conversation (never raises for the turn's own failures)."""
        collector = CollectingOutputChannel()
        message = UserMessage(text, collector, sender, input_channel=self.name())
        return await take_turn(on_new_message, message, collector)
