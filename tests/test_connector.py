"""The skeleton the three connectors share (`channels.connector`), served in-process on
127.0.0.1 without a model: each channel's health route, a body too deeply nested to decode
(Telegram answered it with a 500), and a fault after the request was read (here the channel
state raising), answered with the fail-safe text in the channel's format, never a 500."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from twilio.request_validator import RequestValidator

from bot.channel_state import Claim, MemoryChannelState
from bot.content import load_content
from bot.settings import load_settings
from channels.connector import Connector
from channels.sms import SmsInput
from channels.telegram import TelegramInput
from channels.webchat import WebChatInput
from tests.clients import phone
from tests.conftest import PUBLIC_BASE_URL, TELEGRAM_SECRET, TWILIO_TOKEN

ORIGIN = "https://publisher.example.org"
ENV = {
    "WEBCHAT_ALLOWED_ORIGINS": ORIGIN,
    "TELEGRAM_BOT_TOKEN": "123:not-a-token",
    "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
    "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
    "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
}
DEEP_JSON = b"[" * 3000  # within every body limit; Python's json gives up (RecursionError)


class SwitchableState(MemoryChannelState):
    """The channels' memory, or, while `broken`, a state whose every call fails (a bug, or a
    store that does not fail open)."""

    broken = False

    async def claim(self, person: str, message_id: str) -> Claim:
        if self.broken:
            raise RuntimeError("state down")
        return await super().claim(person, message_id)

    async def allow(self, bucket: str, key: str, limit: int, window_seconds: int) -> bool:
        if self.broken:
            raise RuntimeError("state down")
        return await super().allow(bucket, key, limit, window_seconds)


async def say_hello(message: UserMessage) -> None:
    await message.output_channel.send_text_message(message.sender_id, "hello")


class Served:
    """The three connectors on one Sanic server, in a thread of its own (Sanic 21.12 can start
    one server per process: its start-up rewrites its HTTP protocol class)."""

    def __init__(self) -> None:
        self.state = SwitchableState()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port: int = sock.getsockname()[1]
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> Served:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=60)
        return self

    async def _start(self) -> None:
        settings = load_settings(ENV)
        connectors: list[Connector[Any]] = [
            WebChatInput(settings, self.state),
            TelegramInput(settings, self.state),
            SmsInput(settings, self.state),
        ]
        app = Sanic(f"connector_{uuid.uuid4().hex}", configure_logging=False)
        for connector in connectors:
            blueprint = connector.blueprint(say_hello)
            app.blueprint(blueprint, url_prefix=f"/webhooks/{connector.name()}")
        server = await app.create_server(
            host="127.0.0.1", port=self.port, return_asyncio_server=True
        )
        assert server is not None
        await server.startup()
        await server.before_start()
        await server.after_start()
        self._server = server

    def stop(self) -> None:
        self.client.close()

        async def close() -> None:
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    served = Served().start()
    yield served
    served.stop()


@pytest.fixture
def client(served: Served) -> httpx.Client:
    served.state.broken = False
    return served.client


@pytest.fixture
def broken_client(served: Served) -> Iterator[httpx.Client]:
    served.state.broken = True
    yield served.client
    served.state.broken = False


def signed_sms(text: str) -> tuple[bytes, dict[str, str]]:
    form = {"Body": text, "From": phone(), "MessageSid": "SM" + uuid.uuid4().hex}
    url = PUBLIC_BASE_URL + "/webhooks/sms/webhook"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return urlencode(form).encode(), headers


TELEGRAM = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
WEB = {"Origin": ORIGIN, "Content-Type": "application/json"}


@pytest.mark.parametrize("channel", ["webchat", "telegram", "sms"])
def test_each_channel_has_its_health_route(client: httpx.Client, channel: str) -> None:
    reply = client.get(f"/webhooks/{channel}/")
    assert (reply.status_code, reply.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize(("channel", "headers"), [("webchat", WEB), ("telegram", TELEGRAM)])
def test_a_body_nested_too_deep_to_decode_gets_a_400(
    client: httpx.Client, channel: str, headers: Mapping[str, str]
) -> None:
    reply = client.post(f"/webhooks/{channel}/webhook", content=DEEP_JSON, headers=headers)
    assert (reply.status_code, reply.json()) == (400, {"error": "body is not valid JSON"})


def test_the_refusals_come_before_the_body_is_read(client: httpx.Client) -> None:
    """Each channel's own authentication first, then the body's size and type."""
    web = client.post("/webhooks/webchat/webhook", content=DEEP_JSON, headers={})
    telegram = client.post("/webhooks/telegram/webhook", content=DEEP_JSON)
    sms = client.post("/webhooks/sms/webhook", content=DEEP_JSON)
    assert [web.status_code, telegram.status_code, sms.status_code] == [403, 401, 415]


def test_a_fault_after_the_request_was_read_gets_the_failsafe_on_every_channel(
    broken_client: httpx.Client,
) -> None:
    failsafe = load_content().failsafe
    body = {"sender": "abcdefgh12", "message": "hi", "id": uuid.uuid4().hex}
    web = broken_client.post("/webhooks/webchat/webhook", json=body, headers=WEB)
    assert web.status_code == 200 and web.json()[0]["text"] == failsafe

    chat = 4242
    message = {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}, "text": "hi"}
    update = {"update_id": 7, "message": message}
    telegram = broken_client.post("/webhooks/telegram/webhook", json=update, headers=TELEGRAM)
    assert telegram.status_code == 200
    assert telegram.json() == {"method": "sendMessage", "chat_id": chat, "text": failsafe}

    content, headers = signed_sms("hi")
    sms = broken_client.post("/webhooks/sms/webhook", content=content, headers=headers)
    assert sms.status_code == 200
    assert ElementTree.fromstring(sms.content).findtext("Message") == failsafe
