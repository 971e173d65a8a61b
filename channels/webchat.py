"""Web chat connector: `POST /webhooks/webchat/webhook`, Rasa's REST shape, checked input.

Request: JSON `{"sender": "<opaque client id>", "message": "...", "id": "<optional message id>"}`
from an allowed `Origin`; a retried request with the same `id` is answered once (then 409); if
its turn failed or timed out (the fail-safe text), a retry with the same `id` is processed.
Response: `200` and a JSON list of `{"text", "buttons": [{"title", "payload"}], "links"}`
(`bot.render.render_web`: links make the helplines' numbers `tel:` links in the widget). When
the turn erased the person's conversation (`/oubli`, "efface mes messages"), the first item also
holds `"custom": {"erased": true}`: the widget clears its own history and screen then.
Refusals are short 4xx answers; a failing turn still answers with the fail-safe text (the
webhook's skeleton: `channels.connector`).

It also serves the widget (`channels.widget_assets`): the loader `widget.js` for publishers'
pages, the chat `frame` (framable only by `WEBCHAT_ALLOWED_ORIGINS`) and its assets, the demo
and neutral pages. The frame posts from this server's own origin (that of `PUBLIC_BASE_URL`, or
the one matching the request's `Host`), allowed too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlparse

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channel_state import ChannelState, Claim
from bot.commands import load_commands
from bot.privacy import pseudonymise
from bot.render import render_web
from bot.settings import Settings
from channels.connector import Answer, Connector, Delivery, OnNewMessage
from channels.widget_assets import ASSETS, WidgetFiles

__all__ = ["WebChatInput"]

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


@dataclass(frozen=True)
class WebMessage(Delivery):
    text: str


class WebChatInput(Connector[WebMessage]):
    channel: ClassVar[str] = "webchat"
    max_body_bytes: ClassVar[int] = MAX_BODY_BYTES
    content_type: ClassVar[str | None] = "application/json"

    def __init__(self, settings: Settings, state: ChannelState | None = None) -> None:
        super().__init__(settings, state)
        # Who may post: the publishers' sites, and this server's own origin, where the chat
        # frame runs. Who may frame the chat: the publishers' sites.
        self._embedders = tuple(settings.webchat_allowed_origins)
        self._origins = frozenset((*self._embedders, *_own_origin(settings)))
        self._files = WidgetFiles()

    def routes(self, webhook: Blueprint) -> None:
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
    # `--cors` and the same allow-list (deploy/launcher.py); here every POST's Origin is checked.
    def authenticate(self, request: Request) -> HTTPResponse | None:
        origin = request.headers.get("Origin", "")
        if origin in self._origins or _same_host(origin, request):
            return None
        return self.refuse(403, "origin not allowed")

    async def read(self, request: Request, payload: Any) -> WebMessage | HTTPResponse:
        """Validates the message and rate-limits the client."""
        if not isinstance(payload, dict):
            return self.refuse(400, "body must be a JSON object")
        client, text = payload.get("sender"), payload.get("message")
        if not isinstance(client, str) or not SENDER_PATTERN.match(client):
            return self.refuse(400, "sender must be 8 to 64 letters, digits, - or _")
        if not isinstance(text, str) or not text.strip():
            return self.refuse(400, "message must be a non-empty string")
        if len(text) > MAX_MESSAGE_CHARS:
            return self.refuse(413, "message too long")
        message_id = payload.get("id")
        if message_id is not None and (
            not isinstance(message_id, str) or not SENDER_PATTERN.match(message_id)
        ):
            return self.refuse(400, "id must be 8 to 64 letters, digits, - or _")
        sender = self.pseudonym(client)
        key = self._settings.pseudonym_key
        address = pseudonymise(key, "address", request.remote_addr or request.ip or "")
        limit = self._settings.webchat_rate_limit
        if not await self.state.allow("client", sender, limit, RATE_WINDOW_SECONDS) or not (
            await self.state.allow("address", address, limit * ADDRESS_FACTOR, RATE_WINDOW_SECONDS)
        ):
            return self.refuse(429, "too many messages, wait a minute")
        return WebMessage(sender, message_id, text)

    def duplicate(self, claim: Claim) -> HTTPResponse:
        if claim is Claim.IN_FLIGHT:
            return self.refuse(409, "this message id is being answered")
        return self.refuse(409, "this message id was already answered")

    async def answer(self, message: WebMessage, on_new_message: OnNewMessage) -> Answer:
        text = load_commands().translate(message.text)
        turn = await self.turn(message.sender, text, on_new_message)
        items = render_web(turn.messages)
        if turn.erased and items:
            items[0]["custom"] = {"erased": True}
        return response.json(items), turn.answered

    def render_failsafe(self, message: WebMessage | None, text: str) -> HTTPResponse:
        return response.json(render_web([{"text": text}]))

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
