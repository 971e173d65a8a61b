"""Real processes for tests, started by the project's launcher (`deploy/launcher.py`): an action
server, a Rasa server, Redis; their logs under `tests/.artifacts/`."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from deploy.launcher import (
    Part,
    actions_part,
    free_port,
    rasa_part,
    redis_part,
    wait_ready,
)

ROOT = Path(__file__).resolve().parent.parent


def artifacts_dir() -> Path:
    """Where the served processes' logs go (kept after the run, ignored by git)."""
    path = ROOT / "tests" / ".artifacts"
    path.mkdir(exist_ok=True)
    return path


class ActionServer:
    """`python -m rasa_sdk --actions <package>` on a fixed free port; can stop and start again.

    Everything each start writes goes to a file of its own: `self.logs`, the latest `self.log`."""

    def __init__(self, package: str = "actions", extra_env: dict[str, str] | None = None) -> None:
        self.package = package
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        self.logs: list[Path] = []
        self.extra_env = extra_env or {}
        self._part: Part | None = None

    @property
    def log(self) -> Path:
        return self.logs[-1]

    @property
    def pid(self) -> int | None:
        return self._part.pid if self._part is not None else None

    def start(self) -> ActionServer:
        self.logs.append(artifacts_dir() / f"actions-{self.port}-{len(self.logs) + 1}.log")
        self._part = actions_part(self.port, self.log, self.extra_env, self.package)
        self._part.start()
        wait_ready([self._part], 90)
        return self

    def stop(self) -> None:
        if self._part is not None:
            self._part.stop()
        self._part = None


@contextmanager
def action_server(package: str = "actions") -> Iterator[str]:
    """Starts the action server; yields its webhook URL."""
    with running_action_server(package) as server:
        yield server.url


@contextmanager
def running_action_server(
    package: str = "actions", extra_env: dict[str, str] | None = None
) -> Iterator[ActionServer]:
    server = ActionServer(package, extra_env).start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def rasa_server(
    action_url: str,
    model: Path,
    extra_env: dict[str, str] | None = None,
    embedders: tuple[str, ...] = (),
) -> Iterator[tuple[str, Path, int]]:
    """Starts `rasa run` with our credentials and endpoints; yields its base URL, log file and
    process id.

    The web chat allows the server's own origin and `embedders` (publishers' sites)."""
    port = free_port()
    origins = (f"http://127.0.0.1:{port}", *embedders)
    env = {"LOG_LEVEL": "INFO", **(extra_env or {})}
    log = artifacts_dir() / f"rasa-{port}.log"
    server = rasa_part("rasa", port, model, origins, action_url, log, env)
    server.start()
    try:
        wait_ready([server], 400)  # a model load on busy cores is slow
        yield f"http://127.0.0.1:{port}", log, server.pid
    finally:
        server.stop(timeout=30)


class RedisServer:
    """A real `redis-server` on a free loopback port, with its data in a temporary directory.

    It writes an append-only file, so `stop()` then `start()` keeps what was stored, as a
    production Redis with persistence does; `stop()` alone is "Redis is down".
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.mkdtemp(prefix="relais-redis-")
        log = artifacts_dir() / f"redis-{self.port}.log"
        self._part = redis_part(self.port, self.data_dir, log, fsync="always")

    @property
    def data_dir(self) -> Path:
        """Where it writes its files (the append-only file, any snapshot)."""
        return Path(self._dir)

    def start(self) -> RedisServer:
        self._part.start()
        wait_ready([self._part], 20)
        return self

    def stop(self) -> None:
        self._part.stop()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.close()
