"""The container image's commands (`Containerfile`): one image, two servers, one health check.

    python -m deploy.container rasa          the Rasa server on :5005 (the image's default)
    python -m deploy.container actions       the action server on :5055
    python -m deploy.container healthcheck   exit 0 when either answers its liveness route

Both servers listen on every interface of the container: in Kubernetes the NetworkPolicy says
who may reach them (deploy/k8s/). The model is the one baked into the image (`RELAIS_MODEL`).
`HEALTHCHECK_HOST`, `HEALTHCHECK_RASA_PORT` and `HEALTHCHECK_ACTION_PORT` point the health
check elsewhere (the tests run it against local servers).
"""

from __future__ import annotations

import os
import sys
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from bot.settings import SettingsError
from bot.trained_model import model_archives
from deploy import launcher
from deploy.launcher import ACTION_PORT, RASA_PORT, allowed_origins

__all__ = ["ACTION_PORT", "RASA_PORT", "actions_command", "healthcheck", "main", "rasa_command"]

APP = Path(__file__).resolve().parent.parent


def _model(env: Mapping[str, str]) -> str:
    model = env.get("RELAIS_MODEL", "")
    if model:
        return model
    found = model_archives(APP / "models")
    if len(found) != 1:
        raise SystemExit(f"deploy.container: expected one model in {APP / 'models'}, not {found}")
    return str(found[0])


def rasa_command(env: Mapping[str, str]) -> list[str]:
    try:
        origins = allowed_origins(env, RASA_PORT)
    except SettingsError as error:
        raise SystemExit(f"deploy.container: {error}") from error
    return launcher.rasa_command(_model(env), RASA_PORT, origins, interface="0.0.0.0")


def actions_command(env: Mapping[str, str]) -> list[str]:
    return launcher.actions_command(ACTION_PORT)


def healthcheck(env: Mapping[str, str], timeout: float = 3.0) -> int:
    """0 when the Rasa server's `/health/live` or the action server's `/health` answers 200."""
    host = env.get("HEALTHCHECK_HOST", "127.0.0.1")
    rasa = int(env.get("HEALTHCHECK_RASA_PORT", RASA_PORT))
    actions = int(env.get("HEALTHCHECK_ACTION_PORT", ACTION_PORT))
    for url in (f"http://{host}:{rasa}/health/live", f"http://{host}:{actions}/health"):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as answer:
                if int(answer.status) == 200:
                    return 0
        except OSError:
            continue
    return 1


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    what = args[0] if args else "rasa"
    env = dict(os.environ)
    if what == "healthcheck":
        return healthcheck(env)
    commands = {"rasa": rasa_command, "actions": actions_command}
    if what not in commands or len(args) > 1:
        sys.stderr.write("usage: python -m deploy.container [rasa | actions | healthcheck]\n")
        return 2
    command = commands[what](env)
    os.chdir(APP)
    os.execv(command[0], command)  # the server becomes the container's main process


if __name__ == "__main__":
    sys.exit(main())
