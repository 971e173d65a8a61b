"""The served bot's Prometheus metrics: conversations move the counters, and no text or id shows.

Other tests share the stack, so every check reads the counters before and after.
"""

from __future__ import annotations

import random
import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.directory import Directory
from bot.privacy import pseudonymise
from bot.safety import SafetyNet, default_lexicon_path
from bot.settings import load_settings
from tests.clients import post_sms, post_telegram, post_web, sms_form, text_update
from tests.conftest import Stack

pytestmark = pytest.mark.model

CANARY = "zorglub" + uuid.uuid4().hex[:8]
PHONE = f"+3361{random.SystemRandom().randrange(10**7, 10**8)}"
CHAT_ID = random.SystemRandom().randrange(10**9, 2 * 10**9)
WEB_CLIENT = "metrics" + uuid.uuid4().hex
EMERGENCY = f"je veux plus vivre, {CANARY}"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(stack: Stack) -> tuple[str, Samples]:
    reply = httpx.get(stack.metrics_url, timeout=10)
    assert reply.status_code == 200
    samples: Samples = {}
    for family in text_string_to_metric_families(reply.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return reply.text, samples


def rise(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    assert key in after, f"no series {name}{labels}"
    return after[key] - before.get(key, 0.0)


def web(stack: Stack, text: str, origin: str | None = None) -> httpx.Response:
    return post_web(stack, WEB_CLIENT, text, origin=origin)


def test_conversations_move_the_counters_without_any_text_or_id(stack: Stack) -> None:
    _, before = scrape(stack)
    for text in ("wsh on m'insulte tous les jours sur insta jsp quoi faire", "/ask_human"):
        assert web(stack, text).status_code == 200
    emergency = web(stack, EMERGENCY)
    assert "3114" in emergency.text
    assert web(stack, "OUBLI").status_code == 200
    assert web(stack, "salut", origin="https://evil.example.org").status_code == 403
    assert post_telegram(stack, text_update(CHAT_ID, EMERGENCY)).status_code == 200
    assert post_sms(stack, sms_form(EMERGENCY, PHONE)).status_code == 200
    text, after = scrape(stack)

    for channel, turns in {"webchat": 4, "telegram": 1, "sms": 1}.items():
        assert rise(before, after, "relais_turns_total", channel=channel) == turns, channel
    assert rise(before, after, "relais_roles_total", role="victim") == 1
    assert rise(before, after, "relais_roles_total", role="witness") == 0
    for channel in ("webchat", "telegram", "sms"):
        assert rise(before, after, "relais_emergencies_total", channel=channel) == 1, channel
        for kind in ("turn_failed", "failsafe", "channel_send_failed"):
            assert rise(before, after, "relais_failures_total", channel=channel, kind=kind) == 0
    assert rise(before, after, "relais_handoffs_total", line="3018") == 1  # "/ask_human"
    # one emergency reply on each of the three channels: the lines of that danger's reply
    danger = SafetyNet.from_file(default_lexicon_path()).check(EMERGENCY)
    assert danger is not None
    lines = Directory.from_file().danger_lines(danger.category)
    assert "3114" in lines
    for line in lines:
        assert rise(before, after, "relais_handoffs_total", line=line) == 3, line
    refused = rise(before, after, "relais_failures_total", channel="webchat", kind="refused_403")
    assert refused == 1

    pseudonym = pseudonymise(load_settings().pseudonym_key, "webchat", WEB_CLIENT)
    for secret in (CANARY, PHONE, PHONE.lstrip("+"), str(CHAT_ID), WEB_CLIENT, pseudonym):
        assert secret not in text, f"a canary of {len(secret)} characters is in the metrics"
    assert "insulte" not in text and "vivre" not in text
