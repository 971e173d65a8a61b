"""Production mode checks every setting at once and says what is wrong in one message.

The served Rasa server, started with `RELAIS_MODE=production` and missing or weak secrets, stops
before loading the model with one JSON log line listing every problem, and no traceback.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from bot.settings import SettingsError, load_settings
from deploy.launcher import free_port, rasa_command
from tests.conftest import ROOT, trained_model

GOOD = {
    "RELAIS_MODE": "production",
    "PSEUDONYM_KEY": "kq3Vx9LZp0Rt7YwB2mNc5HsJ8dFg4TaE1uQi6oKl",
    "REDIS_URL": "redis://:pw@redis.internal:6379/0",
    "WEBCHAT_ALLOWED_ORIGINS": "https://media.example.org",
    "TELEGRAM_BOT_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    "TELEGRAM_SECRET_TOKEN": "a-long_Secret-token-0123",
    "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef",
    "PUBLIC_BASE_URL": "https://relais.example.org",
}
WEAK = {
    "RELAIS_MODE": "production",
    "PSEUDONYM_KEY": "aaaaaaaaaaaaaaaa",
    "WEBCHAT_ALLOWED_ORIGINS": "https://media.example.org",
    "TELEGRAM_BOT_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    "TELEGRAM_SECRET_TOKEN": "my secret token",
    "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef",
    "PUBLIC_BASE_URL": "not a url",
}
WEAK_NAMES = ("PSEUDONYM_KEY", "TELEGRAM_SECRET_TOKEN", "PUBLIC_BASE_URL", "REDIS_URL")


def test_good_production_settings_load() -> None:
    assert load_settings(GOOD).mode == "production"


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(WEAK)
    problems = raised.value.problems
    assert sorted(problem.split()[0] for problem in problems) == sorted(WEAK_NAMES), problems
    for value in ("aaaaaaaaaaaaaaaa", "my secret token", "not a url"):
        assert value not in str(raised.value)  # a secret is named, never shown


def test_nothing_set_in_production_names_every_variable() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"RELAIS_MODE": "production"})
    named = {problem.split()[0] for problem in raised.value.problems}
    assert named == set(GOOD) - {"RELAIS_MODE"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PSEUDONYM_KEY", "short-Key-1234567890"),  # 20 characters
        ("PSEUDONYM_KEY", "kq3Vx9LZp0Rt7YwB2mNc5HsJ8dFg4TaE1uQi6oK l"),  # a space
        ("PSEUDONYM_KEY", "abababababababababababababababababababab"),  # 2 distinct characters
        ("TELEGRAM_SECRET_TOKEN", "x" * 257),
        ("TELEGRAM_SECRET_TOKEN", "é-secret"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("PUBLIC_BASE_URL", "http://relais.example.org"),  # not https
        ("PUBLIC_BASE_URL", "https://relais.example.org/?x=1"),
        ("REDIS_URL", "http://redis.internal"),
        ("WEBCHAT_ALLOWED_ORIGINS", "http://media.example.org"),  # not https
    ],
)
def test_a_weak_or_malformed_value_is_refused(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({**GOOD, name: value})
    assert [problem.split()[0] for problem in raised.value.problems] == [name]


@pytest.mark.model
def test_the_served_server_stops_with_one_message_listing_every_problem() -> None:
    env = {key: value for key, value in os.environ.items() if key not in GOOD}
    env.update(
        WEAK,
        PYTHONPATH=str(ROOT),
        RASA_TELEMETRY_ENABLED="false",
        ACTION_ENDPOINT_URL="http://127.0.0.1:9/webhook",  # endpoints.yml needs one
    )
    command = rasa_command(trained_model(), free_port(), origins=())
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the server started (or hung) with weak production secrets")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "Traceback" not in output, output[-2000:]
    reports = [json.loads(line) for line in output.splitlines() if "settings.invalid" in line]
    assert len(reports) == 1, output[-2000:]
    named = sorted(problem.split()[0] for problem in reports[0]["problems"])
    assert named == sorted(WEAK_NAMES), reports
