"""The web chat widget in headless Chromium (Debian's), against the real served bot.

Opens the demo page, talks to the bot, clicks a button, presses "Quitter vite", and checks that
no request left for any host other than the local server.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import Stack

pytestmark = pytest.mark.model

ARTIFACTS = Path(__file__).resolve().parent / ".artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.mark.parametrize(("width", "height"), [(320, 640), (1280, 800)])
def test_a_reader_talks_to_the_bot_then_quits_fast(
    stack: Stack, browser: Browser, width: int, height: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    page: Page = context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname or request.url))
    page.goto(f"{stack.url}/webhooks/webchat/demo")

    header = page.locator("#relais-emergency")
    page.locator("#relais-launcher").click()
    expect(page.locator("#relais-panel")).to_be_visible()
    expect(header).to_contain_text("112")
    expect(page.locator('#relais-emergency a[href="tel:112"]')).to_have_count(1)

    page.locator("#relais-input").fill("on m'insulte tous les jours sur insta")
    page.locator("#relais-send").click()
    bot = page.locator(".relais-msg-bot")
    expect(bot.filter(has_text="3018").first).to_be_visible(timeout=30_000)
    expect(page.locator('.relais-msg-bot a[href="tel:3018"]').first).to_be_visible()

    # What a reader sees at this size (docs/ holds a reviewed copy of these).
    page.screenshot(path=str(ARTIFACTS / f"widget-{width}.png"))
    count = bot.count()
    page.locator("button.relais-button:not([disabled])").first.click()
    expect(bot).to_have_count(count + 1, timeout=30_000)

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    stored = page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('relais'))")
    assert stored  # the chat is kept for a reload, until "Quitter vite"

    page.locator("#relais-quit").click()
    page.wait_for_url("**/webhooks/webchat/neutral")
    assert page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('relais'))") == []
    assert "harc" not in page.content().lower()
    assert hosts == {"127.0.0.1"}, hosts
    context.close()


def test_danger_in_the_widget_shows_112_and_3114_first(stack: Stack, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(f"{stack.url}/webhooks/webchat/demo")
    page.locator("#relais-launcher").click()
    page.locator("#relais-input").fill("jveux en finir")
    page.locator("#relais-input").press("Enter")
    reply = page.locator(".relais-msg-bot").filter(has_text="3114").first
    expect(reply).to_be_visible(timeout=30_000)
    expect(reply).to_contain_text("112")
    page.close()
