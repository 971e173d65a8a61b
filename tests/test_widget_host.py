"""The widget on a publisher's page of another origin, in Debian's Chromium, against the real bot.

- A hostile host page (what analytics and session-replay scripts can do) reads its storages and
  cookies, copies its DOM and text, wraps `fetch`, `XMLHttpRequest` and `postMessage`, listens to
  every `message`, lists the resources it loaded and tries to reach into the chat's frame, all
  along a conversation. None of what was typed, none of the replies and not the sender id reach it.
- A page that enforces `default-src 'none'` plus exactly the README's two CSP lines runs the
  widget with no violation report, and the reader gets the bot's answer.
- Escape twice (and Shift three times) on the host page, chat closed, leaves the reader there.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import (
    ARTIFACTS,
    Publisher,
    assert_erased,
    chat_frame,
    chromium,
    publisher_site,
    talk,
)
from tests.conftest import Stack

pytestmark = pytest.mark.model

README = Path(__file__).resolve().parent.parent / "README.md"
README_ORIGIN = "https://relais.example.org"

JS = Path(__file__).resolve().parent / "js"

HOST_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Un article</title>
<script src="/hostile.js"></script></head>
<body><main><h1>Un article</h1><form role="search"><label>Rechercher
<input id="search" type="search"></label></form><p>Texte de l'article.</p></main>
<script src="{relais}/webhooks/webchat/widget.js" data-exit-url="{exit}" defer></script>
</body></html>"""

EXIT_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Météo</title>
</head><body><p>Météo du jour</p></body></html>"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def site(stack: Stack) -> Iterator[Publisher]:
    with publisher_site(stack.publisher_port) as site:
        site.page("/hostile.js", (JS / "hostile.js").read_text(), "text/javascript")
        site.page("/weather", EXIT_PAGE)
        site.page(
            "/article",
            HOST_PAGE.format(relais=stack.url, exit=site.origin + "/weather"),
        )
        yield site


def test_a_hostile_host_page_sees_none_of_the_conversation(
    stack: Stack, browser: Browser, site: Publisher
) -> None:
    page = browser.new_page()
    page.goto(site.origin + "/article")
    canary = "canari" + uuid.uuid4().hex[:10]
    page.click("#relais-launcher")
    frame = chat_frame(page)
    shown = talk(page, f"on m'insulte sur insta, je suis {canary}")
    shown = talk(page, "oui")
    assert canary in shown and "3018" in shown
    sender = frame.evaluate("sessionStorage.getItem('relais.webchat.sender')")
    assert sender and len(sender) >= 32
    page.keyboard.press("Escape")  # closes the chat: the host gets its "close" event
    expect(page.locator("#relais-frame")).to_be_hidden()
    page.wait_for_timeout(300)
    seen = page.evaluate("window.__seen")
    saw = {
        "snapshots": {key: len(value) for key, value in seen.items()},
        "last storage": seen["storage"][-1],
        "frame": sorted(set(seen["frame"])),
        "messages": sorted({m["data"] for m in seen["messages"]}),
        "postMessage": sorted(set(seen["postMessage"])),
        "fetch": seen["fetch"],
        "xhr": seen["xhr"],
        "resources": seen["resources"],
        "events": seen["events"],
        "last page text": seen["dom"][-1].rsplit("\n", 1)[-1][-2000:],
    }
    (ARTIFACTS / "host-page-saw.json").write_text(json.dumps(saw, indent=1, ensure_ascii=False))
    everything = json.dumps(seen, ensure_ascii=False)
    # Nothing typed, no reply, no id
    assert canary not in everything
    assert sender not in everything
    bot_lines = [line for line in shown.splitlines() if len(line) > 15 and canary not in line]
    leaked = [line for line in bot_lines if line in everything]
    assert bot_lines and not leaked, leaked
    # The frame is out of reach: its document and storage refuse the host ("document null",
    # SecurityError). Before the frame's page has loaded, the host reaches only the empty initial
    # document of the <iframe> element ("document ", "storage {}").
    reached = {entry for entry in seen["frame"] if not entry.startswith("src ")}
    assert reached <= {
        "document: SecurityError",
        "storage: SecurityError",
        "document null",
        "document ",
        "storage {}",
    }, reached
    assert "storage: SecurityError" in reached
    assert seen["fetch"] == [] and seen["xhr"] == []
    # What the loader and the frame said to each other, as the host sees it: types and counts.
    relais = [json.loads(m["data"]) for m in seen["messages"] if m["origin"] == stack.url]
    assert relais and all(set(m) <= {"relais", "type", "count"} for m in relais), relais
    assert seen["events"] == ["relais:open", "relais:close"]
    assert not [r for r in seen["resources"] if "/webchat/webhook" in r]  # the frame's own posts
    page.close()


