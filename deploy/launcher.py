"""The one launcher of the processes Relais runs: the Rasa server, the action server, Redis, nginx.

`make run` (`deploy.run`), `make chat` (`deploy.chat`), `make scale` (`deploy.scale`), the tests
(`tests/servers.py`) and the bench start their processes here, and the container image builds its
commands here (`deploy.container`). A process is a `Part`: its command, where its output goes,
and what answers once it is ready. A part runs in a process group of its own, so that Ctrl-C
reaches the launcher only, which stops the parts in order; and it receives SIGTERM if the
launcher dies without stopping it (Linux), so that nothing is left behind.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from bot.settings import demo_origins, parse_origins

__all__ = [
    "ACTION_PORT",
    "PYTHON_ENV",
    "RASA_PORT",
    "Part",
    "StartError",
    "Stopped",
    "actions_command",
    "actions_part",
    "allowed_origins",
    "check_free",
    "free_port",
    "nginx_binary",
    "nginx_part",
    "rasa_command",
    "rasa_part",
    "redis_part",
    "shell_part",
    "start_stages",
    "stop_all",
    "stop_on_signals",
    "supervise",
    "wait_ready",
]

ROOT = Path(__file__).resolve().parent.parent
RASA_PORT = 5005  # Rasa's default port: `make run`'s and the container's
ACTION_PORT = 5055  # rasa_sdk's default port
PYTHON_ENV = {"PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}


class StartError(RuntimeError):
    """A part did not start; the message says which and where its log is."""


class Stopped(Exception):
    """SIGINT or SIGTERM reached the launcher (once `stop_on_signals` is in force)."""


def free_port() -> int:
    """A TCP port nothing listens on now, on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def check_free(port: int, hint: str) -> None:
    """Raises a `StartError` (with `hint`, what to change) when `port` is taken on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers bind: a port whose last connections are closing is free, a listener not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as error:
            raise StartError(f"port {port} is taken ({hint})") from error


def _die_with_parent() -> None:
    """In the child: receive SIGTERM if the launcher dies without stopping us (Linux)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _own_group_dying_with_parent() -> None:
    _die_with_parent()
    os.setpgrp()  # Ctrl-C reaches the launcher only, which stops the parts in order


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class Part:
    """One process. `url` says when it is ready: an http URL answers 2xx, a redis:// URL answers
    a PING, a file:// URL exists (a file the process writes once ready), or "" (once running).
    `log` receives its output; None: the launcher's own terminal. An `interactive` part reads
    the terminal and stays in the launcher's process group."""

    name: str
    command: list[str]
    url: str
    log: Path | None
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    interactive: bool = False
    process: subprocess.Popen[bytes] | None = None
    _log_handle: IO[bytes] | None = None

    def start(self) -> None:
        if self.log is not None:
            # Kept open for the life of the process it collects, closed in stop().
            self._log_handle = open(self.log, "ab")  # noqa: SIM115
        try:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdin=None if self.interactive else subprocess.DEVNULL,
                stdout=self._log_handle,
                stderr=subprocess.STDOUT if self._log_handle else None,
                preexec_fn=_die_with_parent if self.interactive else _own_group_dying_with_parent,
            )
        except OSError as error:
            raise StartError(f"{self.name}: cannot run {self.command[0]}: {error}") from error

    @property
    def pid(self) -> int:
        return self.process.pid if self.process else 0

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def wait(self) -> int:
        """Waits until the process ends; its exit status."""
        if self.process is None:
            raise StartError(f"{self.name} was never started")
        return self.process.wait()

    def ready(self, timeout: float = 2.0) -> bool:
        if self.url.startswith("redis://"):
            return _redis_ping(self.port)
        if self.url.startswith("file://"):
            return Path(urllib.parse.urlparse(self.url).path).exists()
        if not self.url:
            return self.process is not None and self.exited() is None
        try:
            with urllib.request.urlopen(self.url, timeout=timeout) as answer:
                return 200 <= int(answer.status) < 300
        except OSError:
            return False

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout` seconds; the exit status (None: never started)."""
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None
        return None if process is None else process.returncode

    def log_end(self, lines: int = 15) -> str:
        """ "; its log (path) ends with:" and its last lines, to end a sentence about the part;
        "" when it writes to the launcher's terminal."""
        if self.log is None:
            return ""
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            text = []
        tail = "\n".join("    " + line for line in text[-lines:])
        return f"; its log ({self.log}) ends with:\n{tail}"

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "pid": self.pid, "port": self.port, "log": str(self.log)}


# ---- the commands, one place per kind of process


def allowed_origins(env: Mapping[str, str], port: int) -> tuple[str, ...]:
    """`WEBCHAT_ALLOWED_ORIGINS`, parsed as the web chat parses it (`bot.settings`), else the
    origins of the demo page of a server on `port`: what a launcher gives the Rasa server it
    starts, for the web chat and for `--cors` alike. A `SettingsError` names a malformed one."""
    raw = env.get("WEBCHAT_ALLOWED_ORIGINS", "")
    return parse_origins(raw, env.get("RELAIS_MODE", "demo")) or demo_origins(port)


def rasa_command(
    model: Path | str, port: int, origins: Sequence[str], interface: str = "127.0.0.1"
) -> list[str]:
    """`rasa run` with our channels and stores; the web chat's allowed origins also answer the
    browser's CORS preflight. Rasa's own HTTP API is not served."""
    command = [
        sys.executable, "-m", "rasa", "run", "--model", str(model),
        "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
        "--interface", interface, "--port", str(port),
    ]  # fmt: skip
    return [*command, "--cors", *origins] if origins else command


def actions_command(port: int, package: str = "actions") -> list[str]:
    return [sys.executable, "-m", "rasa_sdk", "--actions", package, "--port", str(port)]


def rasa_part(
    name: str,
    port: int,
    model: Path,
    origins: Sequence[str],
    action_url: str,
    log: Path | None,
    env: dict[str, str] | None = None,
) -> Part:
    """A Rasa server on loopback; the web chat allows `origins`, the same list as `--cors`."""
    return Part(
        name,
        rasa_command(model, port, origins),
        url=f"http://127.0.0.1:{port}/health/ready",  # 503 until the model is loaded
        log=log,
        env={
            **PYTHON_ENV,
            **(env or {}),
            "ACTION_ENDPOINT_URL": action_url,
            "WEBCHAT_ALLOWED_ORIGINS": ",".join(origins),
        },
        port=port,
    )


def actions_part(
    port: int, log: Path | None, env: dict[str, str] | None = None, package: str = "actions"
) -> Part:
    """The action server running `package` (the tests have a faulty one); it listens on
    loopback unless `SANIC_HOST` says otherwise."""
    return Part(
        "actions",
        actions_command(port, package),
        url=f"http://127.0.0.1:{port}/health",
        log=log,
        env={**PYTHON_ENV, **(env or {})},
        port=port,
    )


def shell_part(model: Path, action_url: str) -> Part:
    """`rasa shell` in this terminal (it reads the keyboard), with our actions."""
    command = [
        sys.executable, "-m", "rasa", "shell", "--model", str(model),
        "--endpoints", "endpoints.yml",
    ]  # fmt: skip
    env = {**PYTHON_ENV, "ACTION_ENDPOINT_URL": action_url}
    return Part("shell", command, url="", log=None, env=env, interactive=True)


def redis_part(
    port: int, data: Path, log: Path | None, fsync: Literal["always", "everysec"] = "everysec"
) -> Part:
    """`redis-server` on loopback with an append-only file in `data`: a stop then a start keeps
    what was stored, as a production Redis with persistence does."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise StartError("redis-server is missing: run `make system-deps`")
    command = [
        binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data),
        "--save", "", "--appendonly", "yes", "--appendfsync", fsync,
        "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning",
    ]  # fmt: skip
    return Part("redis", command, url=f"redis://127.0.0.1:{port}/0", log=log, port=port)


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        raise StartError("nginx is missing: run `make system-deps` (Debian package nginx-light)")
    return found


def nginx_part(port: int, workdir: Path, conf: Path) -> Part:
    """nginx in the foreground with its files in `workdir`; ready once `/webhooks/webchat/`
    answers through it (a Rasa replica behind it is ready)."""
    command = [
        nginx_binary(), "-p", str(workdir), "-c", str(conf),
        "-e", str(workdir / "nginx-error.log"), "-g", "daemon off;",
    ]  # fmt: skip
    return Part(
        "nginx",
        command,
        url=f"http://127.0.0.1:{port}/webhooks/webchat/",
        log=workdir / "nginx.log",
        port=port,
    )


# ---- starting, watching and stopping


def wait_ready(parts: Sequence[Part], timeout: float) -> None:
    """Waits until every part answers; raises as soon as one exits or the time is up."""
    deadline = time.monotonic() + timeout
    waiting = list(parts)
    pause = 0.05  # Redis answers within milliseconds, a Rasa server within minutes
    while waiting:
        for part in list(waiting):
            code = part.exited()
            if code is not None:
                ended = f"{part.name} exited with status {code} while starting"
                raise StartError(ended + part.log_end())
            if part.ready():
                waiting.remove(part)
        if waiting and time.monotonic() > deadline:
            names = ", ".join(p.name for p in waiting)
            raise StartError(f"{names} did not answer within {timeout:.0f} s")
        if waiting:
            time.sleep(pause)
            pause = min(0.5, pause * 2)


def stop_all(parts: Sequence[Part]) -> None:
    for part in reversed(parts):  # the last started first
        part.stop()


def _raise_stopped(signum: int, _frame: object) -> None:
    # A second Ctrl-C while the parts stop must not cut the stop short.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise Stopped(signal.Signals(signum).name)


def stop_on_signals() -> None:
    """From now on SIGINT and SIGTERM raise `Stopped` in the launcher's main thread."""
    signal.signal(signal.SIGTERM, _raise_stopped)
    signal.signal(signal.SIGINT, _raise_stopped)


def start_stages(stages: Sequence[tuple[Sequence[Part], float]], prefix: str) -> int | None:
    """Starts each stage's parts, then waits (up to the stage's seconds) until they answer.

    None once every part answers. Otherwise every part is stopped and the exit status returned:
    1 when a part did not start (said on stderr after `prefix`), 130 on a stop signal."""
    started: list[Part] = []
    try:
        for parts, timeout in stages:
            for part in parts:
                started.append(part)
                part.start()
            wait_ready(parts, timeout)
    except StartError as error:
        stop_all(started)
        print(f"{prefix}: could not start: {error}", file=sys.stderr, flush=True)
        return 1
    except Stopped:
        stop_all(started)
        return 130
    return None


def supervise(parts: Sequence[Part], prefix: str, tick: Callable[[], None] | None = None) -> int:
    """Runs `tick` every half second until a stop signal (every part stopped: 0) or until a part
    exits (the rest stopped: 1, and its log's end said on stderr)."""
    try:
        while True:
            if tick is not None:
                tick()
            for part in parts:
                code = part.exited()
                if code is not None:
                    print(
                        f"{prefix}: {part.name} stopped (status {code}); stopping the rest"
                        + part.log_end(),
                        file=sys.stderr,
                        flush=True,
                    )
                    stop_all(parts)
                    return 1
            time.sleep(0.5)
    except Stopped:
        stop_all(parts)
        return 0
