"""`make run`: the action server and the Rasa server on localhost, in the foreground.

    python -m deploy.run        (what `scripts/run` runs)

`RASA_PORT` (default 5005) and `ACTION_PORT` (default 5055) are the ports; the Rasa server
reaches the actions at `ACTION_ENDPOINT_URL` (default: the action server just started). The web
chat allows `WEBCHAT_ALLOWED_ORIGINS` (default: its own demo page's two loopback origins), the
same list answering the browser's CORS preflight. Both servers write to this terminal; once the
Rasa server is ready the banner says where to open the bot. Ctrl-C stops both.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from bot.settings import SettingsError, read_port
from bot.trained_model import NoModelError, newest_model
from deploy.launcher import (
    ACTION_PORT,
    RASA_PORT,
    StartError,
    actions_part,
    allowed_origins,
    check_free,
    rasa_part,
    start_stages,
    stop_on_signals,
    supervise,
)

__all__ = ["LocalSettings", "local_settings", "main"]

START_TIMEOUT = 420.0  # a model load on 2 busy cores
PREFIX = "make run"


@dataclass(frozen=True)
class LocalSettings:
    """Where `make run` and `make chat` serve, from the environment."""

    port: int
    action_port: int
    action_url: str
    origins: tuple[str, ...]


def local_settings(env: Mapping[str, str]) -> LocalSettings:
    """The settings, or a `SettingsError` naming the variable that is wrong."""
    port = read_port(env, "RASA_PORT") or RASA_PORT
    action_port = read_port(env, "ACTION_PORT") or ACTION_PORT
    return LocalSettings(
        port=port,
        action_port=action_port,
        action_url=env.get("ACTION_ENDPOINT_URL") or f"http://127.0.0.1:{action_port}/webhook",
        origins=allowed_origins(env, port),
    )


def banner(port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    return f"""
  Relais is running (Ctrl-C stops it).
  Web chat demo page:  {base}/webhooks/webchat/demo
  Web chat API:        curl -s {base}/webhooks/webchat/webhook \\
                         -H 'Origin: {base}' -H 'Content-Type: application/json' \\
                         -d '{{"sender":"demo-user-1","message":"salut"}}'
  Terminal:  make chat
"""


def main(env: Mapping[str, str] | None = None) -> int:
    try:
        settings = local_settings(os.environ if env is None else env)
        model = newest_model()
        check_free(settings.port, "set RASA_PORT to another one")
        check_free(settings.action_port, "set ACTION_PORT to another one")
    except (SettingsError, NoModelError, StartError) as error:
        print(f"{PREFIX}: {error}", file=sys.stderr)
        return 1
    stop_on_signals()
    actions = actions_part(settings.action_port, log=None)
    rasa = rasa_part("rasa", settings.port, model, settings.origins, settings.action_url, log=None)
    status = start_stages([([actions, rasa], START_TIMEOUT)], PREFIX)
    if status is not None:
        return status
    print(banner(settings.port), flush=True)
    return supervise([actions, rasa], PREFIX)


if __name__ == "__main__":
    sys.exit(main())
