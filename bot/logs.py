"""Logs that never hold what someone wrote, a number, an id or a secret: JSON lines of events.

One setup for every process: the served Rasa server and the action server install it at start
(`install_served_logging`, called by the connectors and by the action server's plugin), the CLI
and the tests with `configure_logging`. Every line is one JSON object:

    {"timestamp": "2026-11-30T20:42:00.123Z", "level": "info", "event": "turn.answered",
     "logger": "channels.turn", "process": "rasa", "replica": "relais-0", "channel": "sms", ...}

- `timestamp` (UTC, ISO 8601, milliseconds), `level` (debug, info, warning, error, critical),
  `event` (an event name such as `turn.failed`; for a library's own line, its message),
  `logger`, `process` (`rasa`, `actions`, or the CLI's name), `replica` (`REPLICA_NAME`, else the
  host name) are always there; `channel` (webchat, telegram, sms) when the line was written while
  handling that channel's request; other keys are the event's fields.
- `redact` drops every field whose name may carry text, bodies, numbers, ids, payloads, URLs or
  secrets, whoever logged it (Rasa's own structured events too).
- A library's plain log line (not a structured event) is kept from INFO up, with every URL cut
  to its scheme and host (a Telegram Bot API URL holds the bot token) and with the values of the
  secrets in the environment masked; below INFO it is dropped: Rasa's and the HTTP clients'
  DEBUG lines print message texts, payloads, chat ids and URLs. Sanic's access log (client
  addresses) is dropped at every level.
- An exception is logged as its type and the frames (`file:line function`), never its message,
  which may quote what someone wrote.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import sys
import traceback
from collections.abc import Mapping, MutableMapping
from datetime import datetime, timezone
from typing import Any, TextIO

import structlog

__all__ = [
    "SENSITIVE_KEY_PARTS",
    "JsonLinesFormatter",
    "bind_channel",
    "configure_logging",
    "install_served_logging",
    "keep_served_format",
    "redact",
]

# A field is dropped when its lowercase name contains one of these.
SENSITIVE_KEY_PARTS = (
    "text",
    "body",
    "message",
    "phone",
    "from",
    "sender",
    "tracker",
    "parse_data",
    "entit",
    "slot",
    "events",
    "rasa_event",
    "response",
    "user",
    "states",
    "token",
    "json",
    "successes",
    "chat",
    "conversation",
    "url",
    "payload",
    "secret",
    "password",
    "auth",
    "args",
)
ALWAYS_KEPT = ("timestamp", "level", "event", "logger", "process", "replica", "channel")
# Our own packages: their plain log lines are events without text, kept at every level.
OWN_LOGGERS = ("bot", "channels", "extensions", "actions", "deploy", "rasa_sdk_plugins", "bench")
DROPPED_LOGGERS = ("sanic.access",)  # the client's address and the path of every request
SECRET_VARIABLES = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_SECRET_TOKEN", "TWILIO_AUTH_TOKEN",
                    "PSEUDONYM_KEY")  # fmt: skip
MASK = "[secret]"
_URL = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)([^/\s\"'<>?#]+)([^\s\"'<>]*)")
_TELEGRAM_TOKEN = re.compile(r"\b[0-9]{5,}:[A-Za-z0-9_-]{20,}")
MAX_FRAMES = 12


def redact(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if key in ALWAYS_KEPT:
            continue
        if any(part in key.lower() for part in SENSITIVE_KEY_PARTS):
            del event_dict[key]
    return event_dict


def bind_channel(channel: str | None) -> None:
    """Every line written from now on in this task (this request) names the channel; None: no
    channel any more (a task serves the requests of one keep-alive connection in turn)."""
    if channel is None:
        structlog.contextvars.unbind_contextvars("channel")
    else:
        structlog.contextvars.bind_contextvars(channel=channel)


def _own(name: str) -> bool:
    return name.split(".", 1)[0] in OWN_LOGGERS


def cut_urls(text: str) -> str:
    """`https://api.telegram.org/bot<token>/sendMessage?x=1` -> `https://api.telegram.org/…`."""
    return _URL.sub(lambda m: m.group(1) + m.group(2).rsplit("@", 1)[-1] + ("/…" if m.group(3)
                    else ""), text)  # fmt: skip


def _secrets(env: Mapping[str, str]) -> tuple[str, ...]:
    """The values to mask wherever they appear (4 characters or more, longest first)."""
    values = [env.get(name) or "" for name in SECRET_VARIABLES]
    redis_url = env.get("REDIS_URL") or ""
    if "@" in redis_url:  # redis://user:password@host
        credentials = redis_url.split("://", 1)[-1].rsplit("@", 1)[0]
        values.append(credentials.split(":", 1)[-1])
    token = env.get("TELEGRAM_BOT_TOKEN") or ""
    if ":" in token:
        values.append(token.split(":", 1)[1])
    return tuple(sorted({v for v in values if len(v) >= 4}, key=len, reverse=True))


class _Keep(logging.Filter):
    """Which records are written (see the module's docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name in DROPPED_LOGGERS:
            return False
        if isinstance(record.msg, dict) or _own(record.name):
            return True  # a structured event (keys redacted), or our own line
        return record.levelno >= logging.INFO


class JsonLinesFormatter(logging.Formatter):
    """Any record, structured or plain, as one redacted JSON line."""

    def __init__(self, process: str, replica: str, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._process = process
        self._replica = replica
        self._secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any]
        if isinstance(record.msg, dict):  # a structlog event (see `_structlog_to_stdlib`)
            fields = dict(record.msg)
        elif _own(record.name):
            fields = {"event": record.getMessage()}
        else:
            message = record.getMessage()
            fields = _rendered_event(message) or {"event": cut_urls(message)}
        exc_info = fields.pop("exc_info", None) or record.exc_info
        for key in ("stack_info", "exception", "positional_args", "_record", "_from_structlog"):
            fields.pop(key, None)
        fields.update(structlog.contextvars.get_contextvars())
        redact(None, "", fields)
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, timezone.utc)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "event": str(fields.pop("event", "")).strip(),
            "logger": record.name,
            "process": self._process,
            "replica": self._replica,
        }
        if "channel" in fields:
            line["channel"] = fields.pop("channel")
        line.update(_exception_fields(exc_info))
        line.update(fields)
        return self._mask(json.dumps(line, default=str, ensure_ascii=False))

    def _mask(self, line: str) -> str:
        for secret in self._secrets:
            line = line.replace(secret, MASK)
        return _TELEGRAM_TOKEN.sub(MASK, line)


