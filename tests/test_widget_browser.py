"""The web chat widget in headless Chromium (Debian's), against the real served bot.

On the demo page: a conversation, a button, "Quitter vite"; danger first; the keyboard alone;
`/oubli` forgetting the screen and the storage; the weight of the loader and of a first open.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, Response, Route, expect

from tests.browser import ARTIFACTS, assert_erased, chat_frame, chromium, gzip_size, talk
from tests.conftest import Stack

pytestmark = pytest.mark.model

LOADER_MAX_GZIP = 5 * 1024
FIRST_OPEN_MAX_GZIP = 40 * 1024


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


def demo(stack: Stack) -> str:
    return f"{stack.url}/webhooks/webchat/demo"


@pytest.mark.parametrize(("width", "height"), [(320, 640), (1280, 800)])
def test_a_reader_talks_to_the_bot_then_quits_fast(
    stack: Stack, browser: Browser, width: int, height: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    page: Page = context.new_page()
    hosts: set[str] = set()
    context.on("request", lambda request: hosts.add(urlparse(request.url).hostname or request.url))
    page.goto(demo(stack))
    page.click("#relais-launcher")
    frame = chat_frame(page)
    expect(frame.locator("#relais-emergency")).to_contain_text("112")
    expect(frame.locator('#relais-emergency a[href="tel:112"]')).to_have_count(1)
    expect(frame.locator('#relais-emergency a[href="tel:3114"]')).to_have_count(1)
    frame.wait_for_selector(".relais-msg-bot", timeout=30_000)

    shown = talk(page, "on m'insulte tous les jours sur insta")
    assert "3018" in shown
    expect(frame.locator('.relais-msg-bot a[href="tel:3018"]').first).to_be_visible()
    # The reply is inside the live region a screen reader announces.
    assert frame.locator('[role="log"][aria-live="polite"] .relais-msg-bot').count() >= 2

    page.screenshot(path=str(ARTIFACTS / f"widget-{width}.png"))
    bot = frame.locator(".relais-msg-bot")
    count = bot.count()
    frame.locator("button.relais-button:not([disabled])").first.click()
    expect(bot).to_have_count(count + 1, timeout=30_000)

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    sender = frame.evaluate("sessionStorage.getItem('relais.webchat.sender')")
    assert sender  # the chat is kept (in the frame) for a reload, until "Quitter vite"

    frame.click("#relais-quit")
    page.wait_for_url("**/webhooks/webchat/neutral")
    assert page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('relais'))") == []
    assert "harc" not in page.content().lower()
    assert hosts == {"127.0.0.1"}, hosts
    assert_erased(stack, sender)
    context.close()


def test_danger_in_the_widget_shows_112_and_3114_first(stack: Stack, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(demo(stack))
    page.click("#relais-launcher")
    frame = chat_frame(page)
    talk(page, "jveux en finir")
    reply = frame.locator(".relais-msg-user ~ .relais-msg-bot").first  # the first reply
    expect(reply).to_contain_text("3114")
    expect(reply).to_contain_text("112")
    page.close()


def test_the_keyboard_alone_opens_talks_and_closes(stack: Stack, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(demo(stack))
    page.wait_for_selector("#relais-launcher")
    for _ in range(10):  # Tab until the launcher (the demo article has no other control)
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "relais-launcher":
            break
    assert page.evaluate("document.activeElement.id") == "relais-launcher"
    page.keyboard.press("Enter")
    frame = chat_frame(page)
    assert page.evaluate("document.activeElement.id") == "relais-frame"
    frame.wait_for_function("() => document.activeElement.id === 'relais-input'")
    assert page.evaluate("Relais.isOpen()") is True
    frame.wait_for_selector(".relais-msg-bot", timeout=30_000)
    page.keyboard.type("salut")
    page.keyboard.press("Enter")
    frame.wait_for_function("() => document.querySelectorAll('.relais-msg-user').length === 1")
    page.keyboard.press("Escape")  # closes the panel, does not leave
    expect(page.locator("#relais-frame")).to_be_hidden()
    assert page.url == demo(stack)
    assert page.evaluate("document.activeElement.id") == "relais-launcher"
    assert page.evaluate("Relais.isOpen()") is False
    # The JS API, and its events
    page.evaluate(
        "window.__events = []; ['relais:open', 'relais:close'].forEach(n =>"
        " window.addEventListener(n, () => window.__events.push(n)))"
    )
    page.evaluate("Relais.open()")
    expect(page.locator("#relais-frame")).to_be_visible()
    page.evaluate("Relais.close()")
    expect(page.locator("#relais-frame")).to_be_hidden()
    assert page.evaluate("window.__events") == ["relais:open", "relais:close"]
    page.close()


def erase_marked(route: Route) -> None:
    """The server's erasure mark (`custom.erased`) on the real reply: what the connector passes
    on when the turn's erasure reply carries it."""
    response = route.fetch()
    body = response.json()
    if json.loads(route.request.post_data or "{}").get("message") == "efface tout ce que j'ai dit":
        body[-1]["custom"] = {"erased": True}
    route.fulfill(response=response, json=body)


