"""The web chat connector through the real Rasa HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.conftest import WEBCHAT_RATE_LIMIT, Stack

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def base_url(stack: Stack) -> str:
    return stack.url + "/webhooks/webchat"


def origin(base_url: str) -> dict[str, str]:
    return {"Origin": base_url.split("/webhooks")[0]}


def post(base_url: str, body: object) -> httpx.Response:
    return httpx.post(f"{base_url}/webhook", json=body, headers=origin(base_url), timeout=30)


def test_a_message_gets_the_3018_and_the_kit_buttons(base_url: str) -> None:
    reply = post(base_url, {"sender": uuid.uuid4().hex, "message": "on m'insulte sur snap"})
    assert reply.status_code == 200
    messages = reply.json()
    assert "3018" in messages[0]["text"]
    assert set(messages[0]) <= {"text", "buttons", "links"}
    assert {"text": "3018", "href": "tel:3018"} in messages[0]["links"]


def test_a_lone_surrogate_in_the_json_still_gets_a_real_answer(base_url: str) -> None:
    body = json.dumps({"sender": uuid.uuid4().hex, "message": "jveux mourir \ud800"})
    assert "\\ud800" in body  # escaped in the JSON, as a client may send it
    reply = httpx.post(
        f"{base_url}/webhook",
        content=body.encode(),
        headers={**origin(base_url), "Content-Type": "application/json"},
        timeout=30,
    )
    assert reply.status_code == 200
    first = reply.json()[0]["text"]
    assert "112" in first and "3114" in first
    assert "je n'arrive pas" not in first  # the answer to the message, not the fail-safe


def test_danger_gets_112_and_3114_in_the_first_reply(base_url: str) -> None:
    reply = post(base_url, {"sender": uuid.uuid4().hex, "message": "jveux mourir"})
    assert reply.status_code == 200
    first = reply.json()[0]["text"]
    assert "112" in first and "3114" in first


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b"not json", {"Content-Type": "application/json"}, 400),
        (b"[1, 2]", {"Content-Type": "application/json"}, 400),
        (b'{"sender": "abcdefgh12"}', {"Content-Type": "application/json"}, 400),
        (b'{"sender": "x", "message": "salut"}', {"Content-Type": "application/json"}, 400),
        (b'{"sender": "abcdefgh12", "message": "salut"}', {"Content-Type": "text/plain"}, 415),
        (b'{"sender": "abcdefgh12", "message": "' + b"a" * 5000 + b'"}',
         {"Content-Type": "application/json"}, 413),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_4xx(
    base_url: str, content: bytes, headers: dict[str, str], status: int
) -> None:
    headers = {**headers, **origin(base_url)}
    reply = httpx.post(f"{base_url}/webhook", content=content, headers=headers, timeout=30)
    assert reply.status_code == status
    assert reply.json()["error"]


def test_the_widget_is_served_with_a_same_origin_policy(base_url: str) -> None:
    reply = httpx.get(f"{base_url}/widget.js", timeout=30)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/javascript")
    for page in ("demo", "frame", "neutral"):
        answer = httpx.get(f"{base_url}/{page}", timeout=30)
        assert answer.status_code == 200
        assert "default-src 'none'" in answer.headers["content-security-policy"]
    demo = httpx.get(f"{base_url}/demo", timeout=30)
    assert "widget.js" in demo.text


@pytest.mark.parametrize("bad_origin", [None, "https://evil.example.org", "null"])
def test_a_request_from_another_origin_is_refused(
    stack: Stack, base_url: str, bad_origin: str | None
) -> None:
    headers = {"Origin": bad_origin} if bad_origin else {}
    body = {"sender": uuid.uuid4().hex, "message": "salut"}
    reply = httpx.post(f"{base_url}/webhook", json=body, headers=headers, timeout=30)
    assert reply.status_code == 403
    preflight = httpx.options(f"{base_url}/webhook", headers=preflight_headers(bad_origin))
    # `--cors` has every allowed origin (the publisher's too, as in production); to a preflight
    # without an Origin, which no browser sends, it may name one of them, never another.
    allowed = (origin(base_url)["Origin"], stack.publisher_origin)
    assert preflight.headers.get("access-control-allow-origin") in (None, *allowed)


def preflight_headers(origin_value: str | None) -> dict[str, str]:
    headers = {"Access-Control-Request-Method": "POST"}
    return {**headers, "Origin": origin_value} if origin_value else headers


def test_the_allowed_origin_gets_cors_headers(base_url: str) -> None:
    allowed = origin(base_url)["Origin"]
    preflight = httpx.options(f"{base_url}/webhook", headers=preflight_headers(allowed))
    assert preflight.headers["access-control-allow-origin"] == allowed
    reply = post(base_url, {"sender": uuid.uuid4().hex, "message": "salut"})
    assert reply.headers["access-control-allow-origin"] == allowed


def test_a_client_sending_too_fast_is_slowed_down(base_url: str) -> None:
    sender = uuid.uuid4().hex
    statuses = [
        post(base_url, {"sender": sender, "message": "bonjour"}).status_code
        for _ in range(WEBCHAT_RATE_LIMIT + 1)
    ]
    assert statuses[:WEBCHAT_RATE_LIMIT] == [200] * WEBCHAT_RATE_LIMIT
    assert statuses[-1] == 429


def test_a_replayed_message_id_is_answered_once(base_url: str) -> None:
    body = {"sender": uuid.uuid4().hex, "message": "bonjour", "id": uuid.uuid4().hex}
    assert post(base_url, body).status_code == 200
    again = post(base_url, body)
    assert again.status_code == 409 and again.json()["error"]


def test_the_chat_frame_may_post_to_the_server_it_came_from(base_url: str) -> None:
    """Its own origin, even if the operator did not list it (nor set PUBLIC_BASE_URL)."""
    own = "http://relais-behind-a-proxy.example:8443"
    body = {"sender": uuid.uuid4().hex, "message": "salut"}
    headers = {"Origin": own, "Host": own.split("//")[1]}
    assert post_from(base_url, body, headers).status_code == 200
    headers["Origin"] = "http://evil.example:8443"  # the same port, another host: refused
    assert post_from(base_url, body, headers).status_code == 403


def post_from(base_url: str, body: object, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{base_url}/webhook", json=body, headers=headers, timeout=30)
