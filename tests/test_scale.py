"""`make scale`: two Rasa replicas on one real Redis behind a real nginx, as `deploy.scale` runs it.

One conversation's turns go to replica A, then B, then A, then through nginx: each reply only
makes sense if the replica that answers knows what the others said. nginx spreads requests over
both replicas, and the rate limit per address sees the client's address, not nginx's.
"""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.content import load_content
from deploy.launcher import StartError
from deploy.scale_run import start_scale
from tests.conftest import trained_model

pytestmark = pytest.mark.model

RATE_LIMIT = 6  # per client per minute, so 30 per address (the connector's 5x)


@dataclass
class Scaled:
    url: str  # nginx
    origin: str
    replicas: list[str]
    workdir: Path


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scaled]:
    env = {
        "LOG_LEVEL": "INFO",
        "WEBCHAT_RATE_LIMIT": str(RATE_LIMIT),
        "REDIS_KEY_PREFIX": "relaisscale",
    }
    workdir = tmp_path_factory.mktemp("scale")
    try:
        run = start_scale(2, workdir, env, model=trained_model())
    except StartError as error:
        pytest.fail(str(error))
    try:
        yield Scaled(
            url=run.topology["url"],
            origin=run.topology["origins"][0],
            replicas=[replica["url"] for replica in run.topology["replicas"]],
            workdir=workdir,
        )
    finally:
        assert run.stop() == (0, []), "SIGTERM must stop the launcher and every part"


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


def _stored_turns(redis_url: str, sender: str) -> list[tuple[str, list[str]]]:
    """The stored conversation as (user text, what followed it until the next user message)."""
    import redis

    from bot.privacy import pseudonymise
    from bot.settings import load_settings

    person = pseudonymise(load_settings({}).pseudonym_key, "webchat", sender)
    raw = redis.Redis.from_url(redis_url).get(f"relaisscale:tracker:{person}")
    turns: list[tuple[str, list[str]]] = []
    for event in json.loads(raw or "{}").get("events", []):
        if event["event"] == "user":
            turns.append((event.get("text") or "", []))
        elif turns and event["event"] in ("action", "bot"):
            turns[-1][1].append(event.get("name") or event["event"])
    return turns


def _send_at_once(
    start: Any,
    answers: list[httpx.Response | None],
    slot: int,
    scaled: Scaled,
    base: str,
    sender: str,
    text: str,
    address: str,
) -> None:
    start.wait()  # both threads post at the same moment
    answers[slot] = say(scaled, base, sender, text, **{"X-Forwarded-For": address})


PAIRS = 50
DANGER_EVERY = 5  # pairs 0, 5, 10...: one of the two messages is danger wording
CALM = ("on m'insulte sur insta", "on se moque de moi en classe")
DANGER = "jveux plus vivre"


def test_pairs_of_one_person_at_two_replicas_at_once_lose_nothing(scaled: Scaled) -> None:
    """Two messages of one person at the same moment, one to each replica, 50 times: every
    message is stored and answered, one turn after the other (the lock is atomic in Redis)."""
    import threading

    a, b = scaled.replicas
    redis_url = json.loads((scaled.workdir / "info.json").read_text())["redis_url"]
    lost, lost_danger, failed, interleaved = 0, 0, 0, 0
    for index in range(PAIRS):
        sender = "pair-" + uuid.uuid4().hex[:12]
        texts_ = (DANGER, CALM[1]) if index % DANGER_EVERY == 0 else CALM
        address = f"198.51.{100 + index // 200}.{index % 200 + 1}"  # the per-address limit
        answers: list[httpx.Response | None] = [None, None]
        start = threading.Barrier(2)
        threads = [
            threading.Thread(
                target=_send_at_once,
                args=(start, answers, slot, scaled, base, sender, text, address),
            )
            for slot, (base, text) in enumerate(zip((a, b), texts_, strict=True))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        failsafe = load_content().failsafe
        for answer in answers:
            if answer is None or answer.status_code != 200 or failsafe in answer.text:
                failed += 1
        turns = _stored_turns(redis_url, sender)
        stored = [text for text, _ in turns]
        for text in texts_:
            if text not in stored:
                lost += 1
                lost_danger += text == DANGER
        # each turn ran to its end (back to listening) before the next one began
        interleaved += sum(1 for _, after in turns if not after or after[-1] != "action_listen")
    print(f"pairs: {PAIRS} pairs, {lost} lost ({lost_danger} danger), {failed} not answered")
    assert (lost, lost_danger, failed, interleaved) == (0, 0, 0, 0), (
        f"{PAIRS} pairs: {lost} user messages lost ({lost_danger} danger), "
        f"{failed} not answered, {interleaved} turns cut short"
    )
