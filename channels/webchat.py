"""Web chat connector: `POST /webhooks/webchat/webhook`, Rasa's REST shape, checked input.

Request: JSON `{"sender": "<opaque client id>", "message": "...", "id": "<optional message id>"}`
from an allowed `Origin`; a retried request with the same `id` is answered once (then 409); if
its turn failed or timed out (the fail-safe text), a retry with the same `id` is processed.
Response: `200` and a JSON list of `{"text", "buttons": [{"title", "payload"}], "links"}`
(`bot.render.render_web`: links make the helplines' numbers `tel:` links in the widget). When
the turn erased the person's conversation (`/oubli`, "efface mes messages"), the first item also
holds `"custom": {"erased": true}`: the widget clears its own history and screen then.
Refusals are short 4xx answers; a failing turn still answers with the fail-safe text.

It also serves the widget (`channels.widget_assets`): the loader `widget.js` for publishers'
pages, the chat `frame` (framable only by `WEBCHAT_ALLOWED_ORIGINS`) and its assets, the demo
and neutral pages. The frame posts from this server's own origin (that of `PUBLIC_BASE_URL`, or
the one matching the request's `Host`), allowed too.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any
from urllib.parse import urlparse

import structlog
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channel_state import ChannelState, Claim, shared_channel_state
from bot.commands import load_commands
from bot.metrics import record_failure
from bot.privacy import pseudonymise
from bot.render import render_web
from bot.settings import Settings
from channels.common import channel_logs, refuse, served_settings, short_error_pages
from channels.turn import failsafe_messages, take_turn
from channels.widget_assets import ASSETS, WidgetFiles

__all__ = ["WebChatInput"]

log = structlog.get_logger(__name__)

# The pages load nothing from any other origin. The chat frame may be framed by the allowed
# origins (the publishers' sites) only; the other pages by none but this server.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; frame-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors {ancestors}"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "cross-origin",  # a publisher's page may load the loader
}
MAX_BODY_BYTES = 4096
MAX_MESSAGE_CHARS = 1000
SENDER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
RATE_WINDOW_SECONDS = 60
ADDRESS_FACTOR = 5  # a school or a family shares one address: 5 clients' worth per address


class WebChatInput(InputChannel):  # type: ignore[misc]
    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebChatInput:
        return cls(served_settings())

    def __init__(self, settings: Settings, state: ChannelState | None = None) -> None:
        self._key = settings.pseudonym_key
        # Who may post: the publishers' sites, and this server's own origin, where the chat
        # frame runs. Who may frame the chat: the publishers' sites.
        self._embedders = tuple(settings.webchat_allowed_origins)
        self._origins = frozenset((*self._embedders, *_own_origin(settings)))
        self._files = WidgetFiles()
        self._limit = settings.webchat_rate_limit
        self._state = state or shared_channel_state()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        webhook = Blueprint("webchat_webhook", module.__name__ if module else None)
        short_error_pages(webhook)
        channel_logs(webhook, self.name())

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        for route_name, (_, _, cache) in ASSETS.items():
            webhook.add_route(
                self._static_handler(route_name, cache),
                f"/{route_name}",
                methods=["GET"],
                name=f"static_{route_name.replace('.', '_')}",
            )

        @webhook.route("/frame", methods=["GET"])
        async def frame(request: Request) -> HTTPResponse:
            ancestors = " ".join(("'self'", *self._embedders))
            headers = {**SECURITY_HEADERS, "Content-Security-Policy": _csp(ancestors)}
            return self._files.answer(request, self._files.frame(), "no-cache", headers)

        # CORS headers and the browser's preflight come from Rasa's CORS layer, started with
        # `--cors` and the same allow-list (deploy/launcher.py); here each POST's Origin is checked.
        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            origin = request.headers.get("Origin", "")
            if origin not in self._origins and not _same_host(origin, request):
                return refuse("webchat", 403, "origin not allowed")
            try:
                answer = await self._checked_turn(request, on_new_message)
            except Exception as error:  # never a 500: the person gets the fail-safe text
                log.error("webchat.failed", error=type(error).__name__)
                record_failure(self.name(), "failsafe")
                answer = response.json(render_web(failsafe_messages("")))
            return answer

        return webhook

    async def _checked_turn(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """Validates the request, rate-limits the client, runs the turn."""
        if len(request.body or b"") > MAX_BODY_BYTES:
            return refuse("webchat", 413, "body too large")
        if not (request.content_type or "").startswith("application/json"):
            return refuse("webchat", 415, "content type must be application/json")
        try:
            payload = json.loads(request.body or b"")
        except (ValueError, UnicodeDecodeError):
            return refuse("webchat", 400, "body is not valid JSON")
        if not isinstance(payload, dict):
            return refuse("webchat", 400, "body must be a JSON object")
        client, text = payload.get("sender"), payload.get("message")
        if not isinstance(client, str) or not SENDER_PATTERN.match(client):
            return refuse("webchat", 400, "sender must be 8 to 64 letters, digits, - or _")
        if not isinstance(text, str) or not text.strip():
            return refuse("webchat", 400, "message must be a non-empty string")
        if len(text) > MAX_MESSAGE_CHARS:
            return refuse("webchat", 413, "message too long")
        message_id = payload.get("id")
        if message_id is not None and (
            not isinstance(message_id, str) or not SENDER_PATTERN.match(message_id)
        ):
            return refuse("webchat", 400, "id must be 8 to 64 letters, digits, - or _")
        sender = pseudonymise(self._key, self.name(), client)
        address = pseudonymise(self._key, "address", request.remote_addr or request.ip or "")
        state, limit = self._state, self._limit
        if not await state.allow("client", sender, limit, RATE_WINDOW_SECONDS) or not (
            await state.allow("address", address, limit * ADDRESS_FACTOR, RATE_WINDOW_SECONDS)
        ):
            return refuse("webchat", 429, "too many messages, wait a minute")
        if message_id is not None:
            claim = await state.claim(sender, message_id)
            if claim is Claim.ANSWERED:
                return refuse("webchat", 409, "this message id was already answered")
            if claim is Claim.IN_FLIGHT:
                return refuse("webchat", 409, "this message id is being answered")
        collector = CollectingOutputChannel()
        text = load_commands().translate(text)
        message = UserMessage(text, collector, sender, input_channel=self.name())
        turn = await take_turn(on_new_message, message, collector)
        if message_id is not None:  # answered, or released for a retry when it failed
            await state.settle(sender, message_id, turn.answered)
        items = render_web(turn.messages)
        if turn.erased and items:
            items[0]["custom"] = {"erased": True}
        return response.json(items)

    def _static_handler(
        self, name: str, cache: str
    ) -> Callable[[Request], Coroutine[Any, Any, HTTPResponse]]:
        headers = {**SECURITY_HEADERS, "Content-Security-Policy": _csp("'self'")}

        async def serve(request: Request) -> HTTPResponse:
            return self._files.answer(request, self._files.asset(name), cache, headers)

        return serve


def _csp(ancestors: str) -> str:
    return PAGE_CSP.format(ancestors=ancestors)


def _own_origin(settings: Settings) -> tuple[str, ...]:
    """This server's public origin (from `PUBLIC_BASE_URL`), where the chat frame is served."""
    if not settings.public_base_url:
        return ()
    url = urlparse(settings.public_base_url)
    return (f"{url.scheme}://{url.netloc}",) if url.scheme and url.netloc else ()


def _same_host(origin: str, request: Request) -> bool:
    """The chat frame posting to the server it came from (a browser cannot make its `Origin`
    match the `Host` it sends to unless it is that page), even without `PUBLIC_BASE_URL`."""
    url = urlparse(origin)
    host = request.headers.get("Host", "")
    return url.scheme in ("http", "https") and bool(host) and url.netloc == host and not url.path
