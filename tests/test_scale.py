"""`make scale`: two Rasa replicas on one real Redis behind a real nginx, as `deploy.scale` runs it.

One conversation's turns go to replica A, then B, then A, then through nginx: each reply only
makes sense if the replica that answers knows what the others said. nginx spreads requests over
both replicas, and the rate limit per address sees the client's address, not nginx's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.content import load_content
from tests.conftest import ROOT, latest_model

pytestmark = pytest.mark.model

RATE_LIMIT = 6  # per client per minute, so 30 per address (the connector's 5x)


@dataclass
class Scaled:
    url: str  # nginx
    origin: str
    replicas: list[str]
    workdir: Path
    pids: list[int]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scaled]:
    model = latest_model()
    if model is None:
        pytest.fail("no trained model in models/: run `make train`")
    workdir = tmp_path_factory.mktemp("scale")
    info = workdir / "info.json"
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="INFO",
        WEBCHAT_RATE_LIMIT=str(RATE_LIMIT),
        REDIS_KEY_PREFIX="relaisscale",
    )
    env.pop("WEBCHAT_ALLOWED_ORIGINS", None)
    command = [
        sys.executable, "-m", "deploy.scale", "--replicas", "2", "--port", "0",
        "--model", str(model), "--workdir", str(workdir), "--info-file", str(info),
    ]  # fmt: skip
    with open(workdir / "launcher.log", "wb") as log:
        launcher = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 480
    while not info.exists():
        if launcher.poll() is not None or time.monotonic() > deadline:
            launcher.kill()
            pytest.fail("deploy.scale did not start:\n" + (workdir / "launcher.log").read_text())
        time.sleep(1)
    topology: dict[str, Any] = json.loads(info.read_text())
    pids = [part["pid"] for part in topology["parts"]]
    try:
        yield Scaled(
            url=topology["url"],
            origin=topology["origins"][0],
            replicas=[replica["url"] for replica in topology["replicas"]],
            workdir=workdir,
            pids=pids,
        )
    finally:
        launcher.send_signal(signal.SIGTERM)
        status = launcher.wait(timeout=90)
        left = [pid for pid in pids if _alive(pid)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert (status, left) == (0, []), "SIGTERM must stop the launcher and every part"


def say(scaled: Scaled, base: str, sender: str, text: str, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{base}/webhooks/webchat/webhook",
        json={"sender": sender, "message": text},
        headers={"Origin": scaled.origin, **headers},
        timeout=60,
    )


def texts(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [message.get("text", "") for message in answer.json()]


def test_a_conversation_moves_between_replicas(scaled: Scaled) -> None:
    kit = load_content().kit("victim", "insults")
    assert kit is not None
    steps = kit.steps
    a, b = scaled.replicas
    sender = "scale-" + uuid.uuid4().hex[:12]

    first = texts(say(scaled, a, sender, "on m'insulte sur insta"))
    assert first[-1] == f"1/{len(steps)} · {steps[0]}"
    # B never saw the first turn: it can only say step 2 if it read the conversation from Redis.
    assert texts(say(scaled, b, sender, "/kit_next")) == [f"2/{len(steps)} · {steps[1]}"]
    assert texts(say(scaled, a, sender, "/kit_next")) == [f"3/{len(steps)} · {steps[2]}"]
    assert texts(say(scaled, scaled.url, sender, "/kit_next")) == [f"4/{len(steps)} · {steps[3]}"]


def test_nginx_spreads_requests_over_both_replicas(scaled: Scaled) -> None:
    for _ in range(6):
        assert httpx.get(f"{scaled.url}/webhooks/webchat/", timeout=10).status_code == 200
    lines = (scaled.workdir / "nginx-access.log").read_text().splitlines()
    upstreams = {line.split()[3] for line in lines if line.split()[1] == "GET"}
    ports = {replica.rsplit(":", 1)[1] for replica in scaled.replicas}
    assert {upstream.rsplit(":", 1)[1] for upstream in upstreams} == ports


def test_the_access_log_holds_no_text_and_no_address(scaled: Scaled) -> None:
    sender = "scale-" + uuid.uuid4().hex[:12]
    texts(say(scaled, scaled.url, sender, "canari-scale-7731 on se moque de moi"))
    log = (scaled.workdir / "nginx-access.log").read_text()
    assert "canari" not in log and sender not in log and "/webhooks" not in log


def test_danger_first_through_nginx(scaled: Scaled) -> None:
    sender = "scale-" + uuid.uuid4().hex[:12]
    first = texts(say(scaled, scaled.url, sender, "jpp jveux plus vivre"))[0]
    assert "112" in first and "3114" in first


def test_the_demo_page_works_through_nginx(scaled: Scaled) -> None:
    page = httpx.get(f"{scaled.url}/webhooks/webchat/demo", timeout=10)
    assert page.status_code == 200 and "widget.js" in page.text
    preflight = httpx.request(
        "OPTIONS",
        f"{scaled.url}/webhooks/webchat/webhook",
        headers={"Origin": scaled.origin, "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert preflight.headers.get("access-control-allow-origin") == scaled.origin
    refused = httpx.post(
        f"{scaled.url}/webhooks/webchat/webhook",
        json={"sender": "scale-" + uuid.uuid4().hex[:12], "message": "salut"},
        headers={"Origin": "http://evil.example"},
        timeout=10,
    )
    assert refused.status_code == 403


def _exhaust(scaled: Scaled, base: str, address: str) -> None:
    """Distinct clients from one forwarded address until that address is refused."""
    for _ in range(2 * 5 * RATE_LIMIT + 1):  # twice the limit: a window may turn meanwhile
        sender = "scale-" + uuid.uuid4().hex[:12]
        answer = say(scaled, base, sender, "/thanks", **{"X-Forwarded-For": address})
        if answer.status_code == 429:
            return
        assert answer.status_code == 200, answer.text
    pytest.fail(f"{address} was never rate-limited on {base}")


def test_rate_limit_per_address_sees_the_client_behind_nginx(scaled: Scaled) -> None:
    # The replicas trust one proxy: the address nginx forwards is the one counted...
    for replica in scaled.replicas:
        _exhaust(scaled, replica, "203.0.113.7")
        other = say(scaled, replica, "scale-" + uuid.uuid4().hex[:12], "/thanks",
                    **{"X-Forwarded-For": "203.0.113.8"})  # fmt: skip
        assert other.status_code == 200
    # ...and nginx overwrites what a client claims: through it, this client is 127.0.0.1.
    spoofed = say(scaled, scaled.url, "scale-" + uuid.uuid4().hex[:12], "/thanks",
                  **{"X-Forwarded-For": "203.0.113.7"})  # fmt: skip
    assert spoofed.status_code == 200


def _wait_for_line(log: Path, line: str, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while line not in log.read_text(errors="replace"):
        if time.monotonic() > deadline:
            pytest.fail(f"the launcher never said {line!r}:\n" + log.read_text(errors="replace"))
        time.sleep(0.3)


def test_a_replica_that_stops_answering_gets_no_traffic_until_it_is_ready_again(
    scaled: Scaled,
) -> None:
    """The launcher probes `/health/ready`; a frozen replica becomes nginx's backup.

    Without that, nginx would send about half the requests to the frozen replica, and each would
    wait for nginx's 30 s read timeout.
    """
    info = json.loads((scaled.workdir / "info.json").read_text())
    frozen = info["replicas"][0]
    log = scaled.workdir / "launcher.log"
    os.kill(frozen["pid"], signal.SIGSTOP)
    try:
        _wait_for_line(log, f"deploy.scale: {frozen['name']} not ready")
        time.sleep(1)  # nginx's new workers take over from the old ones
        sender = "scale-" + uuid.uuid4().hex[:12]
        for _ in range(4):
            answer = httpx.get(f"{scaled.url}/webhooks/webchat/", timeout=5)
            assert answer.status_code == 200
            assert texts(say(scaled, scaled.url, sender, "/thanks"))
    finally:
        os.kill(frozen["pid"], signal.SIGCONT)
    _wait_for_line(log, f"deploy.scale: {frozen['name']} ready again")