@pytest.mark.parametrize("command", ["/oubli", "oubli", "mark"])
def test_erasing_clears_the_screen_and_the_storage_and_a_reload_shows_nothing(
    stack: Stack, browser: Browser, command: str
) -> None:
    context = browser.new_context()
    if command == "mark":
        context.route("**/webhooks/webchat/webhook", erase_marked)
        command = "efface tout ce que j'ai dit"
    page = context.new_page()
    page.goto(demo(stack))
    page.click("#relais-launcher")
    frame = chat_frame(page)
    frame.wait_for_selector(".relais-msg-bot", timeout=30_000)
    talk(page, "on se moque de mon pseudo sur discord")
    sender = frame.evaluate("sessionStorage.getItem('relais.webchat.sender')")
    shown = talk(page, command)
    assert "discord" not in shown and command not in shown
    assert frame.locator(".relais-msg-user").count() == 0  # only the "c'est fait" reply
    assert frame.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('relais'))") == []
    if command.startswith(("/", "oubli")):
        assert_erased(stack, sender)
    page.reload()
    page.click("#relais-launcher")
    frame = chat_frame(page)
    frame.wait_for_selector(".relais-msg-bot", timeout=30_000)  # a new greeting
    log = frame.inner_text("#relais-log")
    assert "discord" not in log and "effac" not in log
    assert frame.evaluate("sessionStorage.getItem('relais.webchat.sender')") != sender
    context.close()


def test_the_loader_and_a_first_open_are_light(stack: Stack, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    bodies: dict[str, int] = {}

    def keep(response: Response) -> None:
        if response.url.startswith(stack.url + "/webhooks/webchat/") and response.status == 200:
            bodies[urlparse(response.url).path.rsplit("/", 1)[-1]] = gzip_size(response.body())

    context.on("response", keep)
    page.goto(demo(stack))
    page.wait_for_selector("#relais-launcher")
    loader = bodies["widget.js"]
    assert loader <= LOADER_MAX_GZIP, bodies
    bodies.clear()  # the article and its own stylesheet are the publisher's
    page.click("#relais-launcher")
    frame = chat_frame(page)
    frame.wait_for_selector(".relais-msg-bot", timeout=30_000)
    page.wait_for_timeout(300)
    sizes = dict(bodies)  # the frame, its script and stylesheet, and the greeting
    first_open = loader + sum(sizes.values())
    (ARTIFACTS / "widget-sizes.json").write_text(
        json.dumps({"loader_gzip": loader, "first_open_gzip": first_open, **sizes}, indent=1)
    )
    assert {"frame", "frame.js", "frame.css"} <= set(sizes), sizes
    assert first_open <= FIRST_OPEN_MAX_GZIP, sizes
    context.close()


def test_a_reply_that_comes_while_the_chat_is_closed_shows_on_the_launcher(
    stack: Stack, browser: Browser
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(demo(stack))
    page.click("#relais-launcher")
    frame = chat_frame(page)
    talk(page, "salut")
    held: list[Route] = []  # the next post waits here until the chat is closed
    context.route("**/webhooks/webchat/webhook", lambda route: held.append(route))
    frame.fill("#relais-input", "on m'insulte sur insta")
    frame.press("#relais-input", "Enter")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    page.keyboard.press("Escape")
    expect(page.locator("#relais-frame")).to_be_hidden()
    held[0].continue_()
    launcher = page.locator("#relais-launcher")
    expect(launcher).to_have_attribute("aria-label", re.compile(r"\(1 nouveau message\)"))
    expect(launcher).to_contain_text("1")
    launcher.click()
    expect(launcher).not_to_contain_text("1")
    assert "3018" in frame.inner_text("#relais-log")
    context.close()
