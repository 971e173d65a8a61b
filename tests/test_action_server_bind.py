"""The action server listens on loopback unless told otherwise (`SANIC_HOST`): it is not
authenticated, so nothing outside the machine (or the pod) may reach it by default."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from deploy.launcher import PYTHON_ENV, Part, free_port, wait_ready
from tests.conftest import Stack
from tests.servers import artifacts_dir

pytestmark = pytest.mark.model


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on `port` (IPv4 and IPv6), from /proc."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, local_port = fields[1].rsplit(":", 1)
            if int(local_port, 16) != port or fields[3] != "0A":  # 0A: LISTEN
                continue
            if len(address) == 8:  # IPv4, little-endian hex
                found.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
            else:  # IPv6: all zeros is "any address"; anything else, as /proc shows it
                found.add("::" if set(address) == {"0"} else "ipv6:" + address)
    return found


def test_the_served_action_server_listens_on_loopback_only(stack: Stack) -> None:
    """`python -m rasa_sdk --actions actions`, as the launcher starts it (`make run`, `make chat`,
    `make scale`, the tests)."""
    assert listening_addresses(stack.actions.port) == {"127.0.0.1"}


def test_rasa_run_actions_listens_on_loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """`rasa run actions --actions actions`, the README's command for the action server, without
    SANIC_HOST."""
    monkeypatch.delenv("SANIC_HOST", raising=False)
    port = free_port()
    command = [sys.executable, "-m", "rasa", "run", "actions", "--actions", "actions",
               "--port", str(port)]  # fmt: skip
    log = artifacts_dir() / f"actions-run-{port}.log"
    server = Part("actions", command, f"http://127.0.0.1:{port}/health", log, PYTHON_ENV)
    server.start()
    try:
        wait_ready([server], 120)
        assert listening_addresses(port) == {"127.0.0.1"}
    finally:
        server.stop()