def readme_csp_lines() -> list[str]:
    """The CSP lines the README gives a publisher."""
    lines = re.findall(r"^(?:script|frame)-src [^\n]*;$", README.read_text(), flags=re.M)
    assert [line.split()[0] for line in lines] == ["script-src", "frame-src"], lines
    return lines


def test_a_page_that_enforces_the_readme_csp_runs_the_widget(
    stack: Stack, browser: Browser, site: Publisher
) -> None:
    policy = " ".join(
        [
            "default-src 'none';",
            *(line.replace(README_ORIGIN, stack.url) for line in readme_csp_lines()),
        ]
    )
    site.page("/violations.js", (JS / "violations.js").read_text(), "text/javascript")
    url = site.page(
        "/strict",
        STRICT_PAGE.format(relais=stack.url),
        Content_Security_Policy=policy,
    )
    page = browser.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(url)
    page.click("#relais-launcher")
    frame = chat_frame(page)
    frame.wait_for_selector(".relais-msg-bot", timeout=30_000)
    shown = talk(page, "on se moque de moi sur snap")
    assert "3018" in shown
    assert page.evaluate("window.__violations") == []
    assert not [line for line in console if "Content Security Policy" in line], console
    page.close()


STRICT_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Un article strict</title>
<script src="/violations.js"></script></head>
<body><main><h1>Un article</h1></main>
<script src="{relais}/webhooks/webchat/widget.js" defer></script></body></html>"""


def test_escape_twice_or_shift_three_times_on_the_host_page_leaves_the_reader_there(
    browser: Browser, site: Publisher
) -> None:
    page = browser.new_page()
    page.goto(site.origin + "/article")
    page.wait_for_selector("#relais-launcher")
    page.click("#search")
    page.keyboard.type("meteo")
    for key in ["Escape", "Escape", "Shift", "Shift", "Shift", "Escape", "Escape"]:
        page.keyboard.press(key)
    page.wait_for_timeout(1000)
    assert page.url == site.origin + "/article"
    assert page.evaluate("getComputedStyle(document.documentElement).visibility") == "visible"
    assert page.evaluate("document.activeElement.id") == "search"
    # Open and close the chat, then the same keys on the host page: still there.
    page.click("#relais-launcher")
    chat_frame(page)
    page.click("#relais-launcher")
    page.click("#search")
    for key in ["Escape", "Escape", "Shift", "Shift", "Shift"]:
        page.keyboard.press(key)
    page.wait_for_timeout(1000)
    assert page.url == site.origin + "/article"
    page.close()


def test_shift_three_times_in_the_chat_counts_then_leaves_for_the_publishers_exit_page(
    stack: Stack, browser: Browser, site: Publisher
) -> None:
    page = browser.new_page()
    page.goto(site.origin + "/article")
    page.click("#relais-launcher")
    frame = chat_frame(page)
    frame.wait_for_selector(".relais-msg-bot", timeout=30_000)
    talk(page, "on m'insulte en ligne")
    sender = frame.evaluate("sessionStorage.getItem('relais.webchat.sender')")
    frame.focus("#relais-input")
    page.keyboard.press("Shift")
    assert frame.locator("#relais-shift .relais-shift-lit").count() == 1
    expect(frame.locator("#relais-shift")).to_be_visible()
    expect(frame.locator("#relais-shift-status")).to_contain_text("1 sur 3")
    page.keyboard.press("a")  # another key: the count starts again
    assert frame.locator("#relais-shift .relais-shift-lit").count() == 0
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    assert frame.locator("#relais-shift .relais-shift-lit").count() == 2
    page.keyboard.press("Shift")
    page.wait_for_url(site.origin + "/weather", timeout=10_000)
    assert "harc" not in page.content().lower()
    assert_erased(stack, sender)
    page.close()
