"""axe-core on the widget, in Debian's Chromium, against the real bot: the launcher on the demo
page and the open chat (a greeting, a reply with buttons), in the light and the dark theme, at
320 px and 1280 px. No serious or critical violation of WCAG 2.1 A/AA rules is allowed.

axe-core (MPL-2.0) comes from the npm registry, pinned in tests/js/package-lock.json and installed
by scripts/system-deps; it is injected into the page by the test, never served by Relais.
The light and dark screenshots in docs/ are taken here (tests/.artifacts/), then reviewed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.browser import ARTIFACTS, axe_violations, chat_frame, chromium, talk
from tests.conftest import Stack

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("width", "height"), [(320, 640), (1280, 800)])
def test_no_serious_or_critical_axe_violation(
    stack: Stack, browser: Browser, scheme: str, width: int, height: int
) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": height}, color_scheme=scheme, reduced_motion="reduce"
    )
    page = context.new_page()
    page.goto(f"{stack.url}/webhooks/webchat/demo")
    page.wait_for_selector("#relais-launcher")
    found = {"launcher": axe_violations(page, "#relais-launcher")}
    page.click("#relais-launcher")
    frame = chat_frame(page)
    talk(page, "on m'insulte sur snap depuis une semaine")
    assert frame.locator("button.relais-button").count() > 0
    found["page, chat open"] = axe_violations(page)
    found["chat"] = axe_violations(frame)
    (ARTIFACTS / f"axe-{scheme}-{width}.json").write_text(json.dumps(found, indent=1))
    if width == 1280:
        page.screenshot(path=str(ARTIFACTS / f"widget-{scheme}.png"))
    assert found == {"launcher": [], "page, chat open": [], "chat": []}
    context.close()
