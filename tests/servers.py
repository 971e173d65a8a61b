"""Real processes for tests: a free loopback port, an action server, waiting for readiness."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_http(url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer in {timeout} s")


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
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.logs[-1]

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> ActionServer:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            **self.extra_env,
        }
        command = [sys.executable, "-m", "rasa_sdk", "--actions", self.package]
        self.logs.append(artifacts_dir() / f"actions-{self.port}-{len(self.logs) + 1}.log")
        with open(self.log, "wb") as log:
            self._process = subprocess.Popen(
                [*command, "--port", str(self.port)], cwd=ROOT, env=env, stdout=log, stderr=log
            )
        wait_http(f"http://127.0.0.1:{self.port}/health")
        return self

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=20)
        self._process = None


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
    origin = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "ACTION_ENDPOINT_URL": action_url,
        "LOG_LEVEL": "INFO",
        "WEBCHAT_ALLOWED_ORIGINS": ",".join((origin, *embedders)),
        **(extra_env or {}),
    }
    command = [
        sys.executable, "-m", "rasa", "run", "--model", str(model),
        "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
        "--interface", "127.0.0.1", "--port", str(port), "--cors", origin,
    ]  # fmt: skip
    log_path = artifacts_dir() / f"rasa-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            # 503 until the model is loaded; a model load on busy cores is slow
            wait_http(f"http://127.0.0.1:{port}/health/ready", timeout=400)
            yield f"http://127.0.0.1:{port}", log_path, process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)


class RedisServer:
    """A real `redis-server` on a free loopback port, with its data in a temporary directory.

    It writes an append-only file, so `stop()` then `start()` keeps what was stored, as a
    production Redis with persistence does; `stop()` alone is "Redis is down".
    """

    def __init__(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise RuntimeError("redis-server is missing: run `make system-deps`")
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.mkdtemp(prefix="relais-redis-")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def data_dir(self) -> Path:
        """Where it writes its files (the append-only file, any snapshot)."""
        return Path(self._dir)

    def start(self) -> RedisServer:
        command = [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self._dir,
            "--save", "", "--appendonly", "yes", "--appendfsync", "always",
            "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning",
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise TimeoutError("redis-server did not start")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            self._process.wait(timeout=20)
        self._process = None

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
