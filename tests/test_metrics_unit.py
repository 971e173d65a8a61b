"""Ops counters without text: what a turn adds (read from real Rasa trackers), closed labels,
the settings, and the metrics server started once per process."""

from __future__ import annotations

import asyncio
import socket
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa.core.actions.action import ActionBotResponse, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import metrics as metrics_module
from bot.directory import Directory
from bot.metrics import Metrics, TurnCounts
from bot.settings import SettingsError, load_settings
from deploy.launcher import free_port
from extensions.turn_counts import turn_counts

ROOT = Path(__file__).resolve().parent.parent
CANARY = "zorglub-metrics-canary"
EMERGENCY_LINES = ("112", "15", "17", "114", "3114", "119")


@pytest.fixture(scope="module")
def domain() -> Domain:
    with warnings.catch_warnings():  # Rasa 3.6 warns "slot auto-fill removed" on every domain
        warnings.simplefilter("ignore", UserWarning)
        return Domain.load(str(ROOT / "domain.yml"))


def tracker(domain: Domain, events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("a-pseudonymous-id", events, slots=domain.slots)


def user(intent: str, channel: str = "webchat", text: str = CANARY) -> list[Event]:
    return [
        ActionExecuted("action_listen"),
        UserUttered(text, intent={"name": intent, "confidence": 1.0}, input_channel=channel),
    ]


async def domain_response(domain: Domain, name: str) -> list[Event]:
    """What Rasa records when a rule runs a response of domain.yml."""
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    empty = DialogueStateTracker.from_events("x", [], slots=domain.slots)
    events: list[Event] = [ActionExecuted(name)]
    events += await ActionBotResponse(name).run(CollectingOutputChannel(), nlg, empty, domain)
    return events


async def action_responses(
    domain: Domain, action: str, responses: list[dict[str, Any]]
) -> list[Event]:
    """What Rasa records when a custom action sends `dispatcher.utter_message(response=...)`."""
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    empty = DialogueStateTracker.from_events("x", [], slots=domain.slots)
    uttered = await RemoteAction._utter_responses(responses, CollectingOutputChannel(), nlg, empty)
    return [ActionExecuted(action), *uttered]


def victim_turn() -> list[Event]:
    return [
        *user("victim"),
        SlotSet("role", "victim"),
        ActionExecuted("action_route"),
        BotUttered("Merci de m'en parler.", metadata={"utter_action": "utter_victim_first"}),
        SlotSet("kit_role", "victim"),
        ActionExecuted("action_listen"),
    ]


# ---- what a turn adds


def test_a_victim_turn_counts_the_channel_and_the_role(
    domain: Domain, directory: Directory
) -> None:
    counts = turn_counts(tracker(domain, victim_turn()), directory)
    assert counts == TurnCounts(channel="webchat", role="victim", emergency=False, lines=())


def test_saying_the_same_role_again_does_not_count_it_twice(
    domain: Domain, directory: Directory
) -> None:
    events = [*victim_turn(), *user("victim"), SlotSet("role", "victim")]
    counts = turn_counts(tracker(domain, events), directory)
    assert counts == TurnCounts(channel="webchat", role=None)


def test_a_witness_who_turns_out_to_be_the_victim_counts_the_new_role(
    domain: Domain, directory: Directory
) -> None:
    events = [*user("witness", "sms"), SlotSet("role", "witness"), *user("victim", "sms")]
    events.append(SlotSet("role", "victim"))
    counts = turn_counts(tracker(domain, events), directory)
    assert counts == TurnCounts(channel="sms", role="victim")


def test_a_role_in_a_new_session_counts_again(domain: Domain, directory: Directory) -> None:
    events = [*victim_turn(), ActionExecuted("action_session_start"), SessionStarted()]
    events += [*user("victim", "telegram"), SlotSet("role", "victim")]
    counts = turn_counts(tracker(domain, events), directory)
    assert counts == TurnCounts(channel="telegram", role="victim")


async def test_an_emergency_turn_counts_the_emergency_and_its_lines(
    domain: Domain, directory: Directory
) -> None:
    events = [*victim_turn(), *user("emergency", "telegram")]
    events += await domain_response(domain, "utter_emergency")
    events += await domain_response(domain, "utter_ask_safe")
    counts = turn_counts(tracker(domain, events), directory)
    assert counts == TurnCounts(channel="telegram", emergency=True, lines=EMERGENCY_LINES)
    assert list(EMERGENCY_LINES) == directory.lines_for("emergency")


async def test_the_emergency_reply_counts_even_when_the_intent_was_another(
    domain: Domain, directory: Directory
) -> None:
    events = [*user("out_of_scope")] + await domain_response(domain, "utter_emergency")
    counts = turn_counts(tracker(domain, events), directory)
    assert counts is not None and counts.emergency and counts.lines == EMERGENCY_LINES


async def test_a_handoff_turn_counts_the_line_the_action_sent(
    domain: Domain, directory: Directory
) -> None:
    responses = [
        {"response": "utter_handoff", "line": "3018", "chat": "https://www.3018.fr"},
        {"response": "utter_line_open", "line": "3018", "hours": "de 9h à 23h"},
    ]
    events = [*victim_turn(), *user("ask_human", "sms")]
    events += await action_responses(domain, "action_handoff", responses)
    counts = turn_counts(tracker(domain, events), directory)
    assert counts == TurnCounts(channel="sms", lines=("3018",))


async def test_opening_hours_alone_are_not_a_handoff(domain: Domain, directory: Directory) -> None:
    responses = [{"response": "utter_line_closed_today", "line": "3018", "hours": "9h-23h",
                  "opens": "9h"}, {"response": "utter_urgent_lines"}]  # fmt: skip
    events = [*user("ask_hours")] + await action_responses(domain, "action_tell_hours", responses)
    counts = turn_counts(tracker(domain, events), directory)
    assert counts == TurnCounts(channel="webchat")


async def test_a_turn_with_nothing_to_count_counts_only_the_turn(
    domain: Domain, directory: Directory
) -> None:
    events = [*user("greet")] + await domain_response(domain, "utter_greet")
    assert turn_counts(tracker(domain, events), directory) == TurnCounts(channel="webchat")


async def test_an_erase_turn_counts_only_the_turn(domain: Domain, directory: Directory) -> None:
    events = [*victim_turn(), *user("erase")]
    events += await domain_response(domain, "utter_erase_done")
    events += [ActionExecuted("action_restart"), Restarted()]
    assert turn_counts(tracker(domain, events), directory) == TurnCounts(channel="webchat")


def test_a_tracker_without_a_user_message_counts_nothing(
    domain: Domain, directory: Directory
) -> None:
    events: list[Event] = [ActionExecuted("action_session_start"), SessionStarted()]
    assert turn_counts(tracker(domain, events), directory) is None


# ---- the counters and their labels


def value(registry_owner: Metrics, name: str, **labels: str) -> float:
    found = registry_owner.registry.get_sample_value(name, labels)
    assert found is not None, (name, labels)
    return found


def test_every_known_series_starts_at_zero() -> None:
    fresh = Metrics(Directory.from_file().lines)
    assert value(fresh, "relais_turns_total", channel="sms") == 0
    assert value(fresh, "relais_roles_total", role="parent") == 0
    assert value(fresh, "relais_emergencies_total", channel="telegram") == 0
    assert value(fresh, "relais_handoffs_total", line="3114") == 0
    assert value(fresh, "relais_failures_total", channel="webchat", kind="refused_429") == 0


def test_a_turn_adds_one_to_each_of_its_counters() -> None:
    fresh = Metrics(Directory.from_file().lines)
    fresh.record_turn(TurnCounts("webchat", "victim", True, ("112", "3114", "112")))
    assert value(fresh, "relais_turns_total", channel="webchat") == 1
    assert value(fresh, "relais_roles_total", role="victim") == 1
    assert value(fresh, "relais_emergencies_total", channel="webchat") == 1
    assert value(fresh, "relais_handoffs_total", line="112") == 1
    assert value(fresh, "relais_handoffs_total", line="3114") == 1
    assert value(fresh, "relais_handoffs_total", line="3018") == 0


def test_unknown_values_are_counted_as_other_and_never_become_labels() -> None:
    fresh = Metrics(Directory.from_file().lines)
    fresh.record_turn(TurnCounts(CANARY, CANARY, True, (CANARY, "+33612345678")))
    fresh.record_failure(CANARY, CANARY)
    fresh.record_refused(CANARY, 418)
    assert value(fresh, "relais_turns_total", channel="other") == 1
    assert value(fresh, "relais_roles_total", role="other") == 1
    assert value(fresh, "relais_emergencies_total", channel="other") == 1
    assert value(fresh, "relais_handoffs_total", line="other") == 1
    assert value(fresh, "relais_failures_total", channel="other", kind="other") == 1
    assert value(fresh, "relais_failures_total", channel="other", kind="refused_other") == 1
    from prometheus_client import generate_latest

    scrape = generate_latest(fresh.registry).decode()
    assert CANARY not in scrape and "33612345678" not in scrape


def test_failures_are_counted_per_channel_and_kind() -> None:
    fresh = Metrics(Directory.from_file().lines)
    fresh.record_failure("telegram", "channel_send_failed")
    fresh.record_refused("sms", 403)
    fresh.record_refused("sms", 403)
    assert value(fresh, "relais_failures_total", channel="telegram", kind="channel_send_failed")
    assert value(fresh, "relais_failures_total", channel="sms", kind="refused_403") == 2


def test_every_line_of_the_directory_is_counted_under_its_id(directory: Directory) -> None:
    """The counted lines are read from `data/helplines.yml`, like the replies' numbers."""
    fresh = Metrics(directory.lines)
    fresh.record_turn(TurnCounts(channel="sms", lines=(*directory.lines, "0800000000")))
    for line in directory.lines:
        assert value(fresh, "relais_handoffs_total", line=line) == 1, line
    assert value(fresh, "relais_handoffs_total", line="other") == 1


# ---- settings and the server


@pytest.mark.parametrize("raw", ["abc", "0", "70000", "-1"])
def test_a_bad_metrics_port_stops_with_its_name(raw: str) -> None:
    with pytest.raises(SettingsError, match="METRICS_PORT"):
        load_settings({"METRICS_PORT": raw})


def test_metrics_settings() -> None:
    assert load_settings({}).metrics_port is None
    assert load_settings({}).metrics_addr == "127.0.0.1"
    settings = load_settings({"METRICS_PORT": "9102", "METRICS_ADDR": "0.0.0.0"})
    assert (settings.metrics_port, settings.metrics_addr) == (9102, "0.0.0.0")
    with pytest.raises(SettingsError, match="METRICS_ADDR"):
        load_settings({"METRICS_ADDR": "not an address"})


def test_the_server_starts_once_per_process_and_a_taken_port_stops_with_its_name() -> None:
    assert metrics_module.serve(load_settings({})) is False  # no METRICS_PORT: no server
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = load_settings({"METRICS_PORT": str(taken.getsockname()[1])})
        with pytest.raises(SettingsError, match="METRICS_PORT"):
            metrics_module.serve(busy)
    port = free_port()
    assert metrics_module.serve(load_settings({"METRICS_PORT": str(port)})) is True
    assert metrics_module.serve(load_settings({"METRICS_PORT": str(free_port())})) is False
    scrape = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    assert 'relais_turns_total{channel="webchat"}' in scrape


def histogram(name: str, channel: str) -> tuple[float, float]:
    """(count, sum) of the process's turn latency histogram for one channel."""
    registry = metrics_module.metrics().registry
    count = registry.get_sample_value(f"{name}_count", {"channel": channel})
    total = registry.get_sample_value(f"{name}_sum", {"channel": channel})
    assert count is not None and total is not None
    return count, total


async def test_every_turn_and_every_fail_safe_reply_is_timed_per_channel() -> None:
    from rasa.core.channels.channel import UserMessage

    from channels.turn import run_turn

    async def slow(message: UserMessage) -> None:
        await asyncio.sleep(0.05)
        await message.output_channel.send_text_message(message.sender_id, "réponse")

    async def broken(_: UserMessage) -> None:
        raise RuntimeError("the model is gone")

    before = histogram("relais_turn_seconds", "sms")
    for handler in (slow, broken):
        collector = CollectingOutputChannel()
        message = UserMessage(CANARY, collector, "a-pseudonymous-id", input_channel="sms")
        assert await run_turn(handler, message, collector)  # an answer, even from `broken`
    after = histogram("relais_turn_seconds", "sms")
    assert after[0] - before[0] == 2
    assert after[1] - before[1] >= 0.05


def test_latency_buckets_hold_the_alerts_one_second_and_unknown_channels_are_other() -> None:
    fresh = Metrics(Directory.from_file().lines)
    assert 1.0 in metrics_module.LATENCY_BUCKETS
    fresh.record_turn_seconds(CANARY, 0.2)
    assert value(fresh, "relais_turn_seconds_count", channel="other") == 1
    assert value(fresh, "relais_turn_seconds_bucket", channel="other", le="0.25") == 1
    assert value(fresh, "relais_turn_seconds_bucket", channel="other", le="0.1") == 0
    assert value(fresh, "relais_turn_seconds_count", channel="webchat") == 0
    assert CANARY not in str(list(fresh.registry.collect()))
