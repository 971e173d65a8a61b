"""`make chat`: talk to the bot in the terminal (`rasa shell`), the action server in the background.

    python -m deploy.chat       (what `scripts/chat` runs)

The action server listens on `ACTION_PORT` (default 5055) and writes nowhere, so that only the
conversation shows; the shell reaches it at `ACTION_ENDPOINT_URL` (default: that server). Ctrl-C
goes to the shell as in any terminal program; when the shell ends, the action server stops.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from bot.settings import SettingsError
from bot.trained_model import NoModelError, newest_model
from deploy.launcher import StartError, actions_part, shell_part
from deploy.run import local_settings

__all__ = ["main"]

PREFIX = "make chat"


def main(env: Mapping[str, str] | None = None) -> int:
    try:
        settings = local_settings(os.environ if env is None else env)
        model = newest_model()
    except (SettingsError, NoModelError) as error:
        print(f"{PREFIX}: {error}", file=sys.stderr)
        return 1
    actions = actions_part(settings.action_port, log=Path(os.devnull))
    shell = shell_part(model, settings.action_url)
    try:
        actions.start()
        shell.start()
    except StartError as error:
        actions.stop()
        print(f"{PREFIX}: could not start: {error}", file=sys.stderr)
        return 1
    # The shell is the terminal's program now: Ctrl-C is its to handle, not ours.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return shell.wait()
    finally:
        actions.stop()


if __name__ == "__main__":
    sys.exit(main())
