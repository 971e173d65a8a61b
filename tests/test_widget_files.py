"""The widget's files as the connector serves them: caching, validators, CSP, and one source for
numbers (no phone number typed in the widget's JS or HTML, nor in any Python source)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.content import load_content
from bot.directory import Directory
from channels.widget_assets import STATIC_DIR
from tests.conftest import Stack

FILES = sorted([*STATIC_DIR.glob("*.js"), *STATIC_DIR.glob("*.html")])


def known_numbers(directory: Directory) -> set[str]:
    return {
        contact.value
        for line in directory.lines.values()
        for contact in line.contacts
        if contact.kind in ("phone", "sms") and contact.value
    }


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_no_phone_number_is_typed_in_the_widget(path: Path, directory: Directory) -> None:
    text = path.read_text(encoding="utf-8")
    numbers = sorted(known_numbers(directory), key=len, reverse=True)
    pattern = re.compile(r"(?<![\w.#-])(" + "|".join(map(re.escape, numbers)) + r")(?!\w|\.\d)")
    assert numbers and not pattern.findall(text), pattern.findall(text)


ROOT = Path(__file__).resolve().parent.parent
PYTHON = sorted(
    path
    for folder in (
        "bot",
        "actions",
        "extensions",
        "channels",
        "deploy",
        "rasa_sdk_plugins",
        "bench",
    )
    for path in (ROOT / folder).rglob("*.py")
)


@pytest.mark.parametrize("path", PYTHON, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_phone_number_is_typed_in_python(path: Path, directory: Directory) -> None:
    """A quoted helpline number ("3018", '112') in code would be a second home for it."""
    text = path.read_text(encoding="utf-8")
    numbers = sorted(known_numbers(directory), key=len, reverse=True)
    pattern = re.compile(r"""(["'])\s*(""" + "|".join(map(re.escape, numbers)) + r""")\s*\1""")
    assert numbers and not pattern.findall(text), pattern.findall(text)


@pytest.fixture(scope="module")
def base(stack: Stack) -> str:
    return stack.url + "/webhooks/webchat"


def config_of(frame_html: str) -> Any:
    found = re.search(r'id="relais-config">(.*?)</script>', frame_html)
    assert found
    return json.loads(found.group(1))


@pytest.mark.model
def test_the_frame_gets_the_failsafe_and_the_header_numbers_from_the_data(
    base: str, directory: Directory
) -> None:
    config = config_of(httpx.get(f"{base}/frame", timeout=30).text)
    assert config["failsafe"]["text"] == load_content().failsafe
    assert "3114" in config["failsafe"]["text"]
    numbers = config["numbers"]
    for topic, number in numbers.items():
        line = directory.first_with_topic(topic)
        assert line is not None and number["text"] == line.phone
    assert {n["href"] for n in numbers.values()} == {"tel:112", "sms:114", "tel:3114"}
    assert config["erase"] == {"commands": ["/oubli", "oubli"], "payload": "/erase"}


@pytest.mark.model
def test_only_the_allowed_origins_may_frame_the_chat(stack: Stack, base: str) -> None:
    csp = httpx.get(f"{base}/frame", timeout=30).headers["content-security-policy"]
    ancestors = re.search(r"frame-ancestors ([^;]*)", csp)
    assert ancestors and set(ancestors.group(1).split()) == {
        "'self'",
        stack.url,
        stack.publisher_origin,
    }
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp


@pytest.mark.model
@pytest.mark.parametrize(
    ("name", "cache"),
    [("widget.js", "public, max-age=300"), ("frame", "no-cache"), ("demo", "no-cache")],
)
def test_a_browser_revalidates_and_gets_a_304(base: str, name: str, cache: str) -> None:
    first = httpx.get(f"{base}/{name}", timeout=30)
    assert first.status_code == 200 and first.headers["cache-control"] == cache
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = httpx.get(f"{base}/{name}", headers={"If-None-Match": etag}, timeout=30)
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    since = httpx.get(f"{base}/{name}", headers={"If-Modified-Since": modified}, timeout=30)
    assert since.status_code == 304
    stale = httpx.get(f"{base}/{name}", headers={"If-None-Match": '"other"'}, timeout=30)
    assert stale.status_code == 200 and stale.content == first.content


@pytest.mark.model
def test_the_frame_s_assets_have_versioned_urls_cached_for_a_year(base: str) -> None:
    frame = httpx.get(f"{base}/frame", timeout=30).text
    for asset in ("frame.js", "frame.css"):
        found = re.search(rf'{re.escape(asset)}\?v=([0-9a-f]{{12}})"', frame)
        assert found, asset
        current = httpx.get(f"{base}/{asset}?v={found.group(1)}", timeout=30)
        assert current.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert current.headers["etag"].strip('"').startswith(found.group(1))
        old = httpx.get(f"{base}/{asset}?v=000000000000", timeout=30)
        assert old.status_code == 200 and old.headers["cache-control"] == "no-cache"


@pytest.mark.model
@pytest.mark.parametrize(
    "headers",
    [
        {"If-Modified-Since": "junk"},
        {"If-Modified-Since": "Mon, 99 Foo 2026 99:99:99 GMT"},
        {"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 +9999"},
        {"If-None-Match": ""},
        {"If-None-Match": ",,W/"},
    ],
)
def test_odd_validators_get_the_file(base: str, headers: dict[str, str]) -> None:
    for name in ("widget.js", "frame", "frame.js?v=%00"):
        reply = httpx.get(f"{base}/{name}", headers=headers, timeout=30)
        assert reply.status_code == 200 and reply.content, (name, reply.status_code)
