"""Ops without text: Prometheus counters of turns, roles, emergencies, hand-offs and failures,
the turn latency per channel, and the result of each readiness check.

Every label comes from a closed set below; anything else is counted as "other". No label ever
holds what someone wrote, a sender id or a phone number. The counters live in one registry per
process, built on first use, and `serve` exposes it on `METRICS_PORT` (once per process).
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from bot.directory import Directory
from bot.roles import ROLES
from bot.settings import Settings, SettingsError

__all__ = [
    "CHANNELS",
    "FAILURES",
    "LATENCY_BUCKETS",
    "OTHER",
    "READY_CHECKS",
    "REFUSED_STATUSES",
    "ROLES",
    "Metrics",
    "TurnCounts",
    "metrics",
    "record_failure",
    "record_readiness",
    "record_refused",
    "record_turn",
    "record_turn_seconds",
    "serve",
]

OTHER = "other"
CHANNELS = ("webchat", "telegram", "sms")
FAILURES = ("turn_failed", "turn_timeout", "failsafe", "channel_send_failed")
REFUSED_STATUSES = (400, 401, 403, 409, 413, 415, 429, 503)
# Seconds from a channel's request to the bot's reply; the alert rule's 1 s is a bucket bound.
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
READY_CHECKS = ("model", "redis", "actions")  # what `/health/ready` checks (bot/health.py)


def _closed(value: str | None, allowed: Collection[str]) -> str:
    return value if value is not None and value in allowed else OTHER


@dataclass(frozen=True)
class TurnCounts:
    """What one turn adds to the counters (read from the tracker by `extensions.turn_counts`)."""

    channel: str
    role: str | None = None  # the role the conversation took in this turn, if it took one
    emergency: bool = False
    lines: tuple[str, ...] = field(default_factory=tuple)  # lines handed off to, no repeats


class Metrics:
    """The counters, in a registry of their own. Every known series starts at 0.

    `lines`: the line ids a hand-off may name (those of `data/helplines.yml`)."""

    def __init__(self, lines: Collection[str]) -> None:
        self.lines = tuple(lines)
        self.registry = CollectorRegistry(auto_describe=True)
        self.turns = Counter(
            "relais_turns", "Messages answered, per channel.", ["channel"], registry=self.registry
        )
        self.roles = Counter(
            "relais_roles",
            "Conversations that took a role (victim, witness, parent), or changed to it.",
            ["role"],
            registry=self.registry,
        )
        self.emergencies = Counter(
            "relais_emergencies",
            "Turns that gave the emergency reply, per channel.",
            ["channel"],
            registry=self.registry,
        )
        self.handoffs = Counter(
            "relais_handoffs",
            "Hand-offs to a line: the emergency reply's lines, or the line of 'talk to someone'.",
            ["line"],
            registry=self.registry,
        )
        self.failures = Counter(
            "relais_failures",
            "Failed turns, fail-safe replies, failed sends and refused requests, per channel.",
            ["channel", "kind"],
            registry=self.registry,
        )
        self.turn_seconds = Histogram(
            "relais_turn_seconds",
            "Seconds to answer a message (the fail-safe reply included), per channel.",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.ready = Gauge(
            "relais_ready_check",
            "1 when the latest readiness check of this dependency passed, else 0.",
            ["check"],
            registry=self.registry,
        )
        channels = (*CHANNELS, OTHER)
        for channel in channels:
            self.turns.labels(channel=channel)
            self.turn_seconds.labels(channel=channel)
            self.emergencies.labels(channel=channel)
            for kind in (*FAILURES, *(_refused_kind(s) for s in REFUSED_STATUSES), "refused_other"):
                self.failures.labels(channel=channel, kind=kind)
        for role in (*ROLES, OTHER):
            self.roles.labels(role=role)
        for line in (*self.lines, OTHER):
            self.handoffs.labels(line=line)

    def record_turn(self, counts: TurnCounts) -> None:
        channel = _closed(counts.channel, CHANNELS)
        self.turns.labels(channel=channel).inc()
        if counts.role is not None:
            self.roles.labels(role=_closed(counts.role, ROLES)).inc()
        if counts.emergency:
            self.emergencies.labels(channel=channel).inc()
        for line in dict.fromkeys(_closed(line, self.lines) for line in counts.lines):
            self.handoffs.labels(line=line).inc()

    def record_failure(self, channel: str | None, kind: str) -> None:
        self.failures.labels(channel=_closed(channel, CHANNELS), kind=_closed(kind, FAILURES)).inc()

    def record_refused(self, channel: str | None, status: int) -> None:
        kind = _refused_kind(status) if status in REFUSED_STATUSES else "refused_other"
        self.failures.labels(channel=_closed(channel, CHANNELS), kind=kind).inc()

    def record_turn_seconds(self, channel: str | None, seconds: float) -> None:
        self.turn_seconds.labels(channel=_closed(channel, CHANNELS)).observe(seconds)

    def record_readiness(self, checks: dict[str, bool]) -> None:
        """Sets the gauge of each check that ran (a check that does not apply has no series)."""
        for check, passed in checks.items():
            self.ready.labels(check=_closed(check, READY_CHECKS)).set(1 if passed else 0)


def _refused_kind(status: int) -> str:
    return f"refused_{status}"


@lru_cache(maxsize=1)
def metrics() -> Metrics:
    """The process's counters, built on first use, for the lines of the directory."""
    return Metrics(Directory.from_file().lines)


def record_turn(counts: TurnCounts) -> None:
    metrics().record_turn(counts)


def record_failure(channel: str | None, kind: str) -> None:
    metrics().record_failure(channel, kind)


def record_refused(channel: str | None, status: int) -> None:
    metrics().record_refused(channel, status)


def record_turn_seconds(channel: str | None, seconds: float) -> None:
    metrics().record_turn_seconds(channel, seconds)


def record_readiness(checks: dict[str, bool]) -> None:
    metrics().record_readiness(checks)


_started: list[int] = []  # the port this process serves on, once started
_serving_lock = threading.Lock()


def serve(settings: Settings) -> bool:
    """Starts the metrics HTTP server once per process when `METRICS_PORT` is set.

    True when this call started it. A port already taken stops the start-up with its name: one
    metrics port serves one Rasa process (run it with `SANIC_WORKERS=1`).
    """
    port = settings.metrics_port
    if port is None:
        return False
    with _serving_lock:
        if _started:
            return False
        try:
            start_http_server(port, addr=settings.metrics_addr, registry=metrics().registry)
        except OSError as error:
            raise SettingsError(
                f"METRICS_PORT {port} on {settings.metrics_addr} cannot be used: {error.strerror}"
            ) from error
        _started.append(port)
        return True