def _rendered_event(message: str) -> dict[str, Any] | None:
    """A structlog event some library rendered to JSON itself (Rasa's loggers, when bound before
    this setup): its fields, to be redacted like any other."""
    if not (message.startswith("{") and message.endswith("}")):
        return None
    try:
        fields = json.loads(message)
    except ValueError:
        return None
    if not isinstance(fields, dict) or "event" not in fields:
        return None
    fields.pop("level", None)
    fields.pop("timestamp", None)
    return fields


def _exception_fields(exc_info: Any) -> dict[str, Any]:
    if exc_info is True:
        exc_info = sys.exc_info()
    if not isinstance(exc_info, tuple) or exc_info[0] is None:
        if isinstance(exc_info, BaseException):
            exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
        else:
            return {}
    error_type, _, trace = exc_info
    frames = traceback.extract_tb(trace)[-MAX_FRAMES:]
    return {
        "error": error_type.__name__,
        "frames": [f"{os.path.basename(f.filename)}:{f.lineno} {f.name}" for f in frames],
    }


def _structlog_to_stdlib(logger: Any, method: str, event_dict: MutableMapping[str, Any]) -> Any:
    """structlog's last processor: hand the event, as a dict, to the stdlib logger."""
    return (dict(event_dict),), {}


def _configure_structlog(level: int) -> None:
    structlog.configure(
        processors=[_structlog_to_stdlib],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(level),
        context_class=dict,
        cache_logger_on_first_use=False,
    )


def _handler(process: str, stream: TextIO, env: Mapping[str, str]) -> logging.Handler:
    replica = env.get("REPLICA_NAME") or socket.gethostname()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLinesFormatter(process, replica, _secrets(env)))
    handler.addFilter(_Keep())
    handler.set_name("relais-json-lines")
    return handler


def configure_logging(
    level: int = logging.INFO, stream: TextIO | None = None, process: str = "cli"
) -> None:
    """The CLI's and the tests' logs: JSON lines to stderr at `level` or above, redacted.

    Adds the handler next to any the root logger has (pytest's own, in the tests)."""
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != "relais-json-lines"]
    root.addHandler(_handler(process, stream or sys.stderr, os.environ))
    root.setLevel(level)
    _configure_structlog(level)


_served: list[logging.Handler] = []


def install_served_logging(process: str, env: Mapping[str, str] | None = None) -> None:
    """The served process's logs: every logger writes through one JSON-lines handler on stderr.

    `LOG_LEVEL` (default INFO) is the level of our events and of Rasa's structured events.
    The first call installs; later calls (once the server has set up its own loggers) adopt any
    logger that stopped propagating to the root logger (Sanic's, TensorFlow's) and drop the
    handlers others added, so no line escapes the format.
    """
    env = os.environ if env is None else env
    if not _served:
        level_name = (env.get("LOG_LEVEL") or "INFO").upper()
        level = logging.getLevelName(level_name)
        if not isinstance(level, int):
            level = logging.INFO
        _served.append(_handler(process, sys.stderr, env))
        logging.captureWarnings(True)
        logging.getLogger().setLevel(level)
        _configure_structlog(level)
    _adopt_every_logger(_served[0])


def keep_served_format() -> None:
    """In a served process, adopt the loggers set up since the install; elsewhere, nothing."""
    if _served:
        _adopt_every_logger(_served[0])


def _adopt_every_logger(handler: logging.Handler) -> None:
    logging.getLogger().handlers = [handler]
    for logger in list(logging.root.manager.loggerDict.values()):
        if not isinstance(logger, logging.Logger):
            continue  # a placeholder for a logger not created yet
        if logger.propagate:
            logger.handlers = []
        else:  # Sanic's, TensorFlow's: set apart by their libraries, kept in the format
            logger.handlers = [handler]
