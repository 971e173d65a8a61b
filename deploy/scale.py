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
import json
import os
import signal
import string
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.settings import SettingsError
from bot.trained_model import NoModelError, newest_model
from deploy.launcher import (
    Part,
    StartError,
    actions_part,
    allowed_origins,
    check_free,
    free_port,
    nginx_part,
    rasa_part,
    redis_part,
    start_stages,
    stop_on_signals,
    supervise,
)

__all__ = ["Topology", "main", "render_nginx_conf"]

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
START_TIMEOUT = 420.0  # N replicas loading the model at once on 2 cores
PREFIX = "deploy.scale"


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


def plan(
    replicas: int,
    port: int,
    model: Path,
    workdir: Path,
    origins: tuple[str, ...],
    access_log: bool = True,
) -> Topology:
    parts: list[Part] = []
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        redis_port = free_port()
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        data = workdir / "redis"
        data.mkdir()
        parts.append(redis_part(redis_port, data, log=workdir / "redis.log"))
    action_port = free_port()
    action_url = f"http://127.0.0.1:{action_port}/webhook"
    parts.append(actions_part(action_port, log=workdir / "actions.log"))
    env = {
        "REDIS_URL": redis_url,
        # nginx overwrites X-Forwarded-For with the client's address: trust exactly one proxy.
        "SANIC_PROXIES_COUNT": "1",
        "SANIC_WORKERS": "1",
        # One replica per core: TF threads beyond the replica's share of cores only contend.
        "TF_INTRA_OP_PARALLELISM_THREADS": str(max(1, (os.cpu_count() or 1) // replicas)),
        "TF_INTER_OP_PARALLELISM_THREADS": "1",
    }
    replica_parts = [
        rasa_part(
            f"rasa-{index}",
            free_port(),
            model,
            origins,
            action_url,
            log=workdir / f"rasa-{index}.log",
            env=env,
        )
        for index in range(1, replicas + 1)
    ]
    parts.extend(replica_parts)
    topology = Topology(
        workdir=workdir,
        url=f"http://127.0.0.1:{port}",
        origins=list(origins),
        redis_url=redis_url,
        action_url=action_url,
        parts=parts,
        replicas=replica_parts,
        port=port,
        access_log=access_log,
    )
    parts.append(nginx_part(port, workdir, topology.nginx_conf()))
    return topology


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
                print(f"{PREFIX}: {replica.name} {state}", flush=True)
        self._backups = backups


def serve(topology: Topology, info_file: Path | None, timeout: float) -> int:
    # Redis and the action server first, then the replicas all at once, then nginx.
    infra = [p for p in topology.parts if p.name in ("redis", "actions")]
    stages = [(infra, 60.0), (topology.replicas, timeout), ([topology.nginx], 30.0)]
    status = start_stages(stages, PREFIX)
    if status is not None:
        return status
    if info_file is not None:
        tmp = info_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(topology.describe(), indent=2))
        tmp.replace(info_file)
    _banner(topology)
    return supervise(topology.parts, PREFIX, ReadinessWatch(topology).round)


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
    stop_on_signals()
    try:
        model = args.model or newest_model()
        workdir = args.workdir or Path(tempfile.mkdtemp(prefix="relais-scale-"))
        workdir.mkdir(parents=True, exist_ok=True)
        workdir.chmod(0o755)  # nginx's worker may run as another user when started as root
        port = args.port or free_port()
        check_free(port, "--port or N= another one")
        origins = allowed_origins(os.environ, port)
        topology = plan(
            args.replicas, port, model, workdir, origins, access_log=not args.no_access_log
        )
    except (StartError, NoModelError, SettingsError) as error:
        print(f"{PREFIX}: {error}", file=sys.stderr)
        return 1
    return serve(topology, args.info_file, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
