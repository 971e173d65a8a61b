"""`make scale N=2`: N Rasa replicas and one action server on one Redis, behind nginx.

    python -m deploy.scale --replicas 2 [--port 5005] [--model models/x.tar.gz]

Starts, on loopback: `redis-server` (its own, with an append-only file, unless `REDIS_URL` is
set), one action server, N identical `rasa run` replicas and nginx in the foreground as the load
balancer on `--port`. Ctrl-C or SIGTERM stops everything; if any part fails to start or dies,
the rest is stopped and the exit status is non-zero. `--info-file` receives a JSON description
(URLs, pids, logs) once everything answers: the scale test and `make bench` use it.

A replica counts as started when its `/health/ready` answers 200. While running, the launcher
probes each replica's `/health/ready` every second: one that fails twice in a row becomes a
`backup` server of nginx (no traffic while another replica is ready) until it is ready again.
When no replica is ready (Redis down, say), every replica takes traffic: each still answers
the fail-safe, which is better than nginx's 502.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bot.trained_model import NoModelError, newest_model

__all__ = ["Part", "Topology", "main"]

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
START_TIMEOUT = 420.0  # N replicas loading the model at once on 2 cores


class StartError(RuntimeError):
    """A part did not start; the message says which and where its log is."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    """In the child: receive SIGTERM if the launcher dies without stopping us (Linux)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    os.setpgrp()  # Ctrl-C reaches the launcher only, which stops the parts in order


@dataclass
class Part:
    name: str
    command: list[str]
    url: str  # what answers when the part is ready ("" for Redis: a PING)
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    _log_handle: IO[bytes] | None = None

    def start(self) -> None:
        # Kept open for the life of the process it collects, closed in stop().
        self._log_handle = open(self.log, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdin=subprocess.DEVNULL,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )

    @property
    def pid(self) -> int:
        return self.process.pid if self.process else 0

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def ready(self, timeout: float = 2.0) -> bool:
        if self.url == "":
            return _redis_ping(self.port)
        try:
            with urllib.request.urlopen(self.url, timeout=timeout) as answer:
                return 200 <= int(answer.status) < 300
        except OSError:
            return False

    def stop(self, timeout: float = 20.0) -> None:
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

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join("    " + line for line in text[-lines:])

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "pid": self.pid, "port": self.port, "log": str(self.log)}


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _check_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as error:
            raise StartError(f"port {port} is taken (--port or N= another one)") from error


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        raise StartError("nginx is missing: run `make system-deps` (Debian package nginx-light)")
    return found


def render_nginx_conf(
    workdir: Path,
    port: int,
    replica_ports: list[int],
    access_log: bool,
    backups: frozenset[int] = frozenset(),
) -> str:
    """nginx's config; the replicas on `backup` ports get traffic only when the others fail."""
    if backups >= set(replica_ports):
        backups = frozenset()  # none ready: all take traffic, each answers at least the fail-safe
    servers = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=3 fail_timeout=5s"
        + (" backup;" if p in backups else ";")
        for p in replica_ports
    )
    log = f"{workdir}/nginx-access.log relais" if access_log else "off"
    return string.Template(TEMPLATE.read_text()).substitute(
        workdir=workdir, servers=servers, listen=f"127.0.0.1:{port}", access_log=log
    )


@dataclass
class Topology:
    """Every part of the scaled stack, in start order."""

    workdir: Path
    url: str  # nginx: what the world would reach
    origins: list[str]
    redis_url: str
    action_url: str
    parts: list[Part]
    replicas: list[Part]
    port: int = 0  # nginx's
    access_log: bool = True

    @property
    def nginx(self) -> Part:
        return self.parts[-1]

    def nginx_conf(self, backups: frozenset[int] = frozenset()) -> Path:
        """Writes nginx's config (atomically: nginx may be reading it) and returns its path."""
        conf = self.workdir / "nginx.conf"
        tmp = conf.with_suffix(".tmp")
        ports = [r.port for r in self.replicas]
        tmp.write_text(render_nginx_conf(self.workdir, self.port, ports, self.access_log, backups))
        tmp.replace(conf)
        return conf

    def describe(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "origins": self.origins,
            "redis_url": self.redis_url,
            "action_url": self.action_url,
            "workdir": str(self.workdir),
            "replicas": [
                {**r.describe(), "url": f"http://127.0.0.1:{r.port}"} for r in self.replicas
            ],
            "parts": [p.describe() for p in self.parts],
        }


