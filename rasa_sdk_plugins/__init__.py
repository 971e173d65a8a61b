"""The action server's start-up hook: its logging, and listening on loopback by default.

rasa_sdk 3.6 imports a package named `rasa_sdk_plugins`, if there is one, when the action server
starts (`rasa_sdk/plugin.py`: `python -m rasa_sdk` and `rasa run actions` alike), and calls its
`attach_sanic_app_extensions` hook with the Sanic app, after the actions are registered and just
before it reads `SANIC_HOST` and starts listening. Nothing else imports it, so tests that import
`actions` see no change to their process. Each action call's log lines name the conversation's
channel (from the tracker Rasa sends), and a DEBUG event `action.request` names the action.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pluggy
import structlog

__all__ = ["attach_sanic_app_extensions", "init_hooks"]

hookimpl = pluggy.HookimplMarker("rasa_sdk")
log = structlog.get_logger(__name__)
LOOPBACK = "127.0.0.1"
CHANNELS = ("webchat", "telegram", "sms")  # closed: a tracker's channel name is not trusted


def init_hooks(manager: pluggy.PluginManager) -> None:
    """Called by rasa_sdk's plugin discovery."""
    manager.register(sys.modules[__name__])


@hookimpl
def attach_sanic_app_extensions(app: Any) -> None:
    from bot.logs import install_served_logging

    install_served_logging("actions")
    # The action server has no authentication: it listens where it is told (`SANIC_HOST`, e.g.
    # 0.0.0.0 in a pod the Rasa replicas reach over the network), else on loopback only. An
    # empty value counts as unset: Sanic would take "" for every interface.
    if not os.environ.get("SANIC_HOST", "").strip():
        os.environ["SANIC_HOST"] = LOOPBACK

    app.register_listener(_keep_format, "before_server_start")
    app.register_middleware(_log_request, "request")
    app.register_middleware(_forget_request, "response")


async def _keep_format(*_: Any) -> None:
    """Once Sanic has set up its loggers, they too write through the one format."""
    from bot.logs import keep_served_format

    keep_served_format()


async def _log_request(request: Any) -> None:
    """Each action call names its channel in the log lines it causes, and logs its action."""
    from bot.logs import bind_channel

    if not request.path.endswith("/webhook") or request.headers.get("Content-Encoding"):
        return  # a compressed call is read by rasa_sdk's handler itself
    try:
        call = request.json
    except Exception:  # rasa_sdk's handler answers a malformed call
        return
    if not isinstance(call, dict):
        return
    tracker = call.get("tracker")
    channel = tracker.get("latest_input_channel") if isinstance(tracker, dict) else None
    if channel in CHANNELS:
        bind_channel(channel)
    action = call.get("next_action")
    log.debug("action.request", action=action if isinstance(action, str) else None)


async def _forget_request(*_: Any) -> None:
    from bot.logs import bind_channel

    bind_channel(None)
