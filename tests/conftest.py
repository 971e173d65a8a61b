from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.directory import Directory
from bot.trained_model import NoModelError, newest_model

if TYPE_CHECKING:
    from rasa.core.agent import Agent

    from tests.fake_telegram import FakeTelegram
    from tests.servers import ActionServer, RedisServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def directory() -> Directory:
    return Directory.from_file()


def trained_model() -> Path:
    """The model the served bot would load; without one the test fails (it does not skip)."""
    try:
        return newest_model()
    except NoModelError as error:
        pytest.fail(str(error))


def load_agent(action_url: str) -> Agent:
    """The newest trained model, in-process, with our tracker store and the given actions."""
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    from extensions.tracker_store import RelaisTrackerStore

    return Agent.load(
        str(trained_model()),
        action_endpoint=EndpointConfig(url=action_url),
        tracker_store=RelaisTrackerStore(),
    )


@pytest.fixture(scope="session")
def live_agent() -> Iterator[Agent]:
    """The trained model with a real action server process running our actions."""
    from tests.servers import action_server

    with action_server("actions") as url:
        yield load_agent(url)


async def turn(agent: Agent, text: str, sender: str | None = None) -> list[dict[str, Any]]:
    """One turn through the never-silent wrapper, as the channels run it."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from channels.turn import run_turn

    collector = CollectingOutputChannel()
    message = UserMessage(text, collector, sender or uuid.uuid4().hex, input_channel="test")
    return await run_turn(agent.handle_message, message, collector)


@pytest.fixture(scope="session", autouse=True)
def _redacted_logs() -> None:
    """Tests log like production: INFO and above, redacted, never the message text."""
    import logging

    from bot.logs import configure_logging

    configure_logging(logging.INFO)


# A canary: the token must never appear in any log line (tests/test_privacy_logs.py).
TELEGRAM_TOKEN = f"{random.SystemRandom().randrange(10**8, 10**9)}:CANARY{uuid.uuid4().hex}"
TELEGRAM_SECRET = "test-secret-token-1234"
TWILIO_TOKEN = "twilio-test-auth-token-0123456789"
WEBCHAT_RATE_LIMIT = 30  # per client per minute (and 5x that per address)
REDIS_KEY_PREFIX = "relaistest"
PUBLIC_BASE_URL = "https://relais.example.org"  # what Twilio signs; tests post to 127.0.0.1


class Stack:
    """The served bot as in production: `rasa run` with our channels on a real Redis, a real
    action server, a fake Telegram Bot API."""

    def __init__(
        self,
        url: str,
        log: Path,
        pid: int,
        telegram: FakeTelegram,
        redis: RedisServer | None,
        actions: ActionServer,
        metrics_url: str,
        publisher_port: int = 0,
    ) -> None:
        self.url = url
        self.log = log  # everything the Rasa server process wrote (stdout and stderr)
        self.pid = pid  # the Rasa server process
        self.telegram = telegram
        self.redis = redis  # fault tests stop and start it (and the action server); None: memory
        self.actions = actions  # its log: everything the action server wrote
        self.metrics_url = metrics_url  # the Rasa process's Prometheus metrics (METRICS_PORT)
        # A publisher's site allowed to embed the widget (tests/publisher.py serves it there).
        self.publisher_port = publisher_port
        self.publisher_origin = f"http://127.0.0.1:{publisher_port}"


def stack_env(telegram_url: str) -> dict[str, str]:
    """The served bot's environment in the tests (the Redis URL and log level aside)."""
    from deploy.launcher import free_port

    return {
        "REDIS_KEY_PREFIX": REDIS_KEY_PREFIX,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": telegram_url,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "WEBCHAT_RATE_LIMIT": str(WEBCHAT_RATE_LIMIT),
        "METRICS_PORT": str(free_port()),
    }


@pytest.fixture(scope="session")
def memory_stack() -> Iterator[Stack]:
    """The served bot in its default form, in memory (no `REDIS_URL`, as `make run`), with
    both processes logging at DEBUG, libraries included: the worst case for privacy."""
    from tests.fake_telegram import FakeTelegram
    from tests.servers import rasa_server, running_action_server

    model = trained_model()
    telegram = FakeTelegram().start()
    env = {**stack_env(telegram.url), "LOG_LEVEL": "DEBUG", "LOG_LEVEL_LIBRARIES": "DEBUG"}
    env.pop("METRICS_PORT")
    try:
        with (
            running_action_server("actions", env) as actions,
            rasa_server(actions.url, model, env) as (url, log, pid),
        ):
            yield Stack(url, log, pid, telegram, None, actions, "")
    finally:
        telegram.stop()


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    from deploy.launcher import free_port
    from tests.fake_telegram import FakeTelegram
    from tests.servers import rasa_server, redis_server, running_action_server

    model = trained_model()
    telegram = FakeTelegram().start()
    env = stack_env(telegram.url)
    publisher_port = free_port()
    try:
        with redis_server() as redis, running_action_server("actions", env) as actions:
            env["REDIS_URL"] = redis.url
            publisher = (f"http://127.0.0.1:{publisher_port}",)
            with rasa_server(actions.url, model, env, publisher) as (url, log, pid):
                metrics_url = f"http://127.0.0.1:{env['METRICS_PORT']}/metrics"
                yield Stack(url, log, pid, telegram, redis, actions, metrics_url, publisher_port)
    finally:
        telegram.stop()