def plan(replicas: int, port: int, model: Path, workdir: Path, access_log: bool = True) -> Topology:
    python = sys.executable
    parts: list[Part] = []
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise StartError("redis-server is missing: run `make system-deps`")
        redis_port = free_port()
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        data = workdir / "redis"
        data.mkdir()
        redis_command = [
            binary, "--port", str(redis_port), "--bind", "127.0.0.1",
            "--dir", str(data), "--save", "", "--appendonly", "yes",
            "--appendfsync", "everysec", "--daemonize", "no",
            "--protected-mode", "yes", "--loglevel", "warning",
        ]  # fmt: skip
        parts.append(
            Part(
                "redis",
                redis_command,
                url="",
                log=workdir / "redis.log",
                port=redis_port,
            )
        )
    action_port = free_port()
    action_url = f"http://127.0.0.1:{action_port}/webhook"
    parts.append(
        Part(
            "actions",
            [python, "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)],
            url=f"http://127.0.0.1:{action_port}/health",
            log=workdir / "actions.log",
            port=action_port,
        )
    )
    raw = os.environ.get("WEBCHAT_ALLOWED_ORIGINS", "")
    origins = [o.strip() for o in raw.split(",") if o.strip()] or [
        f"http://127.0.0.1:{port}",
        f"http://localhost:{port}",
    ]
    env = {
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "REDIS_URL": redis_url,
        "ACTION_ENDPOINT_URL": action_url,
        "WEBCHAT_ALLOWED_ORIGINS": ",".join(origins),
        # nginx overwrites X-Forwarded-For with the client's address: trust exactly one proxy.
        "SANIC_PROXIES_COUNT": "1",
        "SANIC_WORKERS": "1",
        # One replica per core: TF threads beyond the replica's share of cores only contend.
        "TF_INTRA_OP_PARALLELISM_THREADS": str(max(1, (os.cpu_count() or 1) // replicas)),
        "TF_INTER_OP_PARALLELISM_THREADS": "1",
    }
    replica_parts = []
    for index in range(1, replicas + 1):
        replica_port = free_port()
        rasa_command = [
            python, "-m", "rasa", "run", "--model", str(model),
            "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
            "--interface", "127.0.0.1", "--port", str(replica_port), "--cors", *origins,
        ]  # fmt: skip
        replica_parts.append(
            Part(
                f"rasa-{index}",
                rasa_command,
                url=f"http://127.0.0.1:{replica_port}/health/ready",
                log=workdir / f"rasa-{index}.log",
                env=env,
                port=replica_port,
            )
        )
    parts.extend(replica_parts)
    topology = Topology(
        workdir=workdir,
        url=f"http://127.0.0.1:{port}",
        origins=origins,
        redis_url=redis_url,
        action_url=action_url,
        parts=parts,
        replicas=replica_parts,
        port=port,
        access_log=access_log,
    )
    conf = topology.nginx_conf()
    nginx_command = [
        nginx_binary(), "-p", str(workdir), "-c", str(conf),
        "-e", str(workdir / "nginx-error.log"), "-g", "daemon off;",
    ]  # fmt: skip
    parts.append(
        Part(
            "nginx",
            nginx_command,
            url=f"http://127.0.0.1:{port}/webhooks/webchat/",
            log=workdir / "nginx.log",
            port=port,
        )
    )
    return topology


def wait_ready(parts: list[Part], timeout: float) -> None:
    """Waits until every part answers; raises as soon as one exits or the time is up."""
    deadline = time.monotonic() + timeout
    waiting = list(parts)
    while waiting:
        for part in list(waiting):
            code = part.exited()
            if code is not None:
                raise StartError(
                    f"{part.name} exited with status {code} while starting; "
                    f"its log ({part.log}) ends with:\n{part.log_tail()}"
                )
            if part.ready():
                waiting.remove(part)
        if waiting and time.monotonic() > deadline:
            names = ", ".join(p.name for p in waiting)
            raise StartError(f"{names} did not answer within {timeout:.0f} s")
        if waiting:
            time.sleep(0.5)


@dataclass
class ReadinessWatch:
    """Probes each replica's `/health/ready`; makes the unready ones nginx's backups."""

    topology: Topology
    failures_to_leave: int = 2  # consecutive failed probes before a replica gets no traffic
    timeout: float = 1.5
    interval: float = 1.0
    _failures: dict[str, int] = field(default_factory=dict)
    _backups: frozenset[int] = frozenset()
    _last: float = 0.0

    def round(self) -> None:
        if time.monotonic() - self._last < self.interval:
            return
        self._last = time.monotonic()
        for replica in self.topology.replicas:
            if replica.ready(timeout=self.timeout):
                self._failures[replica.name] = 0
            else:
                self._failures[replica.name] = self._failures.get(replica.name, 0) + 1
        backups = frozenset(
            r.port
            for r in self.topology.replicas
            if self._failures.get(r.name, 0) >= self.failures_to_leave
        )
        if backups == self._backups:
            return
        self.topology.nginx_conf(backups)
        nginx = self.topology.nginx.process
        if nginx is not None and nginx.poll() is None:
            nginx.send_signal(signal.SIGHUP)  # reload: new workers, the old ones finish
        for replica in self.topology.replicas:
            was, now = replica.port in self._backups, replica.port in backups
            if now != was:
                state = "ready again" if was else "not ready: nginx's backup while another is ready"
                print(f"deploy.scale: {replica.name} {state}", flush=True)
        self._backups = backups


def stop_all(parts: list[Part]) -> None:
    for part in reversed(parts):  # nginx first, Redis last
        part.stop()


class _Stop(Exception):
    pass


def _raise_stop(signum: int, _frame: object) -> None:
    raise _Stop(signal.Signals(signum).name)


def serve(topology: Topology, info_file: Path | None, timeout: float) -> int:
    parts = topology.parts
    try:
        # Redis and the action server first, then the replicas all at once, then nginx.
        infra = [p for p in parts if p.name in ("redis", "actions")]
        for part in infra:
            part.start()
        wait_ready(infra, 60)
        for part in topology.replicas:
            part.start()
        wait_ready(topology.replicas, timeout)
        nginx = parts[-1]
        nginx.start()
        wait_ready([nginx], 30)
    except StartError as error:
        stop_all(parts)
        print(f"deploy.scale: could not start: {error}", file=sys.stderr)
        return 1
    except _Stop:
        stop_all(parts)
        return 130
    if info_file is not None:
        tmp = info_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(topology.describe(), indent=2))
        tmp.replace(info_file)
    _banner(topology)
    watch = ReadinessWatch(topology)
    try:
        while True:
            watch.round()
            for part in parts:
                code = part.exited()
                if code is not None:
                    print(
                        f"deploy.scale: {part.name} stopped (status {code}); stopping the rest. "
                        f"Its log ({part.log}) ends with:\n{part.log_tail()}",
                        file=sys.stderr,
                    )
                    stop_all(parts)
                    return 1
            time.sleep(0.5)
    except _Stop:
        stop_all(parts)
        return 0


def _banner(topology: Topology) -> None:
    replicas = ", ".join(f"{r.name} :{r.port}" for r in topology.replicas)
    origin = topology.origins[0]
    print(
        f"""
  Relais is running behind nginx (Ctrl-C stops everything).
  Load balancer:  {topology.url}   ->  {replicas}
  Redis:          {topology.redis_url}
  Action server:  {topology.action_url}
  Logs:           {topology.workdir}
  Web chat demo:  {topology.url}/webhooks/webchat/demo
  Web chat API:   curl -s {topology.url}/webhooks/webchat/webhook -H 'Origin: {origin}' \\
                    -H 'Content-Type: application/json' \\
                    -d '{{"sender":"demo-user-1","message":"salut"}}'
""",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.scale", description=__doc__)
    parser.add_argument("--replicas", type=int, default=2, help="Rasa replicas (default 2)")
    parser.add_argument("--port", type=int, default=5005, help="nginx port (0: a free one)")
    parser.add_argument("--model", type=Path, help="model archive (default: newest in models/)")
    parser.add_argument("--workdir", type=Path, help="logs and nginx files (default: a temp dir)")
    parser.add_argument("--info-file", type=Path, help="write the topology as JSON when ready")
    parser.add_argument("--no-access-log", action="store_true", help="nginx access log off")
    parser.add_argument("--timeout", type=float, default=START_TIMEOUT, help="start-up limit, s")
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        model = args.model or newest_model()
        workdir = args.workdir or Path(tempfile.mkdtemp(prefix="relais-scale-"))
        workdir.mkdir(parents=True, exist_ok=True)
        workdir.chmod(0o755)  # nginx's worker may run as another user when started as root
        port = args.port or free_port()
        _check_free(port)
        topology = plan(args.replicas, port, model, workdir, access_log=not args.no_access_log)
    except (StartError, NoModelError) as error:
        print(f"deploy.scale: {error}", file=sys.stderr)
        return 1
    return serve(topology, args.info_file, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
