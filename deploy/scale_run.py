"""`deploy.scale` in a child process, for the scale test and the bench: started with its own
Redis, waited for until it describes what it runs (`--info-file`), stopped with what was left.

    run = start_scale(2, workdir, {"WEBCHAT_RATE_LIMIT": "1000"})
    try:
        ...run.topology["url"], run.topology["replicas"]...
    finally:
        status, left = run.stop()
"""

from __future__ import annotations

import json
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.launcher import PYTHON_ENV, Part, StartError, wait_ready

__all__ = ["ScaleRun", "start_scale"]

START_TIMEOUT = 600.0  # deploy.scale's own limit, and Redis, the actions and nginx before it


@dataclass
class ScaleRun:
    launcher: Part
    topology: dict[str, Any]  # deploy.scale's --info-file: URLs, origins, parts with their pids
    workdir: Path

    @property
    def log(self) -> Path:
        """What deploy.scale itself printed (its banner, a replica leaving or coming back)."""
        return self.workdir / "launcher.log"

    def stop(self, timeout: float = 90.0) -> tuple[int | None, list[int]]:
        """SIGTERM to deploy.scale; its exit status, and the pids of the parts that outlived it
        (killed now)."""
        status = self.launcher.stop(timeout)
        left = [part["pid"] for part in self.topology["parts"] if _alive(part["pid"])]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        return status, left


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def start_scale(
    replicas: int,
    workdir: Path,
    env: dict[str, str],
    model: Path | None = None,
    access_log: bool = True,
) -> ScaleRun:
    """Starts `python -m deploy.scale` on a free port with its own Redis and the demo origins,
    `env` on top; returns once everything answers, or raises a `StartError` with its log's end."""
    info = workdir / "info.json"
    command = [
        sys.executable, "-m", "deploy.scale", "--replicas", str(replicas), "--port", "0",
        "--workdir", str(workdir), "--info-file", str(info),
    ]  # fmt: skip
    if model is not None:
        command += ["--model", str(model)]
    if not access_log:
        command.append("--no-access-log")
    # Empty is unset for both: a Redis of its own, and its own page's origins.
    own = {"REDIS_URL": "", "WEBCHAT_ALLOWED_ORIGINS": ""}
    launcher = Part(
        "deploy.scale",
        command,
        url=info.as_uri(),
        log=workdir / "launcher.log",
        env={**PYTHON_ENV, **own, **env},
    )
    launcher.start()
    try:
        wait_ready([launcher], START_TIMEOUT)
    except StartError:
        launcher.stop()
        raise
    return ScaleRun(launcher, json.loads(info.read_text()), workdir)
